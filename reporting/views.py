"""The numbers' pages: a store's dashboard in the back-office (``reporting.backoffice``)
and the network view for merchandisers (``numbers_network``, staff, linked from the admin
index). Both read ``reporting.selectors.numbers_report`` — rollups only, a fixed number
of queries — and show each chart beside its numbers as a table, with a CSV download of
the same table (``?csv=<table>``)."""

from __future__ import annotations

import csv
import datetime as dt
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from customers.models import Channel
from omni.calendars import format_date
from reporting.models import DailyAssociate
from reporting.selectors import Period, Report, numbers_report
from reporting.views_charts import bar_chart, line_chart, money, number, percent
from returns.models import ReturnLine
from stores.models import Location

MAX_DAYS = 366
PERIODS = (
    ("today", pgettext_lazy("period", "Today")),
    ("7", gettext_lazy("7 days")),
    ("30", gettext_lazy("30 days")),
    ("90", gettext_lazy("90 days")),
    ("custom", pgettext_lazy("period", "Custom")),
)


class PeriodForm(forms.Form):
    period = forms.ChoiceField(choices=PERIODS, required=False)
    start = forms.DateField(required=False, label=gettext_lazy("From"))
    end = forms.DateField(required=False, label=gettext_lazy("To"))

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom":
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                raise forms.ValidationError(_("Choose the first and the last day."))
            if end < start:
                raise forms.ValidationError(_("The last day is before the first."))
            if (end - start).days + 1 > MAX_DAYS:
                raise forms.ValidationError(_("Choose at most %(days)s days.") % {"days": MAX_DAYS})
        return data


def period_from(request: HttpRequest, zone: ZoneInfo) -> tuple[Period, str, PeriodForm]:
    """The period asked for, in days of ``zone`` (the store's); 7 days by default or
    when the input is not valid (the form then shows why)."""
    today = timezone.localtime(timezone.now(), zone).date()
    form = PeriodForm(request.GET or None)
    choice = "7"
    if form.is_bound and form.is_valid():
        choice = form.cleaned_data.get("period") or "7"
    if choice == "custom":
        return Period(form.cleaned_data["start"], form.cleaned_data["end"]), choice, form
    days = {"today": 1, "7": 7, "30": 30, "90": 90}[choice]
    return Period(today - dt.timedelta(days=days - 1), today), choice, form


# --- tables -----------------------------------------------------------------------------


def _channel(value: str) -> str:
    try:
        return str(Channel(value).label)
    except ValueError:
        return value


def _reason(value: str) -> str:
    try:
        return str(ReturnLine.Reason(value).label)
    except ValueError:
        return value


def _condition(value: str) -> str:
    try:
        return str(ReturnLine.Condition(value).label)
    except ValueError:
        return value


def _change(now, before) -> str:
    if before in (None, 0) or now is None:
        return "–"
    return percent((now - before) / before) if before else "–"


# Half-width sections go in pairs, so the grid has no holes on a tablet.
ORDER = (
    "sales_by_day",
    "channels",
    "stores",
    "flows",
    "customers",
    "returns_by_channel",
    "returns_by_category",
    "return_reasons",
    "cart_recovery",
    "associates",
    "back_in_stock",
)
# back_in_stock is the last card: alone, it takes the whole row.
WIDE = frozenset(
    {
        "back_in_stock",
        "sales_by_day",
        "channels",
        "stores",
        "returns_by_channel",
        "cart_recovery",
        "associates",
    }
)


def _table(key, title, columns, rows, raw, *, chart=None, note="") -> dict:
    return {
        "wide": key in WIDE,
        "key": key,
        "title": title,
        "columns": columns,
        "rows": rows,
        "raw": raw,
        "chart": chart,
        "note": note,
    }


