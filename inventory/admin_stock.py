"""The merchandiser's stock screens in the admin: receive stock at a location, adjust a
row (with a reason), count a row, and import a batch of shelf counts from a CSV file.

Each screen is a form that calls one ``inventory.services`` function — the same write
path as the back-office, the API and the workers — so every change lands in the ledger
and refreshes nearest availability; nothing here writes Stock or StockMovement itself.
A refusal (below what is reserved, an unknown SKU) is shown on the form, never a 500.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from catalog.models import Variant
from inventory import services
from inventory.errors import InventoryError
from inventory.models import Stock, StockMovement
from stores.models import Associate, Location

Reason = StockMovement.Reason

# Rows one upload may hold: the batch count is one transaction, and a page of errors
# beyond this would not be read anyway. Bigger files go in several uploads (or the API).
IMPORT_MAX_ROWS = 5000
IMPORT_MAX_BYTES = 2 * 1024 * 1024
IMPORT_COLUMNS = ("sku", "location", "counted")
# SKUs and location codes are looked up in chunks, so a big file costs a few queries.
_LOOKUP_CHUNK = 1000


def _locations():
    return Location.objects.filter(is_active=True).order_by("kind", "name")


class StockReceiveForm(forms.Form):
    sku = forms.CharField(label=_("SKU"), max_length=40)
    location = forms.ModelChoiceField(queryset=_locations(), label=_("Location"))
    quantity = forms.IntegerField(label=_("Units received"), min_value=1, max_value=100_000)
    note = forms.CharField(
        label=_("Note"), max_length=255, required=False, help_text=_("e.g. the delivery note")
    )

    def clean_sku(self) -> Variant:
        sku = self.cleaned_data["sku"].strip()
        variant = Variant.objects.filter(sku=sku).select_related("product").first()
        if variant is None:
            raise forms.ValidationError(_("No variant has the SKU “%(sku)s”."), params={"sku": sku})
        return variant


class StockAdjustForm(forms.Form):
    delta = forms.IntegerField(
        label=_("Change in units"),
        help_text=_("Negative takes units away (e.g. -2), positive adds them."),
        min_value=-100_000,
        max_value=100_000,
    )
    reason = forms.ChoiceField(
        label=_("Reason"),
        # No reason preselected: the ledger should say why, so someone has to pick it.
        choices=[
            ("", _("Choose…")),
            *((r.value, r.label) for r in Reason if r.value in services.ADJUST_REASONS),
        ],
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def clean_delta(self) -> int:
        delta = self.cleaned_data["delta"]
        if delta == 0:
            raise forms.ValidationError(_("An adjustment changes stock by at least one unit."))
        return delta


class StockCountForm(forms.Form):
    counted = forms.IntegerField(label=_("Units counted on the shelf"), min_value=0)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class CountImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns sku, location (its code) and counted, with a header row; at most "
            "%(rows)s rows. Every row is checked first: one bad row and nothing is applied."
        )
        % {"rows": IMPORT_MAX_ROWS},
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


@dataclass(frozen=True)
class RowError:
    line: int  # the line of the file (the header is line 1)
    sku: str
    location: str
    message: str


@dataclass(frozen=True)
class CountFile:
    lines: list[services.CountLine]
    line_numbers: list[int]
    raw: list[tuple[str, str]]  # (sku, location) as typed, per line
    errors: list[RowError]


def _lookup(model, field: str, values: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    ordered = sorted(values)
    for start in range(0, len(ordered), _LOOKUP_CHUNK):
        chunk = ordered[start : start + _LOOKUP_CHUNK]
        found.update(model.objects.filter(**{f"{field}__in": chunk}).values_list(field, "pk"))
    return found


def count_file_read(upload) -> CountFile:
    """Parse an uploaded count file into count lines, with an error per bad row (unknown
    SKU or location, a figure that is not a whole number of zero or more). Reads no more
    than ``IMPORT_MAX_BYTES``."""
    if upload.size > IMPORT_MAX_BYTES:
        raise forms.ValidationError(
            _("The file is larger than %(mb)s MB: split it."),
            params={"mb": IMPORT_MAX_BYTES // (1024 * 1024)},
        )
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise forms.ValidationError(
            _("The file is not UTF-8 text (save it as CSV UTF-8).")
        ) from error
    reader = csv.reader(io.StringIO(text))
    header = [cell.strip().lower() for cell in next(reader, [])]
    if any(column not in header for column in IMPORT_COLUMNS):
        raise forms.ValidationError(
            _("The first row must name the columns sku, location and counted.")
        )
    at = {column: header.index(column) for column in IMPORT_COLUMNS}
    rows: list[tuple[int, str, str, str]] = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line (often the last)
        cells = [*cells, "", "", ""]
        rows.append((number, *(cells[at[c]].strip() for c in IMPORT_COLUMNS)))
        if len(rows) > IMPORT_MAX_ROWS:
            raise forms.ValidationError(
                _("More than %(rows)s rows: split the file."), params={"rows": IMPORT_MAX_ROWS}
            )
    if not rows:
        raise forms.ValidationError(_("The file has no rows under its header."))

    variants = _lookup(Variant, "sku", {sku for _, sku, _, _ in rows if sku})
    locations = _lookup(Location, "code", {code for _, _, code, _ in rows if code})
    lines, numbers, raw, errors = [], [], [], []
    first_line: dict[tuple[str, str], int] = {}
    for number, sku, code, figure in rows:
        problems = []
        if (sku, code) in first_line:
            problems.append(
                _("Counted twice in this file (line %(line)s).") % {"line": first_line[(sku, code)]}
            )
        first_line.setdefault((sku, code), number)
        if sku not in variants:
            problems.append(_("Unknown SKU “%(sku)s”.") % {"sku": sku} if sku else _("No SKU."))
        if code not in locations:
            problems.append(
                _("Unknown location “%(code)s”.") % {"code": code} if code else _("No location.")
            )
        try:
            counted = int(figure)
        except ValueError:
            problems.append(_("“%(figure)s” is not a whole number.") % {"figure": figure})
        else:
            if counted < 0:
                problems.append(_("A count cannot be negative (%(n)s).") % {"n": counted})
        if problems:
            errors.append(RowError(number, sku, code, " ".join(str(p) for p in problems)))
            continue
        lines.append(services.CountLine(variants[sku], locations[code], counted))
        numbers.append(number)
        raw.append((sku, code))
    return CountFile(lines=lines, line_numbers=numbers, raw=raw, errors=errors)


def _names(stock: Stock) -> dict[str, str]:
    """The SKU and location a message about a stock row names."""
    return {"sku": stock.variant.sku, "location": stock.location.name}


class StockEntryAdminMixin:
    """Adds the stock screens to the Stock admin, each under its own URL and behind the
    change-stock permission, with links from the changelist and the change page."""

    change_list_template = "admin/inventory/stock/change_list.html"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("receive/", wrap(self.receive_view), name="inventory_stock_receive"),
            path("import-counts/", wrap(self.import_view), name="inventory_stock_import"),
            path("<int:stock_id>/adjust/", wrap(self.adjust_view), name="inventory_stock_adjust"),
            path("<int:stock_id>/count/", wrap(self.count_view), name="inventory_stock_count"),
            *super().get_urls(),
        ]

    # --- shared pieces ---------------------------------------------------------------

    def _require_change(self, request: HttpRequest) -> None:
        if not self.has_change_permission(request):
            raise PermissionDenied

    @staticmethod
    def _who(request: HttpRequest) -> dict:
        associate = Associate.objects.filter(user=request.user, is_active=True).first()
        return {"associate": associate, "actor": f"admin:{request.user.get_username()}"[:120]}

    def _row_of(self, request: HttpRequest, stock: Stock) -> dict:
        """The service arguments naming the stock row and who changes it."""
        return {
            "variant_id": stock.variant_id,
            "location_id": stock.location_id,
            **self._who(request),
        }

    def _render(self, request, *, title: str, form, stock=None, extra=None, status=200):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "form": form,
            "stock": stock,
            "changelist_url": reverse("admin:inventory_stock_changelist"),
            **(extra or {}),
        }
        return TemplateResponse(
            request, "admin/inventory/stock/entry_form.html", context, status=status
        )

    def _back_to(self, stock: Stock) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:inventory_stock_change", args=[stock.pk]))

    def _stock(self, stock_id: int) -> Stock:
        return get_object_or_404(
            Stock.objects.select_related("variant__product", "location"), pk=stock_id
        )

    # --- the screens -------------------------------------------------------------------

    def _entry_screen(self, request, *, form, title: str, write, done, stock=None):
        """One stock screen: on a valid post call ``write(cleaned_data)`` (one
        ``inventory.services`` call, returning its ledger entry or None), then say
        ``done(cleaned_data, entry)`` — (message, level, stock row to go back to); a
        refusal is shown on the form."""
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                entry = write(data)
            except InventoryError as error:
                form.add_error(None, str(error))
            else:
                text, level, back = done(data, entry)
                self.message_user(request, text, level)
                return self._back_to(back)
        return self._render(request, title=title, form=form, stock=stock)

    def receive_view(self, request: HttpRequest) -> HttpResponse:
        self._require_change(request)
        initial = {
            "sku": request.GET.get("sku", ""),
            "location": request.GET.get("location") or None,
        }

        def write(data):
            return services.stock_receive(
                variant_id=data["sku"].pk,
                location_id=data["location"].pk,
                quantity=data["quantity"],
                note=data["note"],
                **self._who(request),
            )

        def done(data, entry):
            variant, location = data["sku"], data["location"]
            text = _("Received %(n)s × %(sku)s at %(location)s: %(after)s on hand.") % {
                "n": data["quantity"],
                "sku": variant.sku,
                "location": location.name,
                "after": entry.on_hand_after,
            }
            return text, messages.SUCCESS, Stock.objects.get(variant=variant, location=location)

        return self._entry_screen(
            request,
            form=StockReceiveForm(request.POST or None, initial=initial),
            title=_("Receive stock"),
            write=write,
            done=done,
        )

    def adjust_view(self, request: HttpRequest, stock_id: int) -> HttpResponse:
        self._require_change(request)
        stock = self._stock(stock_id)

        def write(data):
            return services.stock_adjust(
                **self._row_of(request, stock),
                delta=data["delta"],
                reason=data["reason"],
                note=data["note"],
            )

        def done(data, entry):
            text = _("Adjusted %(sku)s at %(location)s by %(delta)+d: %(after)s on hand.")
            values = {"delta": entry.delta, "after": entry.on_hand_after}
            return text % {**_names(stock), **values}, messages.SUCCESS, stock

        form = StockAdjustForm(request.POST or None)
        return self._entry_screen(
            request, form=form, title=_("Adjust stock"), write=write, done=done, stock=stock
        )

    def count_view(self, request: HttpRequest, stock_id: int) -> HttpResponse:
        self._require_change(request)
        stock = self._stock(stock_id)

        def write(data):
            return services.stock_cycle_count(
                **self._row_of(request, stock), counted=data["counted"], note=data["note"]
            )

        def done(data, entry):
            if entry is None:
                text = _("The count matches: %(n)s on hand, nothing changed.")
                return text % {"n": data["counted"]}, messages.INFO, stock
            text = _("Counted %(n)s of %(sku)s at %(location)s (%(delta)+d).")
            values = {"n": data["counted"], "delta": entry.delta}
            return text % {**_names(stock), **values}, messages.SUCCESS, stock

        form = StockCountForm(request.POST or None)
        return self._entry_screen(
            request, form=form, title=_("Count stock"), write=write, done=done, stock=stock
        )

    def import_view(self, request: HttpRequest) -> HttpResponse:
        self._require_change(request)
        form = CountImportForm(request.POST or None, request.FILES or None)
        row_errors: list[RowError] = []
        if request.method == "POST" and form.is_valid():
            try:
                parsed = count_file_read(form.cleaned_data["file"])
            except forms.ValidationError as error:
                form.add_error("file", error)
                parsed = None
            if parsed is not None and parsed.errors:
                row_errors = parsed.errors
            elif parsed is not None:
                try:
                    results = services.stock_cycle_count_many(
                        rows=parsed.lines, note=form.cleaned_data["note"], **self._who(request)
                    )
                except services.CountRejected as error:
                    row_errors = [
                        RowError(
                            parsed.line_numbers[int(index)],
                            *parsed.raw[int(index)],
                            problem["message"],
                        )
                        for index, problem in error.details.get("rows", {}).items()
                    ]
                except InventoryError as error:
                    form.add_error(None, str(error))
                else:
                    changed = sum(1 for entry in results if entry is not None)
                    self.message_user(
                        request,
                        ngettext(
                            "%(rows)s row counted: %(changed)s changed on-hand.",
                            "%(rows)s rows counted: %(changed)s changed on-hand.",
                            len(results),
                        )
                        % {"rows": len(results), "changed": changed},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:inventory_stock_changelist"))
            if row_errors:
                form.add_error(
                    None,
                    ngettext(
                        "%(n)s row could not be applied, so nothing was applied.",
                        "%(n)s rows could not be applied, so nothing was applied.",
                        len(row_errors),
                    )
                    % {"n": len(row_errors)},
                )
        return self._render(
            request,
            title=_("Import counts from CSV"),
            form=form,
            extra={"row_errors": row_errors, "multipart": True},
        )

    # --- links from the changelist and the change page -------------------------------

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        if self.has_change_permission(request):
            return shown
        return tuple(name for name in shown if name != "stock_links")

    def get_fields(self, request, obj=None):
        shown = super().get_fields(request, obj)
        if self.has_change_permission(request, obj):
            return shown
        return tuple(name for name in shown if name != "stock_links")

    def stock_links(self, obj: Stock) -> str:
        if obj.pk is None:
            return "—"
        return format_html(
            # Stacked, so the column stays narrow beside on-hand and salable.
            '<a href="{}">{}</a><br><a href="{}">{}</a><br><a href="{}">{}</a>',
            reverse("admin:inventory_stock_adjust", args=[obj.pk]),
            _("Adjust"),
            reverse("admin:inventory_stock_count", args=[obj.pk]),
            _("Count"),
            reverse("admin:inventory_stock_receive")
            + "?"
            + urlencode({"sku": obj.variant.sku, "location": obj.location_id}),
            _("Receive"),
        )

    stock_links.short_description = _("Set stock")
