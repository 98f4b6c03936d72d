"""The customer's profile (names, phone, preferences, home store, birthday) and sizes
(learned from purchases or set by hand)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from catalog.models import Category, Variant
from customers.errors import (
    InvalidProfile,
)
from customers.models import (
    Channel,
    Customer,
    CustomerIdentity,
    Interaction,
    SizePreference,
)
from customers.services.base import _channel_for, _customer_lock, _location_of, interaction_record
from customers.services.identities import _identity_add, normalise_phone
from omni import stored_text
from stores.models import Associate, Location


def _field_labels(names: list[str]) -> str:
    """The profile fields' names in the active language ("First name, Phone")."""
    return ", ".join(str(Customer._meta.get_field(name).verbose_name) for name in names)


# Timeline entries of this module, read in the reader's language (omni.stored_text).
TIMELINE = stored_text.register(
    {
        "profile.updated": stored_text.Template(
            gettext_lazy("Profile updated: %(fields)s"), fields=_field_labels
        ),
        "phone.changed": gettext_lazy("Phone number changed"),
        "phone.removed": gettext_lazy("Phone number removed"),
    }
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
                raise InvalidProfile(gettext("Names are at most 80 characters."), field=field)
            changes[field] = value
    if preferences is not UNSET:
        if not isinstance(preferences, dict):
            raise InvalidProfile(
                gettext("Preferences are a set of named values."), field="preferences"
            )
        changes["preferences"] = preferences
    if home_store is not UNSET:
        if home_store is not None and (
            home_store.kind != Location.Kind.STORE or not home_store.is_active
        ):
            raise InvalidProfile(
                gettext("The home store must be an open store."), field="home_store"
            )
        changes["home_store"] = home_store
    if primary_associate is not UNSET:
        if primary_associate is not None and not primary_associate.is_active:
            raise InvalidProfile(
                gettext("That associate no longer works here."), field="primary_associate"
            )
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
    interaction_record(
        customer=customer,
        kind=Interaction.Kind.ACCOUNT,
        channel=_channel_for(associate, channel),
        summary=stored_text.text("profile.updated", fields=changed),
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
        summary=stored_text.text("phone.changed" if value else "phone.removed"),
    )
    return customer


@transaction.atomic
def sizes_learn_from_purchase(
    *, customer: Customer, variants: Iterable[Variant], source_channel: str
) -> list[SizePreference]:
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
        raise InvalidProfile(
            gettext("Unknown channel “%(channel)s”.") % {"channel": source_channel},
            field="source_channel",
        )
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
        raise InvalidProfile(
            gettext("Unknown size group “%(size_group)s”.") % {"size_group": size_group},
            field="size_group",
        )
    size = (size or "").strip()
    if not size or len(size) > 20:
        raise InvalidProfile(gettext("Give a size (at most 20 characters)."), field="size")
    _customer_lock(customer)
    pref, _created = SizePreference.objects.update_or_create(
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
        raise InvalidProfile(
            gettext("Unknown size group “%(size_group)s”.") % {"size_group": size_group},
            field="size_group",
        )
    _customer_lock(customer)
    SizePreference.objects.filter(customer=customer, size_group=size_group).delete()