def sections(report: Report, *, stores_compared: bool) -> list[dict]:
    """Every section of the dashboard: its chart, its table (as shown) and its raw rows
    (for the CSV)."""
    cur = report.currency
    day_labels = [format_date(row["day"], "MONTH_DAY_FORMAT") for row in report.by_day]
    out = []

    out.append(
        _table(
            "sales_by_day",
            _("Sales by day"),
            [_("Day"), _("Orders"), _("Sales"), _("Units"), _("Previous period")],
            [
                [
                    format_date(row["day"], "SHORT_DATE_FORMAT"),
                    number(row["orders"]),
                    money(row["sales"], cur),
                    number(row["units"]),
                    money(row["previous_sales"], cur),
                ]
                for row in report.by_day
            ],
            [
                [
                    row["day"].isoformat(),
                    row["orders"],
                    row["sales"],
                    row["units"],
                    row["previous_sales"],
                ]
                for row in report.by_day
            ],
            chart=line_chart(
                width=760,
                title=_("Sales by day"),
                labels=day_labels,
                series=[
                    (_("This period"), [row["sales"] for row in report.by_day]),
                    (_("Previous period"), [row["previous_sales"] for row in report.by_day]),
                ],
                formatter=lambda v: money(v, cur),
            ),
        )
    )

    channels = report.by_channel
    out.append(
        _table(
            "channels",
            _("Sales and orders by channel"),
            [
                _("Channel"),
                _("Orders"),
                _("Sales"),
                _("Average order"),
                _("Units per order"),
                _("Change in sales"),
            ],
            [
                [
                    _channel(row["channel"]),
                    number(row["orders"]),
                    money(row["sales"], cur),
                    money(row["aov"], cur),
                    number(row["units_per_order"], 1),
                    _change(row["sales"], row["previous"]["sales"]),
                ]
                for row in channels
            ],
            [
                [
                    row["channel"],
                    row["orders"],
                    row["sales"],
                    row["aov"] or "",
                    row["units_per_order"] or "",
                    row["previous"]["sales"],
                ]
                for row in channels
            ],
            chart=bar_chart(
                title=_("Sales by channel"),
                labels=[_channel(row["channel"]) for row in channels],
                series=[
                    (_("This period"), [row["sales"] for row in channels]),
                    (_("Previous period"), [row["previous"]["sales"] for row in channels]),
                ],
                formatter=lambda v: money(v, cur),
            )
            if channels
            else None,
        )
    )

    if stores_compared:
        stores = report.by_store
        out.append(
            _table(
                "stores",
                _("Sales by store"),
                [
                    _("Store"),
                    _("Orders"),
                    _("Sales"),
                    _("Average order"),
                    _("Units per order"),
                    _("Returns"),
                ],
                [
                    [
                        row["name"] or _("Online, no store"),
                        number(row["orders"]),
                        money(row["sales"], cur),
                        money(row["aov"], cur),
                        number(row["units_per_order"], 1),
                        number(row["returns"]),
                    ]
                    for row in stores
                ],
                [
                    [
                        row["name"] or "online",
                        row["orders"],
                        row["sales"],
                        row["aov"] or "",
                        row["units_per_order"] or "",
                        row["returns"],
                    ]
                    for row in stores
                ],
                chart=bar_chart(
                    title=_("Sales by store"),
                    labels=[row["name"] or _("Online, no store") for row in stores],
                    series=[(_("Sales"), [row["sales"] for row in stores])],
                    formatter=lambda v: money(v, cur),
                    horizontal=True,
                )
                if stores
                else None,
            )
        )

    totals, before, flows = report.totals, report.totals_previous, report.flows
    if report.network:
        reach = [
            (
                _("Online orders picked up in a store"),
                percent(flows["pickup_share"]),
                flows["pickup_share"],
            ),
            (
                _("Online orders shipped from a store"),
                percent(flows["ship_from_store_share"]),
                flows["ship_from_store_share"],
            ),
        ]
    else:
        reach = [
            (
                _("Online orders picked up here"),
                number(totals["pickup_orders"]),
                totals["pickup_orders"],
            ),
            (
                _("Online orders shipped from here"),
                number(totals["shipped_from_store"]),
                totals["shipped_from_store"],
            ),
        ]
    flow_rows = [
        *reach,
        (
            _("Hours from order to ready (average)"),
            number(totals["hours_to_ready"], 1),
            totals["hours_to_ready"],
        ),
        (
            _("Hours from ready to collected (average)"),
            number(totals["hours_to_collect"], 1),
            totals["hours_to_collect"],
        ),
        (_("Pickups made ready"), number(totals["pickups_ready"]), totals["pickups_ready"]),
        (_("Pickups collected"), number(totals["pickups_collected"]), totals["pickups_collected"]),
        (
            _("Pickups not collected (released)"),
            number(totals["pickups_expired"]),
            totals["pickups_expired"],
        ),
        (_("Transfers in"), number(report.transfers["in_now"]), report.transfers["in_now"]),
        (_("Transfers out"), number(report.transfers["out_now"]), report.transfers["out_now"]),
    ]
    out.append(
        _table(
            "flows",
            _("Omnichannel flows"),
            [_("Figure"), _("This period")],
            [[label, shown] for label, shown, _raw in flow_rows],
            [[label, "" if raw is None else raw] for label, _shown, raw in flow_rows],
            chart=bar_chart(
                width=460,
                title=_("Pickups"),
                labels=[_("Made ready"), _("Collected"), _("Not collected")],
                series=[
                    (
                        _("This period"),
                        [
                            totals["pickups_ready"],
                            totals["pickups_collected"],
                            totals["pickups_expired"],
                        ],
                    ),
                    (
                        _("Previous period"),
                        [
                            before["pickups_ready"],
                            before["pickups_collected"],
                            before["pickups_expired"],
                        ],
                    ),
                ],
                formatter=lambda v: number(v),
            ),
        )
    )

    out.append(
        _table(
            "returns_by_channel",
            _("Returns by channel"),
            [
                _("Channel"),
                _("Returns"),
                _("Units returned"),
                _("Units sold"),
                _("Return rate"),
                _("Refunds"),
            ],
            [
                [
                    _channel(row["channel"]),
                    number(row["returns"]),
                    number(row["returned_units"]),
                    number(row["units"]),
                    percent(row["return_rate"]),
                    money(row["refunds"], cur),
                ]
                for row in channels
            ],
            [
                [
                    row["channel"],
                    row["returns"],
                    row["returned_units"],
                    row["units"],
                    row["return_rate"] or "",
                    row["refunds"],
                ]
                for row in channels
            ],
            note=_(
                "Returns count where and when they were received, under the channel of the "
                "order. Online orders returned in a store (BORIS): %(share)s of online returns; "
                "those customers bought %(visit)s in the store on the same visit."
            )
            % {
                "share": percent(flows["boris_share"]),
                "visit": money(flows["boris_visit_sales"], cur),
            },
        )
    )
    categories = report.categories[:12]
    out.append(
        _table(
            "returns_by_category",
            _("Return rate by category"),
            [_("Category"), _("Units sold"), _("Units returned"), _("Return rate")],
            [
                [
                    row["name"],
                    number(row["units_sold"]),
                    number(row["units_returned"]),
                    percent(row["return_rate"]),
                ]
                for row in categories
            ],
            [
                [row["name"], row["units_sold"], row["units_returned"], row["return_rate"] or ""]
                for row in report.categories
            ],
            chart=bar_chart(
                width=460,
                title=_("Return rate by category"),
                labels=[row["name"] for row in categories],
                series=[(_("Return rate"), [row["return_rate"] or 0 for row in categories])],
                formatter=percent,
                horizontal=True,
            )
            if categories
            else None,
        )
    )
    out.append(
        _table(
            "return_reasons",
            _("Why items come back"),
            [_("Reason"), _("Units"), _("Refunds")],
            [
                [_reason(r["reason"]), number(r["units"]), money(r["refunds"], cur)]
                for r in report.reasons
            ]
            + [
                [_condition(r["condition"]), number(r["units"]), money(r["refunds"], cur)]
                for r in report.conditions
            ],
            [[r["reason"], r["units"], r["refunds"]] for r in report.reasons]
            + [
                [f"condition:{r['condition']}", r["units"], r["refunds"]] for r in report.conditions
            ],
            chart=bar_chart(
                width=460,
                title=_("Why items come back"),
                labels=[_reason(r["reason"]) for r in report.reasons],
                series=[(_("Units"), [r["units"] for r in report.reasons])],
                formatter=lambda v: number(v),
                horizontal=True,
            )
            if report.reasons
            else None,
            note=_("The last rows are the condition grades recorded at inspection."),
        )
    )

    if report.recovery is not None:
        stages = report.recovery.stages
        out.append(
            _table(
                "cart_recovery",
                _("Carts won back"),
                [_("Reminder"), _("Sent"), _("Opened cart"), _("Orders"), _("Value")],
                [
                    [
                        _("Email %(n)s") % {"n": number(s.stage)},
                        number(s.sent),
                        number(s.clicked),
                        number(s.recovered_orders),
                        money(s.recovered_value, cur),
                    ]
                    for s in stages
                ],
                [
                    [s.stage, s.sent, s.clicked, s.recovered_orders, s.recovered_value]
                    for s in stages
                ],
                chart=bar_chart(
                    title=_("Carts won back"),
                    labels=[_("Email %(n)s") % {"n": number(s.stage)} for s in stages],
                    series=[
                        (_("Sent"), [s.sent for s in stages]),
                        (_("Opened cart"), [s.clicked for s in stages]),
                        (_("Orders"), [s.recovered_orders for s in stages]),
                    ],
                    formatter=lambda v: number(v),
                )
                if stages
                else None,
                note=_(
                    "An order placed within %(days)s days of a reminder email is credited to "
                    "the last email sent before it."
                )
                % {"days": number(report.recovery.attribution_days)},
            )
        )

    demand = report.demand
    out.append(
        _table(
            "back_in_stock",
            _("Back-in-stock demand"),
            [_("Product"), _("Requests"), _("Alerted")],
            [[row["name"], number(row["requests"]), number(row["notified"])] for row in demand],
            [[row["name"], row["requests"], row["notified"]] for row in demand],
            chart=bar_chart(
                title=_("Asked to be told when it is back"),
                labels=[row["name"] for row in demand],
                series=[
                    (_("Requests"), [row["requests"] for row in demand]),
                    (_("Alerted"), [row["notified"] for row in demand]),
                ],
                formatter=lambda v: number(v),
                horizontal=True,
            )
            if demand
            else None,
            note=_("Shoppers who asked to be told when a size is back, in this period."),
        )
    )

    associates = report.associates[:15]
    source = DailyAssociate.Source
    out.append(
        _table(
            "associates",
            _("Associates"),
            [
                _("Associate"),
                _("Sales rung up or helped"),
                _("Online, their clients"),
                _("Online, from their lists"),
                _("Follow-ups done"),
            ],
            [
                [
                    row["name"],
                    f"{money(row['helped_sales'], cur)} ({number(row['helped_count'])})",
                    f"{money(row['client_sales'], cur)} ({number(row['client_count'])})",
                    f"{money(row['list_sales'], cur)} ({number(row['list_count'])})",
                    number(row["followup_count"]),
                ]
                for row in associates
            ],
            [
                [row["name"]]
                + [row[f"{s}_count"] for s in source.values]
                + [row[f"{s}_sales"] for s in source.values]
                for row in report.associates
            ],
            chart=bar_chart(
                title=_("What associates brought in"),
                labels=[row["name"] for row in associates],
                series=[
                    (str(source.HELPED.label), [row["helped_sales"] for row in associates]),
                    (str(source.CLIENT.label), [row["client_sales"] for row in associates]),
                    (str(source.LIST.label), [row["list_sales"] for row in associates]),
                ],
                formatter=lambda v: money(v, cur),
                horizontal=True,
            )
            if associates
            else None,
            note=_(
                "How orders are credited: an order with an associate (rung up at the till or "
                "placed for a customer) is theirs. An online order without one goes to the "
                "associate who put one of its items on the shopper's list before it was "
                "placed, else to the shopper's own associate. Each order counts once."
            ),
        )
    )

    c, cb = report.customers, report.customers_previous
    customer_rows = [
        (
            _("Customers who bought"),
            number(c["customers"]),
            number(cb["customers"]),
            c["customers"],
            cb["customers"],
        ),
        (_("New customers"), number(c["new"]), number(cb["new"]), c["new"], cb["new"]),
        (
            _("Returning customers"),
            number(c["returning"]),
            number(cb["returning"]),
            c["returning"],
            cb["returning"],
        ),
        (
            _("Bought in one channel"),
            number(c["single"]),
            number(cb["single"]),
            c["single"],
            cb["single"],
        ),
        (
            _("Bought in two or more channels"),
            number(c["multi"]),
            number(cb["multi"]),
            c["multi"],
            cb["multi"],
        ),
        (
            _("Spend per one-channel customer"),
            money(c["spend_per_single"], cur),
            money(cb["spend_per_single"], cur),
            c["spend_per_single"],
            cb["spend_per_single"],
        ),
        (
            _("Spend per multi-channel customer"),
            money(c["spend_per_multi"], cur),
            money(cb["spend_per_multi"], cur),
            c["spend_per_multi"],
            cb["spend_per_multi"],
        ),
    ]
    out.append(
        _table(
            "customers",
            _("Customers"),
            [_("Figure"), _("This period"), _("Previous period")],
            [[label, now, was] for label, now, was, _a, _b in customer_rows],
            [
                [label, "" if a is None else a, "" if b is None else b]
                for label, _n, _w, a, b in customer_rows
            ],
            chart=bar_chart(
                width=460,
                title=_("Spend per customer"),
                labels=[_("One channel"), _("Two or more channels")],
                series=[
                    (_("This period"), [c["spend_per_single"] or 0, c["spend_per_multi"] or 0]),
                    (
                        _("Previous period"),
                        [cb["spend_per_single"] or 0, cb["spend_per_multi"] or 0],
                    ),
                ],
                formatter=lambda v: money(v, cur),
            ),
            note=_(
                "New: their first order anywhere is in the period. Channels are counted "
                "within the stores shown."
            ),
        )
    )
    order = {key: n for n, key in enumerate(ORDER)}
    return sorted(out, key=lambda table: order.get(table["key"], len(order)))


