"""What every customers subdomain shares: the timeline entry (``interaction_record``),
typed references to other apps' rows, and who acts where (the channel and location of an
actor, the store-assignment check, the customer-row lock)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.errors import (
    LocationNotAvailable,
)
from customers.models import (
    Channel,
    Customer,
    Interaction,
)
from omni.stored_text import StoredText
from stores.models import Associate, Location


def reference_of(obj: Model | None) -> tuple[str, str]:
    """("app_label.model", "pk") for a typed reference to ``obj`` ("", "") for None."""
    if obj is None:
        return "", ""
    return obj._meta.label_lower, str(obj.pk)


def interaction_record(
    *,
    customer: Customer,
    kind: str,
    channel: str,
    summary: str | StoredText,
    subject: Model | None = None,
    location: Location | None = None,
    associate: Associate | None = None,
    detail: dict[str, Any] | None = None,
    occurred_at=None,
) -> Interaction:
    """Add one entry to the customer's timeline (an order, a visit, a return, a note...).
    ``summary``: a ``stored_text.text(key, **params)``, read in each reader's language
    (its English text is kept in ``summary`` too); a plain string is stored as legacy text."""
    subject_type, subject_id = reference_of(subject)
    key, params = "", {}
    if isinstance(summary, StoredText):
        key, params, summary = summary.key, summary.params, summary.english()
    return Interaction.objects.create(
        customer=customer,
        kind=kind,
        channel=channel,
        summary=summary[:255],
        summary_key=key,
        summary_params=params,
        subject_type=subject_type,
        subject_id=subject_id,
        location=location,
        associate=associate,
        detail=detail or {},
        occurred_at=occurred_at or timezone.now(),
    )


def customers_for_ids(ids: Iterable[int]) -> dict[int, Customer]:
    return Customer.objects.in_bulk(list(ids))


def _customer_lock(customer: Customer) -> None:
    """Lock the customer row: every write to a customer's sizes, profile and merge takes
    this lock first, so they serialise per person. NO KEY UPDATE (PostgreSQL): the key
    never changes, and rows that merely point at the customer (a timeline entry, a
    ledger line) can still be inserted meanwhile instead of queueing behind it."""
    Customer.objects.select_for_update(no_key=True).filter(pk=customer.pk).values_list("pk").first()


def _channel_for(associate: Associate | None, channel: str | None) -> str:
    if channel:
        return channel
    return Channel.STORE if associate is not None else Channel.WEB


def _location_of(associate: Associate | None, location: Location | None) -> Location | None:
    if location is not None or associate is None:
        return location
    return associate.home_location


def _ensure_assigned(*, associate: Associate, location: Location | None) -> None:
    """Refuse an associate acting for a store they are not assigned to (home or extra),
    whatever the screen offered: permissions live here, not only in templates. 1 query."""
    allowed = (
        location is not None
        and Associate.objects.filter(pk=associate.pk, is_active=True)
        .filter(Q(home_location=location) | Q(locations=location))
        .exists()
    )
    if not allowed:
        if location is None:
            message = _("%(associate)s is not assigned to that location.")
        else:
            message = _("%(associate)s is not assigned to %(location)s.")
        raise LocationNotAvailable(
            message
            % {"associate": associate.display_name, "location": getattr(location, "name", "")},
            location_id=getattr(location, "pk", None),
        )
