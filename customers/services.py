"""Writes about customers: who someone is (identities), what they allow (consent), and
what happened with them (the timeline, ledgers).

Every surface recognises a person through ``customer_resolve``: a guest checkout, a store
sale, a POS order from the API all attach to the existing customer with the same email or
phone instead of creating a duplicate.
"""

from __future__ import annotations

import builtins
import datetime as dt
import enum
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext

from catalog.models import Category, Product, Variant
from customers.errors import (
    ConsentRequired,
    CustomerNotFound,
    IdentityConflict,
    InvalidContact,
    InvalidList,
    InvalidProfile,
    InvalidTransition,
    LocationNotAvailable,
    MergeNotAllowed,
    SizeNotChosen,
)
from customers.models import (
    Channel,
    Consent,
    ConsentChange,
    ConsentState,
    ContactChannel,
    Customer,
    CustomerAccessLog,
    CustomerIdentity,
    CustomerNote,
    FollowUpTask,
    Interaction,
    List,
    ListItem,
    LoyaltyEntry,
    SizePreference,
    StoreCreditEntry,
    new_share_token,
)
from customers.signals import customer_merged
from omni.errors import DomainError
from omni.models import EmailLog
from omni.money import to_money
from omni.outbox import outbox_record
from stores.models import Associate, Location
from stores.signals import hold_for_visit

# ``list`` is a parameter name of the list services (the callers' vocabulary).
builtins_list = builtins.list

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
    language: str = "",
) -> Customer:
    """The one customer for this email and/or phone, created if nobody matches (speaking
    ``language``, else the shop's default; a match keeps the language it has).

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
                    language=language,
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
    language: str = "",
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
            language=_language_or_default(language),
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


def _language_or_default(language: str) -> str:
    """A language of LANGUAGES, else the shop's default."""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@transaction.atomic
def customer_link_login(*, user, email: str, verified: bool, language: str = "") -> Customer:
    """The customer a login belongs to, made or found at sign-up and again when an email
    address of the login is verified.

    A verified address joins the login to the customer that already owns it (the guest
    who ordered before signing up now sees those orders): that customer gets the login,
    and a record made for the login meanwhile is merged into it. An unverified address
    never does — whoever typed it may not own it — so the login gets a record of its own
    without that address as an identity. An address owned by another login is left
    alone. Locks the customer rows it changes. Raises InvalidContact (malformed email)."""
    email_value = normalise_email(email)
    own = Customer.objects.select_for_update().filter(user=user).first()
    identity = (
        CustomerIdentity.objects.select_related("customer")
        .filter(kind=CustomerIdentity.Kind.EMAIL, value=email_value)
        .first()
    )
    if identity is None:
        if own is None:
            return customer_resolve(
                email=email_value, user=user, verified=verified, language=language
            )
        _identity_add(
            customer=own,
            kind=CustomerIdentity.Kind.EMAIL,
            value=email_value,
            verified=verified,
            source=Channel.WEB,
        )
        if not own.email:
            own.email = email_value
            own.save(update_fields=["email", "updated_at"])
        return own
    owner = identity.customer
    if own is not None and owner.pk == own.pk:
        if verified:
            _identity_add(
                customer=own,
                kind=CustomerIdentity.Kind.EMAIL,
                value=email_value,
                verified=True,
                source=Channel.WEB,
            )
        return own
    claimable = verified and owner.user_id is None and owner.is_active
    if not claimable:
        if own is not None:
            return own
        return Customer.objects.create(
            user=user,
            email=email_value,
            first_name=(user.first_name or "")[:80],
            last_name=(user.last_name or "")[:80],
            source_channel=Channel.WEB,
            language=_language_or_default(language),
        )
    if own is not None:
        owner = customer_merge(source=own, target=owner, associate=None)
    else:
        owner = Customer.objects.select_for_update().get(pk=owner.pk)
        owner.user = user
        owner.save(update_fields=["user", "updated_at"])
    _identity_add(
        customer=owner,
        kind=CustomerIdentity.Kind.EMAIL,
        value=email_value,
        verified=True,
        source=Channel.WEB,
    )
    interaction_record(
        customer=owner,
        kind=Interaction.Kind.ACCOUNT,
        channel=Channel.WEB,
        summary=f"Online account linked by the verified email {email_value}",
        detail={"user_id": user.pk},
    )
    return owner


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
        name = location.name if location is not None else "that location"
        raise LocationNotAvailable(
            f"{associate.display_name} is not assigned to {name}.",
            location_id=getattr(location, "pk", None),
        )


# --- lists: shared by the shopper and the store ---------------------------------------

# Forward only: a list handed to a store is prepared by an associate, then visited (the
# shopper may walk in before it was prepared).
_LIST_STORE_FLOW: dict[str, frozenset[str]] = {
    List.StoreStatus.NEW: frozenset({List.StoreStatus.PREPARED, List.StoreStatus.VISITED}),
    List.StoreStatus.PREPARED: frozenset({List.StoreStatus.VISITED}),
}


def _list_locked(shopping_list: List) -> List:
    return (
        List.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=shopping_list.pk)
    )