def headline(report: Report) -> list[dict]:
    """The tiles at the top: this period, and the change from the one before."""
    t, b, cur = report.totals, report.totals_previous, report.currency
    tiles = [
        {
            "label": _("Sales"),
            "value": money(t["sales"], cur),
            "change": _change(t["sales"], b["sales"]),
            "up": t["sales"] >= b["sales"],
        },
        {
            "label": pgettext("noun, plural", "Orders"),
            "value": number(t["orders"]),
            "change": _change(t["orders"], b["orders"]),
            "up": t["orders"] >= b["orders"],
        },
        {
            "label": _("Average order"),
            "value": money(t["aov"], cur),
            "change": _change(t["aov"], b["aov"]),
            "up": (t["aov"] or 0) >= (b["aov"] or 0),
        },
        {
            "label": _("Units per order"),
            "value": number(t["units_per_order"], 1),
            "change": _change(t["units_per_order"], b["units_per_order"]),
            "up": (t["units_per_order"] or 0) >= (b["units_per_order"] or 0),
        },
        {
            "label": _("Returns"),
            "value": number(t["returns"]),
            "change": _change(t["returns"], b["returns"]),
            "up": t["returns"] <= b["returns"],
        },
        {
            "label": _("New customers"),
            "value": number(t["new_customers"]),
            "change": _change(t["new_customers"], b["new_customers"]),
            "up": t["new_customers"] >= b["new_customers"],
        },
    ]
    previous = [
        money(b["sales"], cur),
        number(b["orders"]),
        money(b["aov"], cur),
        number(b["units_per_order"], 1),
        number(b["returns"]),
        number(b["new_customers"]),
    ]
    for tile, before in zip(tiles, previous, strict=True):
        tile["previous"] = before
    return tiles


