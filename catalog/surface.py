"""What catalog lends to other apps' surfaces (only surface modules import it,
tests/test_layering.py): one lookup for the API's order and transfer lines, the SKU or
barcode an integrator sent resolved to variant ids in one query, with an unknown code
reported on its own row; and a variant's colour and size in the reader's language
(catalog.option_names)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from rest_framework import exceptions

from catalog.models import Variant
from catalog.option_names import colour_name, size_name

__all__ = ["colour_name", "size_name", "variant_ids_for_lines"]


def variant_ids_for_lines(lines: list[dict[str, Any]]) -> dict[str, int]:
    """{sku or barcode as sent: variant id} for every line; a 400 naming each unknown row."""
    codes = {line["sku"] for line in lines}
    found: dict[str, int] = {}
    for pk, sku, barcode in Variant.objects.filter(
        Q(sku__in=codes) | Q(barcode__in=codes)
    ).values_list("pk", "sku", "barcode"):
        found[sku] = pk
        if barcode:
            found.setdefault(barcode, pk)
    errors = {
        index: {"sku": [exceptions.ErrorDetail(f"Unknown SKU “{line['sku']}”.", "unknown_variant")]}
        for index, line in enumerate(lines)
        if line["sku"] not in found
    }
    if errors:
        raise exceptions.ValidationError({"lines": errors})
    return found
