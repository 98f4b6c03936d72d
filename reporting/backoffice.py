"""``/backoffice/numbers/``: how the store did, in pictures with the numbers beside them.

Who sees what: a manager sees each of their stores and may compare them all
(``?store=all``); an associate who is not a manager sees the current store's numbers, or
none when ``OMNI_NUMBERS_FOR_ASSOCIATES`` is "none"; merchandisers (staff without an
associate record) use the network view (``reporting.views.numbers_network``). Days are
the current store's."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from reporting.selectors import numbers_report
from reporting.services import zone_of
from reporting.views import numbers_render, period_from
from stores.surface import backoffice_view


def numbers_scope(request: HttpRequest) -> tuple[list[int], bool]:
    """The stores whose numbers the associate asked for and may see, and whether they
    are being compared (more than one). Raises PermissionDenied when none."""
    associate, current = request.associate, request.location
    if not associate.is_manager:
        if getattr(settings, "OMNI_NUMBERS_FOR_ASSOCIATES", "store") != "store":
            raise PermissionDenied("The numbers are for store managers.")
        return [current.pk], False
    allowed = {loc.pk: loc for loc in request.allowed_locations}
    wanted = request.GET.get("store", "")
    if wanted == "all" and len(allowed) > 1:
        return sorted(allowed), True
    if wanted.isdigit() and int(wanted) in allowed:
        return [int(wanted)], False
    return [current.pk], False


@backoffice_view
def numbers(request: HttpRequest) -> HttpResponse:
    location_ids, compared = numbers_scope(request)
    single = (
        None
        if compared
        else next(
            (loc for loc in request.allowed_locations if loc.pk == location_ids[0]),
            request.location,
        )
    )
    zone = zone_of(single or request.location)
    period, choice, form = period_from(request, zone)
    report = numbers_report(
        location_ids=location_ids,
        period=period,
        recovery_store=single,
        with_recovery=not compared,
        zone=zone,
    )
    return numbers_render(
        request,
        template="backoffice/numbers.html",
        report=report,
        choice=choice,
        form=form,
        stores_compared=compared,
        extra={
            "compared": compared,
            "shown_store": single,
            "may_compare": request.associate.is_manager and len(request.allowed_locations) > 1,
            "store_param": request.GET.get("store", ""),
        },
        filename="numbers",
    )