def csv_response(table: dict, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(
        [str(c) for c in table["columns"]]
        if table["key"] not in ("associates",)
        else _associate_header()
    )
    for row in table["raw"]:
        writer.writerow([str(cell) for cell in row])
    return response


def _associate_header() -> list[str]:
    values = DailyAssociate.Source.values
    return ["associate", *[f"{s}_count" for s in values], *[f"{s}_sales" for s in values]]


def numbers_render(
    request: HttpRequest,
    *,
    template: str,
    report: Report,
    choice: str,
    form: PeriodForm,
    stores_compared: bool,
    extra: dict,
    filename: str,
) -> HttpResponse:
    tables = sections(report, stores_compared=stores_compared)
    wanted = request.GET.get("csv")
    if wanted:
        for table in tables:
            if table["key"] == wanted:
                return csv_response(
                    table,
                    f"{filename}-{wanted}-{report.period.start.isoformat()}-{report.period.end.isoformat()}.csv",
                )
    query = request.GET.copy()
    query.pop("csv", None)
    context = {
        "report": report,
        "tiles": headline(report),
        "tables": tables,
        "periods": PERIODS,
        "choice": choice,
        "form": form,
        "query": query.urlencode(),
        "period_start": report.period.start,
        "period_end": report.period.end,
        "previous_start": report.previous.start,
        "previous_end": report.previous.end,
        **extra,
    }
    return render(request, template, context)


@staff_member_required
def numbers_network(request: HttpRequest) -> HttpResponse:
    """Every store and the online orders no store takes part in, for merchandisers
    (staff); days in the market's time zone. ``?store=<id>`` narrows to one store."""
    zone = ZoneInfo(settings.TIME_ZONE)
    period, choice, form = period_from(request, zone)
    stores = list(Location.objects.order_by("name").only("pk", "name", "kind"))
    chosen = next((s for s in stores if str(s.pk) == request.GET.get("store")), None)
    report = numbers_report(
        location_ids=[chosen.pk] if chosen else None,
        period=period,
        recovery_store=chosen,
        zone=zone,
    )
    return numbers_render(
        request,
        template="admin/numbers.html",
        report=report,
        choice=choice,
        form=form,
        stores_compared=chosen is None,
        extra={
            "stores": stores,
            "chosen": chosen,
            "title": _("Numbers"),
            "site_header": getattr(settings, "OMNI_SITE_NAME", ""),
        },
        filename="network",
    )
