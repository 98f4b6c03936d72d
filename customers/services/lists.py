"""Wishlists and shopping lists, shared by the shopper and the store: items, sharing,
sending a list to a store, the store's queue and holding a list for a visit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from catalog.models import Product, Variant
from customers.errors import (
    CustomerNotFound,
    InvalidList,
    InvalidTransition,
    LocationNotAvailable,
    SizeNotChosen,
)
from customers.models import (
    ContactChannel,
    Customer,
    Interaction,
    List,
    ListItem,
    new_share_token,
)
from customers.services.base import _channel_for, _ensure_assigned, _location_of, interaction_record
from omni import stored_text
from omni.errors import DomainError
from omni.outbox import outbox_record
from stores.models import Associate, Location

# Timeline entries of this module, read in the reader's language (omni.stored_text).
TIMELINE = stored_text.register(
    {
        "list.created": gettext_lazy("Created the list “%(list)s”"),
        "list.renamed": gettext_lazy("Renamed “%(old)s” to “%(new)s”"),
        "list.deleted": gettext_lazy("Deleted the list “%(list)s”"),
        "list.item_added": gettext_lazy("Added %(item)s to “%(list)s”"),
        "list.item_added_by": gettext_lazy("%(associate)s added %(item)s to “%(list)s”"),
        "list.item_removed": gettext_lazy("Removed %(item)s from “%(list)s”"),
        "list.shared": gettext_lazy("Shared “%(list)s”"),
        "list.unshared": gettext_lazy("Stopped sharing “%(list)s”"),
        "list.sent": gettext_lazy("Sent “%(list)s” to %(location)s"),
        "list.sent_for": stored_text.Template(
            gettext_lazy("Sent “%(list)s” to %(location)s for %(date)s"), date=stored_text.date
        ),
        "list.marked": stored_text.Template(
            gettext_lazy("“%(list)s” marked %(status)s"),
            status=stored_text.choice(List.StoreStatus, lower=True),
        ),
        "list.held": stored_text.Template(
            ngettext_lazy(
                "%(count)s item of “%(list)s” held at %(location)s until %(until)s",
                "%(count)s items of “%(list)s” held at %(location)s until %(until)s",
                "count",
            ),
            until=stored_text.datetime,
        ),
    }
)

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
    summary: stored_text.StoredText,
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
        raise InvalidList(_("Give the list a name."), field="name")
    if kind not in List.Kind.values:
        raise InvalidList(_("Unknown kind of list “%(kind)s”.") % {"kind": kind}, field="kind")
    shopping_list = List.objects.create(customer=customer, name=name[:120], kind=kind)
    _list_changed(
        shopping_list=shopping_list,
        summary=stored_text.text("list.created", list=shopping_list.name),
        associate=associate,
        channel=channel,
    )
    return shopping_list


@transaction.atomic
def list_rename(*, shopping_list: List, name: str, channel: str | None = None) -> List:
    """Give the list another name. Locks the list row. Raises InvalidList (no name)."""
    name = (name or "").strip()[:120]
    if not name:
        raise InvalidList(_("Give the list a name."), field="name")
    shopping_list = _list_locked(shopping_list)
    if shopping_list.name == name:
        return shopping_list
    old = shopping_list.name
    shopping_list.name = name
    shopping_list.save(update_fields=["name", "updated_at"])
    _list_changed(
        shopping_list=shopping_list,
        summary=stored_text.text("list.renamed", old=old, new=name),
        channel=channel,
    )
    return shopping_list


@transaction.atomic
def list_delete(*, shopping_list: List, channel: str | None = None) -> None:
    """Delete the list and its items (the timeline keeps a line saying so). A list a
    store is preparing (sent, not yet visited) cannot be deleted: the store would be
    left holding items for nobody. Locks the list row. Raises InvalidTransition."""
    shopping_list = _list_locked(shopping_list)
    if shopping_list.store_status in (List.StoreStatus.NEW, List.StoreStatus.PREPARED):
        store = shopping_list.sent_to_location.name if shopping_list.sent_to_location else ""
        raise InvalidTransition(
            _("“%(list)s” is being prepared at %(store)s; it can be deleted after your visit.")
            % {"list": shopping_list.name, "store": store},
            status=shopping_list.store_status,
        )
    interaction_record(
        customer=shopping_list.customer,
        kind=Interaction.Kind.LIST_CHANGE,
        channel=_channel_for(None, channel),
        summary=stored_text.text("list.deleted", list=shopping_list.name),
        detail={"list_id": shopping_list.pk},
    )
    shopping_list.delete()


@transaction.atomic
def list_add_item(
    *,
    shopping_list: List,
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
        raise InvalidList(_("The quantity must be at least 1."), field="quantity")
    if variant is not None and variant.product_id != product.pk:
        raise InvalidList(_("That size belongs to another product."), field="variant")
    if not product.is_active or (variant is not None and not variant.is_active):
        raise InvalidList(_("That product is no longer sold."), field="product")
    shopping_list = _list_locked(shopping_list)
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
    what = {"item": _item_label(item), "list": shopping_list.name}
    _list_changed(
        shopping_list=shopping_list,
        summary=stored_text.text("list.item_added_by", associate=associate.display_name, **what)
        if associate
        else stored_text.text("list.item_added", **what),
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
    shopping_list: List,
    item_id: int,
    associate: Associate | None = None,
    channel: str | None = None,
) -> None:
    """Take an item off a list. Locks the list row. Raises CustomerNotFound when the item
    is not on this list (a shopper cannot remove from someone else's list)."""
    shopping_list = _list_locked(shopping_list)
    item = (
        ListItem.objects.select_related("product", "variant")
        .filter(list=shopping_list, pk=item_id)
        .first()
    )
    if item is None:
        raise CustomerNotFound(_("That item is not on this list."), item_id=item_id)
    label = _item_label(item)
    item.delete()
    _list_changed(
        shopping_list=shopping_list,
        summary=stored_text.text("list.item_removed", item=label, list=shopping_list.name),
        associate=associate,
        channel=channel,
        detail={"list_item_id": item_id},
    )


@transaction.atomic
def list_share(*, shopping_list: List, channel: str | None = None) -> str:
    """Make the list visible to anyone with its link; returns the share token (for
    ``/lists/<token>/``). Sharing a shared list returns the same token."""
    locked = _list_locked(shopping_list)
    if not locked.is_shared:
        locked.is_shared = True
        locked.save(update_fields=["is_shared", "updated_at"])
        _list_changed(
            shopping_list=locked,
            summary=stored_text.text("list.shared", list=locked.name),
            channel=channel,
        )
    shopping_list.is_shared, shopping_list.share_token = True, locked.share_token
    return locked.share_token


@transaction.atomic
def list_unshare(*, shopping_list: List, channel: str | None = None) -> List:
    """Stop sharing: the old link stops working (the token is replaced)."""
    shopping_list = _list_locked(shopping_list)
    shopping_list.is_shared = False
    shopping_list.share_token = new_share_token()
    shopping_list.save(update_fields=["is_shared", "share_token", "updated_at"])
    _list_changed(
        shopping_list=shopping_list,
        summary=stored_text.text("list.unshared", list=shopping_list.name),
        channel=channel,
    )
    return shopping_list


@transaction.atomic
def list_send_to_store(
    *,
    shopping_list: List,
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
            _("%(location)s is not a store that can prepare lists.") % {"location": location.name},
            location_id=location.pk,
        )
    if visit_date is not None and visit_date < timezone.localdate():
        raise InvalidList(_("The visit date is in the past."), field="visit_date")
    shopping_list = _list_locked(shopping_list)
    if not ListItem.objects.filter(list=shopping_list).exists():
        raise InvalidList(_("The list is empty: add something before sending it."))
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
    sent = {"list": shopping_list.name, "location": location.name}
    _list_changed(
        shopping_list=shopping_list,
        summary=stored_text.text("list.sent_for", **sent, date=visit_date.isoformat())
        if visit_date
        else stored_text.text("list.sent", **sent),
        location=location,
        channel=channel,
    )
    return shopping_list


@transaction.atomic
def list_set_store_status(
    *,
    shopping_list: List,
    status: str,
    associate: Associate,
) -> List:
    """Move a list through the store's queue: new → prepared → visited (a list may go
    straight from new to visited when the shopper walks in first).

    Locks the list row. Raises InvalidTransition (not sent to a store, backwards, or an
    unknown status), LocationNotAvailable (the associate does not work at that store)."""
    shopping_list = _list_locked(shopping_list)
    if shopping_list.sent_to_location_id is not None:
        _ensure_assigned(associate=associate, location=shopping_list.sent_to_location)
    allowed = _LIST_STORE_FLOW.get(shopping_list.store_status, frozenset())
    if status not in allowed:
        current = shopping_list.get_store_status_display().lower()
        raise InvalidTransition(
            _("The list is %(current)s; it cannot be marked “%(status)s”.")
            % {"current": current, "status": status},
            status=shopping_list.store_status,
            requested=status,
        )
    shopping_list.store_status = status
    shopping_list.save(update_fields=["store_status", "updated_at"])
    _list_changed(
        shopping_list=shopping_list,
        summary=stored_text.text("list.marked", list=shopping_list.name, status=status),
        associate=associate,
        location=shopping_list.sent_to_location,
    )
    return shopping_list


HOLD_HOURS_MAX = 168  # a week: the longest a list is held for a visit


@dataclass(frozen=True)
class ListHold:
    """A list about to be held for a visit, checked and locked by ``list_hold_plan``:
    what inventory is asked to put aside (``lines``, until ``until``) and what
    ``list_hold_record`` and ``list_hold_short`` need afterwards."""

    shopping_list: List
    items: list[ListItem]
    location: Location
    associate: Associate
    hours: int
    until: dt.datetime

    @property
    def lines(self) -> list[tuple[int, int]]:
        """``(variant_id, quantity)`` per item, as inventory holds them."""
        return [(item.variant_id, item.quantity) for item in self.items]


@transaction.atomic
def list_hold_plan(
    *,
    shopping_list: List,
    location: Location,
    associate: Associate,
    hours: int = 48,
) -> ListHold:
    """The first step of holding a list for a visit (``orders.services.list_hold_for_visit``
    puts the steps together in one transaction): check the store, the hours, the
    associate and the items, and lock the list row for the caller's transaction.

    Raises LocationNotAvailable (not an active store, the associate does not work there),
    InvalidList (empty list, hours outside 1–``HOLD_HOURS_MAX``), SizeNotChosen (items
    saved without a size)."""
    if location.kind != Location.Kind.STORE or not location.is_active:
        raise LocationNotAvailable(
            _("%(location)s is not a store that can hold items.") % {"location": location.name},
            location_id=location.pk,
        )
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= HOLD_HOURS_MAX:
        # Capped: an unbounded hold would keep the units off sale for good (and a huge
        # number overflows the expiry date).
        raise InvalidList(
            _("Hold for between 1 and %(max)s hours.") % {"max": HOLD_HOURS_MAX},
            field="hours",
            maximum=HOLD_HOURS_MAX,
        )
    _ensure_assigned(associate=associate, location=location)
    shopping_list = _list_locked(shopping_list)
    items = [*ListItem.objects.filter(list=shopping_list).select_related("product", "variant")]
    if not items:
        raise InvalidList(_("The list is empty."))
    if sizeless := [item for item in items if item.variant_id is None]:
        names = ", ".join(item.product.name for item in sizeless)
        raise SizeNotChosen(
            _("Choose a size for %(products)s before holding the list.") % {"products": names},
            product_ids=[item.product_id for item in sizeless],
        )
    return ListHold(
        shopping_list=shopping_list,
        items=items,
        location=location,
        associate=associate,
        hours=hours,
        until=timezone.now() + dt.timedelta(hours=hours),
    )


def list_hold_short(*, hold: ListHold, error: DomainError) -> DomainError:
    """Inventory's "not enough stock" for a list hold, worded in the list's terms (the
    items' names, what is available of each): the same error type, with the same
    ``lines`` details, for the caller to raise."""
    by_variant = {item.variant_id: item for item in hold.items}
    short = error.details.get("lines", [])
    described = [
        _("%(item)s (%(available)s of %(requested)s available)")
        % {
            "item": _item_label(by_variant[line["variant_id"]]),
            "available": line.get("salable", 0),
            "requested": line["requested"],
        }
        for line in short
        if line.get("variant_id") in by_variant
    ]
    return type(error)(
        _("Not enough in stock at %(store)s to hold: %(items)s.")
        % {"store": hold.location.name, "items": "; ".join(described)},
        lines=short,
        location_id=hold.location.pk,
    )


@transaction.atomic
def list_hold_record(*, hold: ListHold, reservation_ids: list[int]) -> None:
    """The last step of holding a list for a visit, once inventory has made the holds: a
    list sent to this store and still new becomes prepared, and the hold is on the
    customer's timeline (the reservation ids and hours in its detail)."""
    shopping_list, location, items = hold.shopping_list, hold.location, hold.items
    if (
        shopping_list.sent_to_location_id == location.pk
        and shopping_list.store_status == List.StoreStatus.NEW
    ):
        shopping_list.store_status = List.StoreStatus.PREPARED
        shopping_list.save(update_fields=["store_status", "updated_at"])
    _list_changed(
        shopping_list=shopping_list,
        summary=stored_text.text(
            "list.held",
            count=len(items),
            list=shopping_list.name,
            location=location.name,
            until=hold.until.isoformat(),
        ),
        associate=hold.associate,
        location=location,
        detail={"reservation_ids": reservation_ids, "hours": hold.hours},
    )
