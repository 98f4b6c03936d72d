"""Writes about customers: who someone is (identities), what they allow (consent), and
what happened with them (the timeline, ledgers).

Every surface recognises a person through ``customer_resolve``: a guest checkout, a store
sale, a POS order from the API all attach to the existing customer with the same email or
phone instead of creating a duplicate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from customers.errors import IdentityConflict, InvalidContact
from customers.models import (
    Channel,
    Consent,
    ConsentChange,
    ConsentState,
    ContactChannel,
    Customer,
    CustomerIdentity,
    Interaction,
    LoyaltyEntry,
    StoreCreditEntry,
)
from omni.money import to_money
from stores.models import Associate, Location

_NON_DIGITS = re.compile(r"\D+")


def normalise_email(email: str) -> str:
    """Lower-cased and stripped; raises InvalidContact if it is not an email address."""
    value = (email or "").strip().lower()
    try:
        validate_email(value)
    except ValidationError:
        raise InvalidContact(f"“{email}” is not a valid email address.", field="email") from None
    return value


def normalise_phone(phone: str, *, default_country_code: str = "1") -> str:
    """E.164-like: a leading + and digits. A 10-digit number gets the default country code
    (the shop is in the US); raises InvalidContact when it cannot be a phone number."""
    raw = (phone or "").strip()
    digits = _NON_DIGITS.sub("", raw)
    if not raw.startswith("+") and len(digits) == 10:
        digits = default_country_code + digits
    if not 8 <= len(digits) <= 15:
        raise InvalidContact(f"“{phone}” is not a valid phone number.", field="phone")
    return f"+{digits}"


def _identity_add(
    *, customer: Customer, kind: str, value: str, verified: bool, source: str
) -> CustomerIdentity:
    identity, _ = CustomerIdentity.objects.get_or_create(
        kind=kind,
        value=value,
        defaults={
            "customer": customer,
            "is_verified": verified,
            "verified_at": timezone.now() if verified else None,
            "source": source,
        },
    )
    if identity.customer_id != customer.pk:
        raise IdentityConflict(
            f"That {identity.get_kind_display().lower()} belongs to another customer.",
            field=kind,
        )
    if verified and not identity.is_verified:
        identity.is_verified = True
        identity.verified_at = timezone.now()
        identity.save(update_fields=["is_verified", "verified_at"])
    return identity


def customer_resolve(
    *,
    email: str = "",
    phone: str = "",
    first_name: str = "",
    last_name: str = "",
    source: str = Channel.WEB,
    verified: bool = False,
    user=None,
    home_store: Location | None = None,
) -> Customer:
    """The one customer for this email and/or phone, created if nobody matches.

    Matches an existing identity by email first, then phone. Fills in blanks (a name, a
    phone number) on the matched customer but never overwrites what is there. Locks the
    matched customer row. Raises InvalidContact for a malformed email/phone, and
    IdentityConflict if email and phone point at two different customers (an associate
    should merge them). Two first-time checkouts racing with the same new email end with
    one customer: the loser's insert hits the unique identity and it retries as a match."""
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _customer_resolve(
                    email=email,
                    phone=phone,
                    first_name=first_name,
                    last_name=last_name,
                    source=source,
                    verified=verified,
                    user=user,
                    home_store=home_store,
                )
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def _customer_resolve(
    *,
    email: str,
    phone: str,
    first_name: str,
    last_name: str,
    source: str,
    verified: bool,
    user,
    home_store: Location | None,
) -> Customer:
    email_value = normalise_email(email) if email else ""
    phone_value = normalise_phone(phone) if phone else ""
    if not email_value and not phone_value and user is None:
        raise InvalidContact("An email address or a phone number is needed.", field="email")

    matches: dict[str, int] = (
        dict(
            CustomerIdentity.objects.filter(
                kind=CustomerIdentity.Kind.EMAIL, value=email_value
            ).values_list("kind", "customer_id")
        )
        if email_value
        else {}
    )
    if phone_value:
        matches.update(
            CustomerIdentity.objects.filter(
                kind=CustomerIdentity.Kind.PHONE, value=phone_value
            ).values_list("kind", "customer_id")
        )
    if user is not None and hasattr(user, "customer") and user.customer is not None:
        matches.setdefault("user", user.customer.pk)
    customer_ids = set(matches.values())
    if len(customer_ids) > 1:
        raise IdentityConflict(
            "This email and this phone number belong to two different customers.",
            field="phone",
            customer_ids=sorted(customer_ids),
        )

    if customer_ids:
        customer = Customer.objects.select_for_update().get(pk=customer_ids.pop())
        changed = []
        for field, value in (
            ("first_name", first_name),
            ("last_name", last_name),
            ("email", email_value),
            ("phone", phone_value),
        ):
            if value and not getattr(customer, field):
                setattr(customer, field, value)
                changed.append(field)
        if home_store is not None and customer.home_store_id is None:
            customer.home_store = home_store
            changed.append("home_store")
        if user is not None and customer.user_id is None:
            customer.user = user
            changed.append("user")
        if changed:
            customer.save(update_fields=[*changed, "updated_at"])
    else:
        customer = Customer.objects.create(
            first_name=first_name,
            last_name=last_name,
            email=email_value,
            phone=phone_value,
            source_channel=source,
            home_store=home_store,
            user=user,
        )
    if email_value:
        _identity_add(
            customer=customer,
            kind=CustomerIdentity.Kind.EMAIL,
            value=email_value,
            verified=verified,
            source=source,
        )
    if phone_value:
        _identity_add(
            customer=customer,
            kind=CustomerIdentity.Kind.PHONE,
            value=phone_value,
            verified=verified,
            source=source,
        )
    return customer


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
    summary: str,
    subject: Model | None = None,
    location: Location | None = None,
    associate: Associate | None = None,
    detail: dict[str, Any] | None = None,
    occurred_at=None,
) -> Interaction:
    """Add one entry to the customer's timeline (an order, a visit, a return, a note...)."""
    subject_type, subject_id = reference_of(subject)
    return Interaction.objects.create(
        customer=customer,
        kind=kind,
        channel=channel,
        summary=summary[:255],
        subject_type=subject_type,
        subject_id=subject_id,
        location=location,
        associate=associate,
        detail=detail or {},
        occurred_at=occurred_at or timezone.now(),
    )


