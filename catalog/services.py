"""Catalog writes: products, variants, the one price book, and switching them on and off
for sale. The admin, the API and imports call these; nothing else saves catalog rows.

Whether a variant is on sale (it and its product active) decides whether it has
nearest-store availability. Catalog sits below inventory and does not import it: a change
of what is on sale sends ``variants_sellability_changed`` (variant ids) in the same
transaction, and inventory refreshes those variants' availability after commit.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.images import image_validate, thumbnails_delete, thumbnails_make
from catalog.models import TRANSLATED_FIELDS, Category, Price, Product, ProductImage, Variant
from catalog.slugs import unicode_slugify
from omni.errors import DomainError

# Sent with ``variant_ids`` (a sorted list) inside the transaction that changed whether
# those variants are on sale. Receiver: inventory's (``inventory.apps``), which refreshes
# their nearest availability after commit.
variants_sellability_changed = Signal()


class CatalogError(DomainError):
    """The catalog refused the change."""

    code = "catalog_error"
    http_status = 400
    default_message = gettext_lazy("The catalogue refused this change.")


class DuplicateValue(CatalogError):
    """Another row already uses this unique value (slug, SKU, barcode)."""

    code = "duplicate"
    http_status = 409
    default_message = gettext_lazy("This value is already used.")


class InvalidImage(CatalogError):
    """The upload is not a product image we accept."""

    code = "invalid_image"
    default_message = gettext_lazy("This is not an image we accept.")


class InvalidPrice(CatalogError):
    """The price is not valid."""

    code = "invalid_price"
    default_message = gettext_lazy("This price is not valid.")


IMAGE_FIELDS = frozenset({"alt_text", "colour", "position"})
PRODUCT_FIELDS = frozenset({"name", "slug", "category", "brand", "description", "is_final_sale"})
VARIANT_FIELDS = frozenset({"sku", "barcode", "size", "colour", "colour_hex", "position"})


def _sellability_changed(variant_ids: Iterable[int]) -> None:
    ids = sorted(set(variant_ids))
    if ids:
        variants_sellability_changed.send(sender=Variant, variant_ids=ids)


# The languages a product's name and description may be given in beside the default.
def translation_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def _translations_apply(row, translations: Mapping[str, Mapping[str, str]] | None) -> list[str]:
    """Set ``row``'s ``<field>_<lang>`` from ``{"th": {"name": ..., "description": ...}}``
    (a blank value clears it: the default language's text shows); the columns set.
    Raises CatalogError for a language or field that has none."""
    changed: list[str] = []
    languages = translation_languages()
    for code, values in (translations or {}).items():
        if code not in languages:
            raise CatalogError(
                _("“%(language)s” is not one of the shop's other languages.") % {"language": code},
                field=f"translations.{code}",
            )
        for field, value in values.items():
            if field not in TRANSLATED_FIELDS:
                raise CatalogError(
                    _("“%(field)s” has no translations.") % {"field": field},
                    field=f"translations.{code}.{field}",
                )
            column = f"{field}_{code}"
            setattr(row, column, (value or "").strip() or None)
            changed.append(column)
    return changed


def _unique_slug(name: str, *, exclude_pk: int | None = None) -> str:
    base = unicode_slugify(name)[:200].strip("-") or "product"
    taken = set(
        Product.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _ensure_free(model, field: str, value: Any, *, exclude_pk: int | None = None) -> None:
    if value in (None, ""):
        return
    if model.objects.filter(**{field: value}).exclude(pk=exclude_pk).exists():
        raise DuplicateValue(
            _("Another %(item)s already has the %(field)s “%(value)s”.")
            % {"item": model._meta.verbose_name, "field": field, "value": value},
            field=field,
            value=str(value),
        )


@transaction.atomic
def product_create(
    *,
    name: str,
    category: Category,
    slug: str = "",
    brand: str = "",
    description: str = "",
    is_active: bool = True,
    is_final_sale: bool = False,
    variants: Sequence[Mapping[str, Any]] = (),
    translations: Mapping[str, Mapping[str, str]] | None = None,
) -> Product:
    """A product, with its ``variants`` (each the keyword arguments of ``variant_create``,
    ``price`` included) — all or nothing. ``name`` and ``description`` are the default
    language's (English); ``translations`` the others' (``{"th": {"name": ...}}``). The
    slug is made from the name when not given (in its own script: ``เสื้อยืด``). Raises
    DuplicateValue (slug taken), CatalogError (blank name, unknown language), and a
    variant's errors with the field at its path in ``variants`` (``"variants[1].sku"``)."""
    name = name.strip()
    if not name:
        raise CatalogError(_("A product needs a name."), field="name")
    slug = slug.strip() or _unique_slug(name)
    _ensure_free(Product, "slug", slug)
    product = Product(
        slug=slug,
        category=category,
        brand=brand.strip(),
        is_active=is_active,
        is_final_sale=is_final_sale,
    )
    with translation.override(settings.LANGUAGE_CODE):
        product.name = name
        product.description = description
    _translations_apply(product, translations)
    product.save()
    for index, variant in enumerate(variants):
        try:
            variant_create(product=product, **variant)
        except DomainError as error:
            # Callers that sent a list need to know which entry was refused.
            field = error.details.get("field")
            if isinstance(field, str):
                error.details = {**error.details, "field": f"variants[{index}].{field}"}
            raise
    return product


@transaction.atomic
def product_update(
    *,
    product: Product,
    translations: Mapping[str, Mapping[str, str]] | None = None,
    **fields: Any,
) -> Product:
    """Change a product's details (``PRODUCT_FIELDS``, ``name`` and ``description`` in
    the default language; ``translations`` the others', as for product_create;
    ``is_active`` goes through product_activate / product_deactivate). Locks the product
    row. Raises DuplicateValue, CatalogError (unknown field or language, blank name)."""
    if unknown := set(fields) - PRODUCT_FIELDS - {"is_active"}:
        raise CatalogError(
            _("Cannot change %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            fields=sorted(unknown),
        )
    product = Product.objects.select_for_update().get(pk=product.pk)
    is_active = fields.pop("is_active", None)
    if "name" in fields:
        fields["name"] = fields["name"].strip()
        if not fields["name"]:
            raise CatalogError(_("A product needs a name."), field="name")
    if fields.get("slug"):
        _ensure_free(Product, "slug", fields["slug"], exclude_pk=product.pk)
    with translation.override(settings.LANGUAGE_CODE):
        for field, value in fields.items():
            setattr(product, field, value)
    columns = [*fields, *_translations_apply(product, translations)]
    if columns:
        product.save(update_fields=[*columns, "updated_at"])
    if is_active is not None and is_active != product.is_active:
        products_set_active(product_ids=[product.pk], is_active=is_active)
        product.refresh_from_db()
    return product


@transaction.atomic
def products_set_active(*, product_ids: Iterable[int], is_active: bool) -> int:
    """Put products on sale or take them off; the number whose state changed. Their
    variants' availability is refreshed after commit (``variants_sellability_changed``)."""
    changing = Product.objects.filter(pk__in=list(product_ids)).exclude(is_active=is_active)
    ids = list(changing.values_list("pk", flat=True))
    if not ids:
        return 0
    Product.objects.filter(pk__in=ids).update(is_active=is_active, updated_at=timezone.now())
    _sellability_changed(Variant.objects.filter(product_id__in=ids).values_list("pk", flat=True))
    return len(ids)


def product_activate(*, product: Product) -> Product:
    products_set_active(product_ids=[product.pk], is_active=True)
    product.refresh_from_db()
    return product


def product_deactivate(*, product: Product) -> Product:
    products_set_active(product_ids=[product.pk], is_active=False)
    product.refresh_from_db()
    return product


@transaction.atomic
def variants_set_active(*, variant_ids: Iterable[int], is_active: bool) -> int:
    """Put variants on sale or take them off; the number whose state changed (their
    availability is refreshed after commit)."""
    changing = Variant.objects.filter(pk__in=list(variant_ids)).exclude(is_active=is_active)
    ids = list(changing.values_list("pk", flat=True))
    if not ids:
        return 0
    Variant.objects.filter(pk__in=ids).update(is_active=is_active, updated_at=timezone.now())
    _sellability_changed(ids)
    return len(ids)


@transaction.atomic
def variant_create(
    *,
    product: Product,
    sku: str,
    barcode: str | None = None,
    size: str = "",
    colour: str = "",
    colour_hex: str = "",
    position: int = 0,
    is_active: bool = True,
    price: Decimal | Mapping[str, Any] | None = None,
) -> Variant:
    """A variant (SKU) of a product, with its first price when ``price`` is given (an
    amount, or the keyword arguments of ``price_set``: a "was" price, a window).
    Raises DuplicateValue (SKU or barcode taken), CatalogError, InvalidPrice."""
    sku = sku.strip()
    if not sku:
        raise CatalogError(_("A variant needs a SKU."), field="sku")
    barcode = (barcode or "").strip() or None
    _ensure_free(Variant, "sku", sku)
    _ensure_free(Variant, "barcode", barcode)
    variant = Variant.objects.create(
        product=product,
        sku=sku,
        barcode=barcode,
        size=size,
        colour=colour,
        colour_hex=colour_hex,
        position=position,
        is_active=is_active,
    )
    _price_apply(variant, price)
    return variant


def _price_apply(variant: Variant, price: Decimal | Mapping[str, Any] | None) -> None:
    if price is None:
        return
    if isinstance(price, Mapping):
        price_set(variant=variant, **price)
    else:
        price_set(variant=variant, amount=price)


@transaction.atomic
def variant_update(
    *, variant: Variant, price: Decimal | Mapping[str, Any] | None = None, **fields: Any
) -> Variant:
    """Change a variant's details (``VARIANT_FIELDS`` and ``is_active``) and, with
    ``price`` (as for ``variant_create``), add its price — together or not at all. Locks
    the variant row. Raises DuplicateValue, CatalogError (unknown field, blank SKU),
    InvalidPrice."""
    if unknown := set(fields) - VARIANT_FIELDS - {"is_active"}:
        raise CatalogError(
            _("Cannot change %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            fields=sorted(unknown),
        )
    variant = Variant.objects.select_for_update().get(pk=variant.pk)
    is_active = fields.pop("is_active", None)
    if "sku" in fields:
        fields["sku"] = fields["sku"].strip()
        if not fields["sku"]:
            raise CatalogError(_("A variant needs a SKU."), field="sku")
        _ensure_free(Variant, "sku", fields["sku"], exclude_pk=variant.pk)
    if "barcode" in fields:
        fields["barcode"] = (fields["barcode"] or "").strip() or None
        _ensure_free(Variant, "barcode", fields["barcode"], exclude_pk=variant.pk)
    for field, value in fields.items():
        setattr(variant, field, value)
    if fields:
        variant.save(update_fields=[*fields, "updated_at"])
    if is_active is not None and is_active != variant.is_active:
        variants_set_active(variant_ids=[variant.pk], is_active=is_active)
        variant.refresh_from_db()
    _price_apply(variant, price)
    return variant


@transaction.atomic
def price_set(
    *,
    variant: Variant,
    amount: Decimal,
    compare_at_amount: Decimal | None = None,
    valid_from: dt.datetime | None = None,
    valid_until: dt.datetime | None = None,
    currency: str | None = None,
) -> Price:
    """Price a variant in the one price book (every channel). An open-ended price is the
    new base price: base prices still open from before it end where it starts. A price
    with ``valid_until`` (a promotion, usually with ``compare_at_amount``) overlays the
    base price for its window — the newest row in force wins. Locks the variant row.
    Raises InvalidPrice."""
    amount = Decimal(amount)
    if amount < 0:
        raise InvalidPrice(_("A price cannot be negative."), field="amount")
    if compare_at_amount is not None and Decimal(compare_at_amount) <= amount:
        raise InvalidPrice(
            _("The “was” price must be higher than the price."), field="compare_at_amount"
        )
    valid_from = valid_from or timezone.now()
    if valid_until is not None and valid_until <= valid_from:
        raise InvalidPrice(_("A price must end after it starts."), field="valid_until")
    Variant.objects.select_for_update().filter(pk=variant.pk).first()
    if valid_until is None:
        Price.objects.filter(
            variant=variant, valid_until__isnull=True, valid_from__lt=valid_from
        ).update(valid_until=valid_from)
    price = Price.objects.create(
        variant=variant,
        amount=amount,
        compare_at_amount=compare_at_amount,
        currency=currency or settings.OMNI_CURRENCY,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    Variant.objects.filter(pk=variant.pk).update(updated_at=timezone.now())
    return price


# --- images ------------------------------------------------------------------------------


def _image_store(image: ProductImage, upload) -> None:
    """Validate ``upload``, note its width and height, write it to storage and make its
    thumbnails. Raises InvalidImage."""
    try:
        image.width, image.height = image_validate(upload)
    except ValidationError as error:
        raise InvalidImage(" ".join(error.messages), field="image") from error
    image.image.save(posixpath.basename(upload.name), upload, save=False)
    thumbnails_make(image.image.name)


@transaction.atomic
def product_image_create(
    *, product: Product, upload, alt_text: str = "", colour: str = "", position: int = 0
) -> ProductImage:
    """An image of a product (a JPEG, PNG or WebP upload), with its thumbnails made once,
    now, in every width the pages use. Raises InvalidImage (not an image, another format,
    too large or too small)."""
    image = ProductImage(
        product=product, alt_text=alt_text.strip(), colour=colour.strip(), position=position
    )
    _image_store(image, upload)
    image.save()
    return image


@transaction.atomic
def product_image_update(*, image: ProductImage, upload=None, **fields: Any) -> ProductImage:
    """Change an image's alt text, colour or position (``IMAGE_FIELDS``) and, with
    ``upload``, replace the picture: the new one gets its thumbnails, the old file and its
    thumbnails are removed after commit. Raises InvalidImage, CatalogError."""
    if unknown := set(fields) - IMAGE_FIELDS:
        raise CatalogError(
            _("Cannot change %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            fields=sorted(unknown),
        )
    for field, value in fields.items():
        setattr(image, field, value.strip() if isinstance(value, str) else value)
    old_name = image.image.name if upload is not None else None
    if upload is not None:
        _image_store(image, upload)
    image.save()
    if old_name and old_name != image.image.name:
        storage = image.image.storage

        def remove_old() -> None:
            thumbnails_delete(old_name, storage=storage)
            storage.delete(old_name)

        transaction.on_commit(remove_old)
    return image


def product_image_thumbnails_refresh(*, image: ProductImage) -> bool:
    """Read a stored image's size and (re)make its thumbnails — for images saved before
    thumbnails existed. False, and nothing changed, when the file is missing or not a
    JPEG, PNG or WebP (an old SVG keeps being shown as it is)."""
    storage = image.image.storage
    if not image.image.name or not storage.exists(image.image.name):
        return False
    try:
        with storage.open(image.image.name, "rb") as handle:
            width, height = image_validate(handle)
    except ValidationError:
        return False
    thumbnails_make(image.image.name, storage=storage)
    ProductImage.objects.filter(pk=image.pk).update(width=width, height=height)
    image.width, image.height = width, height
    return True