def _item_label(item: ListItem) -> str:
    variant = item.variant
    bits = [b for b in ((variant.size, variant.colour) if variant else ()) if b]
    return f"{item.product.name} ({', '.join(bits)})" if bits else item.product.name


def _list_changed(
    *,
    shopping_list: List,
    summary: str,
    associate: Associate | None = None,
    location: Location | None = None,
    channel: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Interaction:
    """Timeline entry for a list change, and the list's ``updated_at`` moved on."""
    List.objects.filter(pk=shopping_list.pk).update(updated_at=timezone.now())
    return interaction_record(
        customer=shopping_list.customer,
        kind=Interaction.Kind.LIST_CHANGE,
        channel=_channel_for(associate, channel),
        summary=summary,
        subject=shopping_list,
        location=_location_of(associate, location),
        associate=associate,
        detail=detail,
    )


@transaction.atomic
def list_create(
    *,
    customer: Customer,
    name: str,
    kind: str = List.Kind.WISHLIST,
    associate: Associate | None = None,
    channel: str | None = None,
) -> List:
    """A new wishlist or shopping list for the customer (made by the shopper, or by an
    associate for them). Raises InvalidList (no name, unknown kind)."""
    name = (name or "").strip()
    if not name:
        raise InvalidList("Give the list a name.", field="name")
    if kind not in List.Kind.values:
        raise InvalidList(f"Unknown kind of list “{kind}”.", field="kind")
    shopping_list = List.objects.create(customer=customer, name=name[:120], kind=kind)
    _list_changed(
        shopping_list=shopping_list,
        summary=f"Created the list “{shopping_list.name}”",
        associate=associate,
        channel=channel,
    )
    return shopping_list


@transaction.atomic
def list_rename(*, list: List, name: str, channel: str | None = None) -> List:
    """Give the list another name. Locks the list row. Raises InvalidList (no name)."""
    name = (name or "").strip()[:120]
    if not name:
        raise InvalidList("Give the list a name.", field="name")
    shopping_list = _list_locked(list)
    if shopping_list.name == name:
        return shopping_list
    old = shopping_list.name
    shopping_list.name = name
    shopping_list.save(update_fields=["name", "updated_at"])
    _list_changed(
        shopping_list=shopping_list, summary=f"Renamed “{old}” to “{name}”", channel=channel
    )
    return shopping_list


@transaction.atomic
def list_delete(*, list: List, channel: str | None = None) -> None:
    """Delete the list and its items (the timeline keeps a line saying so). A list a
    store is preparing (sent, not yet visited) cannot be deleted: the store would be
    left holding items for nobody. Locks the list row. Raises InvalidTransition."""
    shopping_list = _list_locked(list)
    if shopping_list.store_status in (List.StoreStatus.NEW, List.StoreStatus.PREPARED):
        store = shopping_list.sent_to_location.name if shopping_list.sent_to_location else ""
        raise InvalidTransition(
            f"“{shopping_list.name}” is being prepared at {store}; it can be deleted after "
            "your visit.",
            status=shopping_list.store_status,
        )
    interaction_record(
        customer=shopping_list.customer,
        kind=Interaction.Kind.LIST_CHANGE,
        channel=_channel_for(None, channel),
        summary=f"Deleted the list “{shopping_list.name}”",
        detail={"list_id": shopping_list.pk},
    )
    shopping_list.delete()


@transaction.atomic
def list_add_item(
    *,
    list: List,
    product: Product,
    variant: Variant | None = None,
    quantity: int = 1,
    note: str = "",
    associate: Associate | None = None,
    channel: str | None = None,
) -> ListItem:
    """Put a product (a size of it when ``variant`` is given) on a list. Adding the same
    size again adds to its quantity instead of making a second row; choosing a size for
    a product saved without one fills in that row. An associate's addition records who
    added it (by name too, so the shopper still sees "added by Maya" after she leaves),
    and emails the shopper if their email consent allows one-to-one contact.

    Locks the list row. Raises InvalidList (a size of another product, a quantity below 1,
    an inactive product)."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise InvalidList("The quantity must be at least 1.", field="quantity")
    if variant is not None and variant.product_id != product.pk:
        raise InvalidList("That size belongs to another product.", field="variant")
    if not product.is_active or (variant is not None and not variant.is_active):
        raise InvalidList("That product is no longer sold.", field="product")
    shopping_list = _list_locked(list)
    items = ListItem.objects.filter(list=shopping_list).select_related("product", "variant")
    item = None
    if variant is not None:
        item = items.filter(variant=variant).first()
        if item is not None:
            item.quantity += quantity
        else:
            item = items.filter(product=product, variant__isnull=True).first()
            if item is not None:
                # The shopper saved the product before choosing a size: this is that wish.
                item.variant = variant
                item.quantity = max(item.quantity, quantity)
    else:
        item = items.filter(product=product, variant__isnull=True).first()
        if item is not None:
            item.quantity += quantity
    created = item is None
    if created:
        item = ListItem.objects.create(
            list=shopping_list,
            product=product,
            variant=variant,
            quantity=quantity,
            note=note[:255],
            added_by_associate=associate,
            added_by_name=associate.display_name if associate is not None else "",
        )
    else:
        if note:
            item.note = note[:255]
        item.save(update_fields=["variant", "quantity", "note"])
    what = f"{_item_label(item)} to “{shopping_list.name}”"
    _list_changed(
        shopping_list=shopping_list,
        summary=f"{associate.display_name} added {what}" if associate else f"Added {what}",
        associate=associate,
        channel=channel,
        detail={"list_item_id": item.pk, "quantity": item.quantity, "created": created},
    )
    if associate is not None and _may_email_about_list(shopping_list.customer):
        outbox_record(
            topic="email.list_item_added",
            payload={"list_item_id": item.pk},
            dedupe_key=f"email.list_item_added:customers.listitem:{item.pk}",
        )
    return item


def _may_email_about_list(customer: Customer) -> bool:
    from customers.selectors import outreach_allowed

    return bool(customer.email) and outreach_allowed(
        customer=customer, channel=ContactChannel.EMAIL, by_associate=True
    )


@transaction.atomic
def list_remove_item(
    *,
    list: List,
    item_id: int,
    associate: Associate | None = None,
    channel: str | None = None,
) -> None:
    """Take an item off a list. Locks the list row. Raises CustomerNotFound when the item
    is not on this list (a shopper cannot remove from someone else's list)."""
    shopping_list = _list_locked(list)
    item = (
        ListItem.objects.select_related("product", "variant")
        .filter(list=shopping_list, pk=item_id)
        .first()
    )
    if item is None:
        raise CustomerNotFound("That item is not on this list.", item_id=item_id)
    label = _item_label(item)
    item.delete()
    _list_changed(
        shopping_list=shopping_list,
        summary=f"Removed {label} from “{shopping_list.name}”",
        associate=associate,
        channel=channel,
        detail={"list_item_id": item_id},
    )


@transaction.atomic
def list_share(*, list: List, channel: str | None = None) -> str:
    """Make the list visible to anyone with its link; returns the share token (for
    ``/lists/<token>/``). Sharing a shared list returns the same token."""
    shopping_list = _list_locked(list)
    if not shopping_list.is_shared:
        shopping_list.is_shared = True
        shopping_list.save(update_fields=["is_shared", "updated_at"])
        _list_changed(
            shopping_list=shopping_list, summary=f"Shared “{shopping_list.name}”", channel=channel
        )
    list.is_shared, list.share_token = True, shopping_list.share_token
    return shopping_list.share_token


@transaction.atomic
def list_unshare(*, list: List, channel: str | None = None) -> List:
    """Stop sharing: the old link stops working (the token is replaced)."""
    shopping_list = _list_locked(list)
    shopping_list.is_shared = False
    shopping_list.share_token = new_share_token()
    shopping_list.save(update_fields=["is_shared", "share_token", "updated_at"])
    _list_changed(
        shopping_list=shopping_list,
        summary=f"Stopped sharing “{shopping_list.name}”",
        channel=channel,
    )
    return shopping_list


@transaction.atomic
def list_send_to_store(
    *,
    list: List,
    location: Location,
    visit_date: dt.date | None = None,
    channel: str | None = None,
) -> List:
    """Hand the list to a store ("send to an associate"): it appears in that store's
    back-office queue as new. Sending again (to the same or another store) starts over.

    Locks the list row. Raises LocationNotAvailable (not an active store), InvalidList
    (an empty list, a visit date in the past)."""
    if location.kind != Location.Kind.STORE or not location.is_active:
        raise LocationNotAvailable(
            f"{location.name} is not a store that can prepare lists.", location_id=location.pk
        )
    if visit_date is not None and visit_date < timezone.localdate():
        raise InvalidList("The visit date is in the past.", field="visit_date")
    shopping_list = _list_locked(list)
    if not ListItem.objects.filter(list=shopping_list).exists():
        raise InvalidList("The list is empty: add something before sending it.")
    shopping_list.sent_to_location = location
    shopping_list.sent_at = timezone.now()
    shopping_list.visit_planned_for = visit_date
    shopping_list.store_status = List.StoreStatus.NEW
    shopping_list.save(
        update_fields=[
            "sent_to_location",
            "sent_at",
            "visit_planned_for",
            "store_status",
            "updated_at",
        ]
    )
    when = f" for {visit_date:%a %d %b}" if visit_date else ""
    _list_changed(
        shopping_list=shopping_list,
        summary=f"Sent “{shopping_list.name}” to {location.name}{when}",
        location=location,
        channel=channel,
    )
    return shopping_list


@transaction.atomic
def list_set_store_status(
    *,
    list: List,
    status: str,
    associate: Associate,
) -> List:
    """Move a list through the store's queue: new → prepared → visited (a list may go
    straight from new to visited when the shopper walks in first).

    Locks the list row. Raises InvalidTransition (not sent to a store, backwards, or an
    unknown status), LocationNotAvailable (the associate does not work at that store)."""
    shopping_list = _list_locked(list)
    if shopping_list.sent_to_location_id is not None:
        _ensure_assigned(associate=associate, location=shopping_list.sent_to_location)
    allowed = _LIST_STORE_FLOW.get(shopping_list.store_status, frozenset())
    if status not in allowed:
        current = shopping_list.get_store_status_display().lower()
        raise InvalidTransition(
            f"The list is {current}; it cannot be marked “{status}”.",
            status=shopping_list.store_status,
            requested=status,
        )
    shopping_list.store_status = status
    shopping_list.save(update_fields=["store_status", "updated_at"])
    _list_changed(
        shopping_list=shopping_list,
        summary=f"“{shopping_list.name}” marked {List.StoreStatus(status).label.lower()}",
        associate=associate,
        location=shopping_list.sent_to_location,
    )
    return shopping_list


HOLD_HOURS_MAX = 168  # a week: the longest a list is held for a visit


@transaction.atomic
def list_hold_for_visit(
    *,
    list: List,
    location: Location,
    associate: Associate,
    hours: int = 48,
) -> builtins_list[Any]:
    """Put the list's items aside at this store for the shopper's visit: one expiring
    hold (kind ``visit``) per item, all or none. Holding again replaces the earlier visit
    holds, so the same units are never held twice. A list sent to this store and still
    new becomes prepared.

    Returns the holds as inventory makes them (each with ``quantity`` and
    ``expires_at``): customers asks through ``stores.signals.hold_for_visit``, which
    inventory answers, so it never imports inventory.

    Locks the list row, then (inventory, in this transaction) the stock rows in
    primary-key order. Raises LocationNotAvailable (not an active store, the associate does
    not work there, or nothing answers to hold stock), InvalidList (empty list, hours
    outside 1–``HOLD_HOURS_MAX``), SizeNotChosen (items saved without a size), inventory's
    InsufficientStock naming every short item (details ``lines`` as inventory gives
    them)."""

    if location.kind != Location.Kind.STORE or not location.is_active:
        raise LocationNotAvailable(
            f"{location.name} is not a store that can hold items.", location_id=location.pk
        )
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= HOLD_HOURS_MAX:
        # Capped: an unbounded hold would keep the units off sale for good (and a huge
        # number overflows the expiry date).
        raise InvalidList(
            f"Hold for between 1 and {HOLD_HOURS_MAX} hours.", field="hours", maximum=HOLD_HOURS_MAX
        )
    _ensure_assigned(associate=associate, location=location)
    shopping_list = _list_locked(list)
    items = [*ListItem.objects.filter(list=shopping_list).select_related("product", "variant")]
    if not items:
        raise InvalidList("The list is empty.")
    if sizeless := [item for item in items if item.variant_id is None]:
        names = ", ".join(item.product.name for item in sizeless)
        raise SizeNotChosen(
            f"Choose a size for {names} before holding the list.",
            product_ids=[item.product_id for item in sizeless],
        )
    until = timezone.now() + dt.timedelta(hours=hours)
    try:
        answers = hold_for_visit.send(
            sender=Location,
            location_id=location.pk,
            lines=[(item.variant_id, item.quantity) for item in items],
            expires_at=until,
            reference=shopping_list,
        )
    except DomainError as exc:
        if exc.code != "insufficient_stock":
            raise
        by_variant = {item.variant_id: item for item in items}
        short = exc.details.get("lines", [])
        described = [
            f"{_item_label(by_variant[line['variant_id']])} "
            f"({line.get('salable', 0)} of {line['requested']} available)"
            for line in short
            if line.get("variant_id") in by_variant
        ]
        # The same error type, worded in the list's terms (the items' names).
        raise type(exc)(
            f"Not enough in stock at {location.name} to hold: {'; '.join(described)}.",
            lines=short,
            location_id=location.pk,
        ) from exc
    holds = next((answer for _receiver, answer in answers if answer is not None), None)
    if holds is None:
        raise LocationNotAvailable(
            f"{location.name} cannot hold items right now.", location_id=location.pk
        )
    if (
        shopping_list.sent_to_location_id == location.pk
        and shopping_list.store_status == List.StoreStatus.NEW
    ):
        shopping_list.store_status = List.StoreStatus.PREPARED
        shopping_list.save(update_fields=["store_status", "updated_at"])
    local_until = timezone.localtime(until)
    _list_changed(
        shopping_list=shopping_list,
        summary=(
            f"{len(items)} item{'s' if len(items) != 1 else ''} of “{shopping_list.name}” "
            f"held at {location.name} until {local_until:%a %d %b %H:%M}"
        ),
        associate=associate,
        location=location,
        detail={"reservation_ids": [hold.pk for hold in holds], "hours": hours},
    )
    return holds


# --- clienteling: notes, follow-up tasks, access log, profile, sizes ------------------


@transaction.atomic
def note_add(
    *,
    customer: Customer,
    associate: Associate,
    body: str,
    location: Location | None = None,
    pinned: bool = False,
) -> CustomerNote:
    """An associate's note on the customer ("prefers slim fits"), also on the timeline.
    Raises InvalidProfile for an empty note."""
    body = (body or "").strip()
    if not body:
        raise InvalidProfile("The note is empty.", field="body")
    location = _location_of(associate, location)
    note = CustomerNote.objects.create(
        customer=customer, author=associate, location=location, body=body, is_pinned=pinned
    )
    interaction_record(
        customer=customer,
        kind=Interaction.Kind.NOTE,
        channel=Channel.STORE,
        summary=f"Note by {associate.display_name}: {body}",
        subject=note,
        location=location,
        associate=associate,
    )
    return note


def note_pin(*, note: CustomerNote, pinned: bool) -> CustomerNote:
    """Pin a note to the top of the customer's record (or unpin it)."""
    note.is_pinned = pinned
    note.save(update_fields=["is_pinned", "updated_at"])
    return note


def task_create(
    *,
    customer: Customer,
    location: Location,
    reason: str,
    due_on: dt.date,
    created_by: Associate | None,
    assigned_to: Associate | None = None,
) -> FollowUpTask:
    """A follow-up for the store ("call Ana when the blazer in 38 is back"). Raises
    InvalidProfile (no reason, no due date), LocationNotAvailable (the creator or the
    assignee does not work at that store). ``created_by=None``: made by the system (the
    abandoned-cart worker), for whoever works at that store."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidProfile("Say what the follow-up is for.", field="reason")
    if due_on is None:
        raise InvalidProfile("Give the follow-up a due date.", field="due_on")
    if created_by is not None:
        _ensure_assigned(associate=created_by, location=location)
    if assigned_to is not None and (created_by is None or assigned_to.pk != created_by.pk):
        _ensure_assigned(associate=assigned_to, location=location)
    return FollowUpTask.objects.create(
        customer=customer,
        location=location,
        reason=reason[:200],
        due_on=due_on,
        created_by=created_by,
        assigned_to=assigned_to,
    )


@transaction.atomic
def task_complete(*, task: FollowUpTask, associate: Associate) -> FollowUpTask:
    """Mark a follow-up done (it goes on the customer's timeline as outreach). Completing
    a done task changes nothing. Locks the task. Raises InvalidTransition (cancelled),
    LocationNotAvailable (the associate does not work at the task's store)."""
    locked = (
        FollowUpTask.objects.select_for_update(of=("self",))
        .select_related("customer", "location")
        .get(pk=task.pk)
    )
    _ensure_assigned(associate=associate, location=locked.location)
    if locked.status == FollowUpTask.Status.DONE:
        return locked
    if locked.status != FollowUpTask.Status.OPEN:
        raise InvalidTransition("The follow-up was cancelled.", status=locked.status)
    locked.status = FollowUpTask.Status.DONE
    locked.completed_at = timezone.now()
    if locked.assigned_to_id is None:
        locked.assigned_to = associate
    locked.save(update_fields=["status", "completed_at", "assigned_to", "updated_at"])
    interaction_record(
        customer=locked.customer,
        kind=Interaction.Kind.OUTREACH,
        channel=Channel.STORE,
        summary=f"Follow-up done by {associate.display_name}: {locked.reason}",
        subject=locked,
        location=locked.location,
        associate=associate,
    )
    task.status, task.completed_at = locked.status, locked.completed_at
    return locked


@transaction.atomic
def task_cancel(*, task: FollowUpTask, associate: Associate) -> FollowUpTask:
    """Call off an open follow-up. Locks the task. Raises InvalidTransition (done),
    LocationNotAvailable (the associate does not work at the task's store)."""
    locked = (
        FollowUpTask.objects.select_for_update(of=("self",))
        .select_related("location")
        .get(pk=task.pk)
    )
    _ensure_assigned(associate=associate, location=locked.location)
    if locked.status == FollowUpTask.Status.CANCELLED:
        return locked
    if locked.status != FollowUpTask.Status.OPEN:
        raise InvalidTransition("The follow-up is already done.", status=locked.status)
    locked.status = FollowUpTask.Status.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    return locked


_OUTREACH_VERBS = {
    ContactChannel.EMAIL: ("emailed", Channel.EMAIL),
    ContactChannel.SMS: ("texted", Channel.PHONE),
    ContactChannel.PHONE: ("called", Channel.PHONE),
}


@transaction.atomic
def outreach_record(
    *,
    customer: Customer,
    channel: str,
    associate: Associate,
    location: Location | None = None,
    note: str = "",
) -> Interaction:
    """An associate contacted the customer one-to-one (an email, a text, a call): it goes
    on the timeline as outreach. The customer's consent on that contact channel must allow
    one-to-one contact from an associate (marketing or one-to-one consent).

    Raises InvalidContact (unknown channel, or no address/number to use) and
    ConsentRequired (consent is none or was never given): nothing is recorded."""
    from customers.selectors import outreach_allowed

    if channel not in _OUTREACH_VERBS:
        raise InvalidContact(f"Unknown contact channel “{channel}”.", field="channel")
    address = customer.email if channel == ContactChannel.EMAIL else customer.phone
    if not address:
        label = "email address" if channel == ContactChannel.EMAIL else "phone number"
        raise InvalidContact(f"We have no {label} for this customer.", field="channel")
    if not outreach_allowed(customer=customer, channel=channel, by_associate=True):
        how = ContactChannel(channel).label.lower()
        raise ConsentRequired(
            f"{customer} has not agreed to be contacted by {how}.", channel=channel
        )
    verb, timeline_channel = _OUTREACH_VERBS[channel]
    note = (note or "").strip()
    summary = f"{associate.display_name} {verb} {customer.first_name or customer}"
    return interaction_record(
        customer=customer,
        kind=Interaction.Kind.OUTREACH,
        channel=timeline_channel,
        summary=f"{summary}: {note}" if note else summary,
        location=_location_of(associate, location),
        associate=associate,
        detail={"contact_channel": channel},
    )


def customer_access_record(
    *, customer: Customer, user, location: Location | None, action: str = "view"
) -> CustomerAccessLog:
    """Who looked at (or exported, edited...) whose record, from where: clienteling data
    is personal."""
    return CustomerAccessLog.objects.create(
        customer=customer, user=user, location=location, action=action[:30]
    )


class _Unset(enum.Enum):
    UNSET = enum.auto()


UNSET = _Unset.UNSET


@transaction.atomic
def customer_update_profile(
    *,
    customer: Customer,
    first_name: str | _Unset = UNSET,
    last_name: str | _Unset = UNSET,
    preferences: dict[str, Any] | _Unset = UNSET,
    home_store: Location | _Unset | None = UNSET,
    primary_associate: Associate | _Unset | None = UNSET,
    birthday: dt.date | _Unset | None = UNSET,
    phone: str | _Unset = UNSET,
    language: str | _Unset = UNSET,
    associate: Associate | None = None,
    channel: str | None = None,
) -> Customer:
    """Change what is given (leave an argument out to keep it; ``None`` clears the home
    store, the primary associate or the birthday; an empty ``phone`` clears the number,
    as ``customer_set_phone``). ``preferences`` replaces the whole JSON object. The
    change goes on the timeline with the names of the fields changed.

    All or nothing: a refused phone leaves the other fields unsaved. Locks the customer
    row. Raises InvalidProfile (home store not an active store, inactive primary
    associate, preferences not an object, names too long), InvalidContact (not a phone
    number), IdentityConflict (the number is another customer's)."""
    if phone is not UNSET and (phone or "").strip():
        normalise_phone(phone)  # a malformed number is refused before the lock
    changes: dict[str, Any] = {}
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        if value is not UNSET:
            value = (value or "").strip()
            if len(value) > 80:
                raise InvalidProfile("Names are at most 80 characters.", field=field)
            changes[field] = value
    if preferences is not UNSET:
        if not isinstance(preferences, dict):
            raise InvalidProfile("Preferences are a set of named values.", field="preferences")
        changes["preferences"] = preferences
    if home_store is not UNSET:
        if home_store is not None and (
            home_store.kind != Location.Kind.STORE or not home_store.is_active
        ):
            raise InvalidProfile("The home store must be an open store.", field="home_store")
        changes["home_store"] = home_store
    if primary_associate is not UNSET:
        if primary_associate is not None and not primary_associate.is_active:
            raise InvalidProfile("That associate no longer works here.", field="primary_associate")
        changes["primary_associate"] = primary_associate
    if birthday is not UNSET:
        changes["birthday"] = birthday
    if language is not UNSET:
        if language not in dict(settings.LANGUAGES):
            raise InvalidProfile(gettext("That language is not offered."), field="language")
        changes["language"] = language
    fresh = Customer.objects.select_for_update(no_key=True).get(pk=customer.pk)
    if phone is not UNSET:
        # First: a number that is another customer's raises before anything is saved.
        customer_set_phone(customer=customer, phone=phone, channel=_channel_for(associate, channel))

    def differs(name: str, value: Any) -> bool:
        field = Customer._meta.get_field(name)
        if field.is_relation:  # compare keys: no query per foreign key
            return getattr(fresh, field.attname) != (value.pk if value is not None else None)
        return getattr(fresh, name) != value

    changed = [name for name, value in changes.items() if differs(name, value)]
    if not changed:
        return customer
    for name in changed:
        setattr(customer, name, changes[name])
    customer.save(update_fields=[*changed, "updated_at"])
    labels = ", ".join(str(Customer._meta.get_field(name).verbose_name) for name in changed)
    interaction_record(
        customer=customer,
        kind=Interaction.Kind.ACCOUNT,
        channel=_channel_for(associate, channel),
        summary=f"Profile updated: {labels}",
        location=_location_of(associate, None),
        associate=associate,
        detail={"fields": changed},
    )
    return customer


@transaction.atomic
def customer_set_phone(*, customer: Customer, phone: str, channel: str = Channel.WEB) -> Customer:
    """The shopper's own phone number (their account's profile): normalised, kept as an
    unverified identity so a store can find them by it; an empty value clears the number
    we write to (the identity stays, so past store sales still match). Locks the customer
    row. Raises InvalidContact, IdentityConflict (the number is another customer's: an
    associate merges the two)."""
    _customer_lock(customer)
    value = normalise_phone(phone) if (phone or "").strip() else ""
    if value == customer.phone:
        return customer
    if value:
        _identity_add(
            customer=customer,
            kind=CustomerIdentity.Kind.PHONE,
            value=value,
            verified=False,
            source=channel,
        )
    customer.phone = value
    customer.save(update_fields=["phone", "updated_at"])
    interaction_record(
        customer=customer,
        kind=Interaction.Kind.ACCOUNT,
        channel=channel,
        summary="Phone number changed" if value else "Phone number removed",
    )
    return customer


@transaction.atomic
def sizes_learn_from_purchase(
    *, customer: Customer, variants: Iterable[Variant], source_channel: str
) -> builtins_list[SizePreference]:
    """Learn the customer's sizes from what they bought, in any channel: for each size
    group among ``variants`` (its category's ``size_group``; none: skipped) the size of the
    last variant given (pass them in purchase order) becomes the customer's size — unless
    the size in that group was set by hand (EDITED), which learning never overwrites.
    Returns the preferences written.

    Called by checkout inside its transaction. Locks the customer row (as every size
    write does, so a concurrent ``size_set`` is never overwritten); 3 queries and the
    writes, whatever the number of variants. Raises nothing for unknown or sizeless
    variants: they teach nothing."""
    if source_channel and source_channel not in Channel.values:
        raise InvalidProfile(f"Unknown channel “{source_channel}”.", field="source_channel")
    ids = [variant.pk for variant in variants]
    if not ids:
        return []
    rows = Variant.objects.filter(pk__in=ids).values_list(
        "pk", "size", "product__category__size_group"
    )
    size_of = {pk: (size, group) for pk, size, group in rows if size and group}
    learned: dict[str, str] = {}
    for pk in ids:  # in purchase order: the most recent purchase wins
        if pk in size_of:
            size, group = size_of[pk]
            learned[group] = size
    if not learned:
        return []
    _customer_lock(customer)
    now = timezone.now()
    existing = {
        pref.size_group: pref
        for pref in SizePreference.objects.filter(customer=customer, size_group__in=learned)
    }
    to_update, to_create = [], []
    for group, size in learned.items():
        pref = existing.get(group)
        if pref is None:
            to_create.append(
                SizePreference(
                    customer=customer,
                    size_group=group,
                    size=size,
                    source=SizePreference.Source.LEARNED,
                    updated_at=now,
                )
            )
        elif pref.source != SizePreference.Source.EDITED:
            pref.size, pref.updated_at = size, now
            to_update.append(pref)
    if to_update:
        SizePreference.objects.bulk_update(to_update, ["size", "updated_at"])
    if to_create:
        SizePreference.objects.bulk_create(to_create)
    return [*to_update, *to_create]


@transaction.atomic
def size_set(
    *,
    customer: Customer,
    size_group: str,
    size: str,
) -> SizePreference:
    """Set the customer's size in a group by hand (the shopper in their account, or an
    associate). An edited size is kept when later purchases teach another.

    Locks the customer row. Raises InvalidProfile (unknown group, empty size)."""
    if not size_group or size_group not in Category.SizeGroup.values:
        raise InvalidProfile(f"Unknown size group “{size_group}”.", field="size_group")
    size = (size or "").strip()
    if not size or len(size) > 20:
        raise InvalidProfile("Give a size (at most 20 characters).", field="size")
    _customer_lock(customer)
    pref, _ = SizePreference.objects.update_or_create(
        customer=customer,
        size_group=size_group,
        defaults={
            "size": size,
            "source": SizePreference.Source.EDITED,
            "updated_at": timezone.now(),
        },
    )
    return pref


@transaction.atomic
def size_clear(*, customer: Customer, size_group: str) -> None:
    """Forget the customer's size in a group (the shopper emptied it in their account).
    Later purchases may teach it again. Locks the customer row. Raises InvalidProfile
    (unknown group)."""
    if not size_group or size_group not in Category.SizeGroup.values:
        raise InvalidProfile(f"Unknown size group “{size_group}”.", field="size_group")
    _customer_lock(customer)
    SizePreference.objects.filter(customer=customer, size_group=size_group).delete()


# --- merging duplicates ---------------------------------------------------------------


def _merge_consents(*, source: Customer, target: Customer) -> None:
    """Per contact channel keep the target's consent unless the source's was changed
    more recently (the latest thing the person told us wins); the history moves whole."""
    theirs = {c.channel: c for c in Consent.objects.filter(customer=source)}
    ours = {c.channel: c for c in Consent.objects.filter(customer=target)}
    for channel, consent in theirs.items():
        kept = ours.get(channel)
        if kept is None:
            Consent.objects.filter(pk=consent.pk).update(customer=target)
        elif consent.changed_at > kept.changed_at:
            for field in ("state", "source", "changed_at", "changed_by_id"):
                setattr(kept, field, getattr(consent, field))
            kept.save(update_fields=["state", "source", "changed_at", "changed_by"])
    Consent.objects.filter(customer=source).delete()
    ConsentChange.objects.filter(customer=source).update(customer=target)


def _merge_sizes(*, source: Customer, target: Customer) -> None:
    """Per size group an edited size beats a learned one, then the more recent wins."""
    theirs = {p.size_group: p for p in SizePreference.objects.filter(customer=source)}
    ours = {p.size_group: p for p in SizePreference.objects.filter(customer=target)}

    def rank(pref: SizePreference) -> tuple[bool, dt.datetime]:
        return (pref.source == SizePreference.Source.EDITED, pref.updated_at)

    for group, pref in theirs.items():
        kept = ours.get(group)
        if kept is None:
            SizePreference.objects.filter(pk=pref.pk).update(customer=target)
        elif rank(pref) > rank(kept):
            kept.size, kept.source, kept.updated_at = pref.size, pref.source, pref.updated_at
            kept.save(update_fields=["size", "source", "updated_at"])
    SizePreference.objects.filter(customer=source).delete()


_FILLED_FROM_SOURCE = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "birthday",
    "home_store_id",
    "primary_associate_id",
)


@transaction.atomic
def customer_merge(*, source: Customer, target: Customer, associate: Associate | None) -> Customer:
    """Fold a duplicate (``source``) into ``target``: identities, lists, notes, tasks,
    the timeline, the access log, consents (the more recent per channel wins), sizes
    (edited beats learned, then the more recent), both ledgers, the login when the target
    has none, and the target's blanks filled from the source. Apps above customers
    (orders, carts, returns) move their rows in receivers of ``customer_merged``, sent in
    this transaction. The source is kept, inactive, with ``merged_into`` = target (and
    records merged into it earlier now point at the target), so old links resolve.

    ``associate`` is None when the shopper's own verified email joins their login to the
    record they had as a guest (``customer_link_login``).

    Locks both customer rows in primary-key order. Raises MergeNotAllowed (the same
    customer, or either one already merged or inactive)."""
    if source.pk == target.pk:
        raise MergeNotAllowed("A customer cannot be merged into itself.")
    locked = {
        c.pk: c
        for c in Customer.objects.select_for_update(no_key=True)
        .filter(pk__in=[source.pk, target.pk])
        .order_by("pk")
    }
    source, target = locked[source.pk], locked[target.pk]
    for who in (source, target):
        if who.merged_into_id is not None or not who.is_active:
            raise MergeNotAllowed(
                f"{who} was already merged or closed; merge into the surviving record.",
                customer_id=who.pk,
            )

    moved = {"customer": target}
    CustomerIdentity.objects.filter(customer=source).update(**moved)
    for model in (List, CustomerNote, FollowUpTask, Interaction, CustomerAccessLog):
        model.objects.filter(customer=source).update(**moved)
    # Ledgers are append-only row by row; moving them whole to the surviving customer is
    # the one bulk move allowed (QuerySet.update bypasses their save()).
    LoyaltyEntry.objects.filter(customer=source).update(**moved)
    StoreCreditEntry.objects.filter(customer=source).update(**moved)
    _merge_consents(source=source, target=target)
    _merge_sizes(source=source, target=target)
    EmailLog.objects.filter(customer_id_ref=source.pk).update(customer_id_ref=target.pk)
    Customer.objects.filter(merged_into=source).update(merged_into=target)

    changed = [f for f in _FILLED_FROM_SOURCE if not getattr(target, f) and getattr(source, f)]
    for field in changed:
        setattr(target, field, getattr(source, field))
    if source.preferences:
        target.preferences = {**source.preferences, **target.preferences}
        changed.append("preferences")
    # Unique columns move in two steps: free them on the source first.
    loyalty_number = source.loyalty_number if not target.loyalty_number else None
    user_id = source.user_id if target.user_id is None else None
    source.merged_into = target
    source.is_active = False
    source_fields = ["merged_into", "is_active", "updated_at"]
    if loyalty_number:
        source.loyalty_number = None
        source_fields.append("loyalty_number")
    if user_id:
        source.user = None
        source_fields.append("user")
    source.save(update_fields=source_fields)
    if loyalty_number:
        target.loyalty_number = loyalty_number
        changed.append("loyalty_number")
    if user_id:
        target.user_id = user_id
        changed.append("user_id")
    target.save(update_fields=[*{f.removesuffix("_id") for f in changed}, "updated_at"])

    customer_merged.send(sender=Customer, source_id=source.pk, target_id=target.pk)
    interaction_record(
        customer=target,
        kind=Interaction.Kind.ACCOUNT,
        # No associate: the shopper's own verified email joined the two records.
        channel=Channel.STORE if associate is not None else Channel.WEB,
        summary=f"Merged the duplicate record #{source.pk} ({source}) into this one",
        location=associate.home_location if associate is not None else None,
        associate=associate,
        detail={"source_id": source.pk, "filled": sorted(changed)},
    )
    return target


# --- recently viewed ("continue where you left off") -------------------------------------


def recent_view_record(
    *, customer: Customer, product: Product | None = None, category: Category | None = None
) -> None:
    """Remember that the customer looked at a product and/or a category, on whatever
    device, so the home page can pick up where they left off on any other. One upsert
    per thing viewed (a row per (customer, thing), its time moved on), so a page view
    costs one statement and never a read; no lock needed, a concurrent view of the same
    thing just writes the same row."""
    from customers.models import RecentlyViewedCategory, RecentlyViewedProduct

    now = timezone.now()
    if product is not None:
        RecentlyViewedProduct.objects.bulk_create(
            [RecentlyViewedProduct(customer=customer, product=product, viewed_at=now)],
            update_conflicts=True,
            unique_fields=["customer", "product"],
            update_fields=["viewed_at"],
        )
    if category is not None:
        RecentlyViewedCategory.objects.bulk_create(
            [RecentlyViewedCategory(customer=customer, category=category, viewed_at=now)],
            update_conflicts=True,
            unique_fields=["customer", "category"],
            update_fields=["viewed_at"],
        )