@transaction.atomic
def consent_set(
    *,
    customer: Customer,
    channel: str,
    state: str,
    source: str,
    associate: Associate | None = None,
    location: Location | None = None,
) -> Consent:
    """Set the consent of one contact channel, appending the change to its history and to
    the timeline. Setting the same state again records nothing new."""
    if channel not in ContactChannel.values:
        raise InvalidContact(f"Unknown contact channel “{channel}”.", field="channel")
    if state not in ConsentState.values:
        raise InvalidContact(f"Unknown consent state “{state}”.", field="state")
    now = timezone.now()
    # Locking the customer serialises consent writes for this person.
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    consent, created = Consent.objects.get_or_create(
        customer=customer,
        channel=channel,
        defaults={"state": state, "source": source, "changed_by": associate},
    )
    if not created and consent.state == state:
        return consent
    consent.state = state
    consent.source = source
    consent.changed_by = associate
    consent.changed_at = now
    consent.save()
    ConsentChange.objects.create(
        customer=customer,
        channel=channel,
        state=state,
        source=source,
        changed_by=associate,
        location=location,
        changed_at=now,
    )
    interaction_record(
        customer=customer,
        kind=Interaction.Kind.CONSENT,
        channel=source,
        summary=f"{ContactChannel(channel).label} consent: {ConsentState(state).label}",
        location=location,
        associate=associate,
    )
    return consent


def loyalty_add(
    *,
    customer: Customer,
    points: int,
    reason: str,
    reference: Model | None = None,
    location: Location | None = None,
    note: str = "",
) -> LoyaltyEntry | None:
    """Append to the loyalty ledger (negative points reverse or redeem). Zero adds nothing."""
    if points == 0:
        return None
    reference_type, reference_id = reference_of(reference)
    return LoyaltyEntry.objects.create(
        customer=customer,
        points=points,
        reason=reason,
        reference_type=reference_type,
        reference_id=reference_id,
        location=location,
        note=note,
    )


def store_credit_add(
    *,
    customer: Customer,
    amount: Decimal,
    reason: str,
    reference: Model | None = None,
    location: Location | None = None,
    note: str = "",
) -> StoreCreditEntry:
    """Append to the store-credit ledger (negative amounts spend credit)."""
    reference_type, reference_id = reference_of(reference)
    return StoreCreditEntry.objects.create(
        customer=customer,
        amount=to_money(amount),
        reason=reason,
        reference_type=reference_type,
        reference_id=reference_id,
        location=location,
        note=note,
    )


def customers_for_ids(ids: Iterable[int]) -> dict[int, Customer]:
    return Customer.objects.in_bulk(list(ids))
