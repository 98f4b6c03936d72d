"""Reads about customers shared by the storefront, the back-office and the API."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Variant
from customers.errors import CustomerNotFound
from customers.models import (
    Consent,
    ConsentState,
    ContactChannel,
    Customer,
    CustomerIdentity,
    CustomerNote,
    FollowUpTask,
    Interaction,
    List,
    ListItem,
    LoyaltyEntry,
    SizePreference,
    StoreCreditEntry,
)
from omni.money import ZERO
from omni.money import currency as install_currency
from stores.models import Associate, Location


def loyalty_balance(*, customer: Customer) -> int:
    return LoyaltyEntry.objects.filter(customer=customer).aggregate(s=Sum("points"))["s"] or 0


def store_credit_balance(*, customer: Customer, currency: str | None = None) -> Decimal:
    """The customer's credit in ``currency`` (the install's by default): credit in one
    currency never pays in another."""
    total = StoreCreditEntry.objects.filter(
        customer=customer, currency=currency or install_currency()
    ).aggregate(s=Sum("amount"))["s"]
    return total if total is not None else ZERO


def consent_state(*, customer: Customer, channel: str = ContactChannel.EMAIL) -> str:
    """The customer's consent on a channel; no row means no consent."""
    state = (
        Consent.objects.filter(customer=customer, channel=channel)
        .values_list("state", flat=True)
        .first()
    )
    return state or ConsentState.NONE


# --- finding a customer ---------------------------------------------------------------

_DIGITS = re.compile(r"\d")
_LOYALTY_SHAPE = re.compile(r"^[A-Za-z]{0,3}\d{4,}$")


def _identity_matches(query: str) -> list[tuple[str, str]]:
    """The exact (kind, normalised value) identities a query could be: an email, a phone
    number, a loyalty number."""
    from customers.errors import InvalidContact
    from customers.services import normalise_email, normalise_phone

    found: list[tuple[str, str]] = []
    if "@" in query:
        with contextlib.suppress(InvalidContact):
            found.append((CustomerIdentity.Kind.EMAIL, normalise_email(query)))
        return found
    if len(_DIGITS.findall(query)) >= 7 and not re.search(r"[A-Za-z]", query):
        with contextlib.suppress(InvalidContact):
            found.append((CustomerIdentity.Kind.PHONE, normalise_phone(query)))
    if _LOYALTY_SHAPE.match(query.replace(" ", "")):
        found.append((CustomerIdentity.Kind.LOYALTY, query.replace(" ", "").upper()))
    return found


def customer_search(*, query: str, limit: int = 20) -> list[Customer]:
    """Active customers matching a back-office search box: an exact email, phone number
    (any format) or loyalty number — indexed lookups on the normalised identity and the
    loyalty column — or a name ("ana", "ana lima", "lima"). Exact identity matches come
    first, then by name. One query. (Order numbers: ``orders.selectors.order_find``.)"""
    query = " ".join((query or "").split())
    if not query:
        return []
    exact = Q(pk__in=[])
    identities = _identity_matches(query)
    if identities:
        by_identity = Q()
        for kind, value in identities:
            by_identity |= Q(kind=kind, value=value)
        exact = Q(pk__in=CustomerIdentity.objects.filter(by_identity).values("customer_id"))
        loyalty = [value for kind, value in identities if kind == CustomerIdentity.Kind.LOYALTY]
        if loyalty:
            exact |= Q(loyalty_number__in=loyalty)
    by_name = Q(pk__in=[])
    if "@" not in query and not _DIGITS.search(query):
        words = query.split(" ")
        by_name = Q(first_name__icontains=query) | Q(last_name__icontains=query)
        if len(words) > 1:
            by_name |= Q(first_name__icontains=words[0], last_name__icontains=" ".join(words[1:]))
            by_name |= Q(last_name__icontains=words[0], first_name__icontains=" ".join(words[1:]))
    return [
        *Customer.objects.filter(exact | by_name, is_active=True)
        .select_related("home_store", "primary_associate")
        .annotate(exact_match=Case(When(exact, then=Value(0)), default=Value(1)))
        .order_by("exact_match", "last_name", "first_name", "pk")[:limit]
    ]


def customer_for_user(*, user) -> Customer | None:
    """The customer a login belongs to, following merges to the surviving record."""
    if user is None or not user.is_authenticated:
        return None
    customer = Customer.objects.select_related("merged_into").filter(user=user).first()
    while customer is not None and customer.merged_into_id is not None:
        customer = Customer.objects.select_related("merged_into").get(pk=customer.merged_into_id)
    return customer


# --- the timeline ---------------------------------------------------------------------


@dataclass(frozen=True)
class TimelinePage:
    entries: list[Interaction]
    # Pass as ``before`` for the next (older) page; None on the last page.
    next_cursor: str | None


def _cursor_of(entry: Interaction) -> str:
    return f"{entry.occurred_at.isoformat()}|{entry.pk}"


def _parse_cursor(before: str | tuple[dt.datetime, int] | Interaction) -> tuple[dt.datetime, int]:
    if isinstance(before, Interaction):
        return before.occurred_at, before.pk
    if isinstance(before, tuple):
        return before
    try:
        at, _sep, pk = before.rpartition("|")
        return dt.datetime.fromisoformat(at), int(pk)
    except ValueError:
        raise CustomerNotFound(_("That page of the timeline does not exist.")) from None


def customer_timeline(
    *,
    customer: Customer,
    before: str | tuple[dt.datetime, int] | Interaction | None = None,
    limit: int = 25,
) -> TimelinePage:
    """The customer's timeline, newest first, ``limit`` entries older than ``before`` (a
    cursor from the previous page). Keyset paging on (occurred_at, id) over the
    ``timeline_idx`` index: one query, as fast on page 200 as on page 1."""
    limit = max(1, min(limit, 200))
    qs = Interaction.objects.filter(customer=customer).select_related("location", "associate")
    if before is not None:
        at, pk = _parse_cursor(before)
        qs = qs.filter(Q(occurred_at__lt=at) | Q(occurred_at=at, pk__lt=pk))
    rows = [*qs.order_by("-occurred_at", "-pk")[: limit + 1]]
    entries = rows[:limit]
    return TimelinePage(
        entries=entries, next_cursor=_cursor_of(entries[-1]) if len(rows) > limit else None
    )


# --- the customer record on one screen ------------------------------------------------


@dataclass(frozen=True)
class ConsentView:
    channel: str
    state: str
    source: str = ""
    changed_at: dt.datetime | None = None

    @property
    def channel_label(self) -> str:
        """The channel's name as the model says it (``ContactChannel``)."""
        return ContactChannel(self.channel).label

    @property
    def allows_marketing(self) -> bool:
        return self.state == ConsentState.MARKETING

    @property
    def allows_one_to_one(self) -> bool:
        return self.state in (ConsentState.MARKETING, ConsentState.ONE_TO_ONE)


@dataclass(frozen=True)
class Customer360:
    customer: Customer  # home store and primary associate joined
    identities: list[CustomerIdentity]
    consents: dict[str, ConsentView]  # every contact channel; NONE when never given
    sizes: list[SizePreference]
    loyalty_points: int
    store_credit: Decimal
    pinned_notes: list[CustomerNote]
    open_tasks: list[FollowUpTask]
    lists: list[List]  # each with ``item_count``
    recent: list[Interaction]  # the latest few timeline entries


def customer_360(*, customer: Customer, recent: int = 5) -> Customer360:
    """Everything an associate needs on one screen: profile, identities, consent on every
    channel, sizes, loyalty and credit balances, pinned notes, open follow-ups, lists with
    their item counts and the latest timeline entries. 10 queries, however long the
    customer's history."""
    profile = Customer.objects.select_related("home_store", "primary_associate", "merged_into").get(
        pk=customer.pk
    )
    stored = {
        consent.channel: ConsentView(
            consent.channel, consent.state, consent.source, consent.changed_at
        )
        for consent in Consent.objects.filter(customer=customer)
    }
    return Customer360(
        customer=profile,
        identities=[*CustomerIdentity.objects.filter(customer=customer).order_by("kind", "value")],
        consents={
            channel: stored.get(channel, ConsentView(channel, ConsentState.NONE))
            for channel in ContactChannel.values
        },
        sizes=[*SizePreference.objects.filter(customer=customer).order_by("size_group")],
        loyalty_points=loyalty_balance(customer=customer),
        store_credit=store_credit_balance(customer=customer),
        pinned_notes=[
            *CustomerNote.objects.filter(customer=customer, is_pinned=True)
            .select_related("author", "location")
            .order_by("-created_at")
        ],
        open_tasks=[
            *FollowUpTask.objects.filter(customer=customer, status=FollowUpTask.Status.OPEN)
            .select_related("location", "assigned_to")
            .order_by("due_on", "pk")
        ],
        lists=[
            *List.objects.filter(customer=customer)
            .select_related("sent_to_location")
            .annotate(item_count=Count("items"))
            .order_by("-updated_at")
        ],
        recent=customer_timeline(customer=customer, limit=recent).entries if recent else [],
    )


# --- lists ----------------------------------------------------------------------------


def lists_for_customer(*, customer: Customer) -> QuerySet[List]:
    """The customer's lists, newest change first, items with product and size joined."""
    return (
        List.objects.filter(customer=customer)
        .select_related("sent_to_location")
        .prefetch_related(_items_prefetch())
        .order_by("-updated_at")
    )


def list_shared(*, token: str) -> List:
    """A list shared by link (``/lists/<token>/``). Raises CustomerNotFound when there is
    none or it is no longer shared."""
    found = (
        List.objects.filter(share_token=token, is_shared=True)
        .select_related("customer")
        .prefetch_related(_items_prefetch())
        .first()
    )
    if found is None:
        raise CustomerNotFound(_("This list is not shared (any more)."))
    return found


def _items_prefetch() -> Prefetch:
    return Prefetch(
        "items",
        queryset=ListItem.objects.select_related(
            "product", "variant", "added_by_associate", "added_by_associate__home_location"
        ).order_by("-added_at", "-id"),
    )


DEFAULT_QUEUE_STATUSES = (List.StoreStatus.NEW, List.StoreStatus.PREPARED)


def lists_sent_to_store(
    *,
    location: Location,
    statuses: Iterable[str] | None = DEFAULT_QUEUE_STATUSES,
    list_id: int | None = None,
) -> list[List]:
    """A store's queue of lists sent by shoppers (new and prepared by default; ``None``:
    every status), the soonest planned visit first, then the oldest sent. Each list has
    its customer and its items with product and size (what the store can sell of each is
    inventory's: the queue screen asks ``inventory.selectors.stock_salable_at``).
    ``list_id`` narrows it to one list of this store's queue (empty when that list was not
    sent here). 2 queries, however many lists, items and stores."""
    qs = List.objects.filter(sent_to_location=location).exclude(
        store_status=List.StoreStatus.NOT_SENT
    )
    if statuses is not None:
        qs = qs.filter(store_status__in=[*statuses])
    if list_id is not None:
        qs = qs.filter(pk=list_id)
    lists = [
        *qs.select_related("customer")
        .prefetch_related(_items_prefetch())
        .order_by(F("visit_planned_for").asc(nulls_last=True), "sent_at", "pk")
    ]
    return lists


# --- clienteling ----------------------------------------------------------------------


def store_today(*, location: Location) -> dt.date:
    """Today's date where the store is (a follow-up due "today" means the store's today)."""
    return timezone.localtime(timezone.now(), ZoneInfo(location.timezone)).date()


def tasks_due(
    *,
    location: Location,
    associate: Associate | None = None,
    on: dt.date | None = None,
    include_unassigned: bool = False,
) -> QuerySet[FollowUpTask]:
    """Open follow-ups at a store due on or before ``on`` (default: today where the store
    is), oldest first; only those assigned to ``associate`` when given (and, with
    ``include_unassigned``, the ones nobody has taken yet). Customer and assignee joined;
    indexed on (location, status, due_on)."""
    if on is None:
        on = store_today(location=location)
    qs = FollowUpTask.objects.filter(
        location=location, status=FollowUpTask.Status.OPEN, due_on__lte=on
    )
    if associate is not None:
        mine = Q(assigned_to=associate)
        qs = qs.filter(mine | Q(assigned_to__isnull=True) if include_unassigned else mine)
    return qs.select_related("customer", "assigned_to", "created_by").order_by("due_on", "pk")


def outreach_allowed(*, customer: Customer, channel: str, by_associate: bool) -> bool:
    """May we contact this customer on this channel? Marketing consent allows both
    campaigns and an associate's one-to-one message; one-to-one consent allows only the
    associate; none (or no answer yet) allows nothing. 1 query."""
    state = consent_state(customer=customer, channel=channel)
    if state == ConsentState.MARKETING:
        return True
    return by_associate and state == ConsentState.ONE_TO_ONE


# --- recently viewed ----------------------------------------------------------------------


def recently_viewed(*, customer: Customer, limit: int = 8) -> tuple[list[int], list[int]]:
    """(product ids, category ids) the customer looked at last, newest first, on any
    device. Two indexed queries."""
    from customers.models import RecentlyViewedCategory, RecentlyViewedProduct

    products = RecentlyViewedProduct.objects.filter(customer=customer).order_by("-viewed_at")
    categories = RecentlyViewedCategory.objects.filter(customer=customer).order_by("-viewed_at")
    return (
        list(products.values_list("product_id", flat=True)[:limit]),
        list(categories.values_list("category_id", flat=True)[:limit]),
    )


# --- back-office clienteling: the customer in front of you ------------------------------


def customer_notes(*, customer: Customer, limit: int = 20) -> list[CustomerNote]:
    """The customer's notes, pinned first then newest, author and store joined. 1 query."""
    return [
        *CustomerNote.objects.filter(customer=customer)
        .select_related("author", "location")
        .order_by("-is_pinned", "-created_at", "-pk")[:limit]
    ]


@dataclass(frozen=True)
class HereNowCandidate:
    """Something for this customer that a store could hand over, if it has it."""

    variant: Variant
    reason: str  # "On “Autumn wishlist”" or "On “Autumn wishlist”, in their size"


def customer_here_now_candidates(*, customer: Customer) -> list[HereNowCandidate]:
    """For this customer, the sizes on their lists that a store could hand over: the size
    they chose, or, for a product saved without one, the variant in their size for that
    product's size group (from their size profile), by product name. Which of them a
    store can sell now is inventory's (the 360 asks ``inventory.selectors``). 3 queries,
    however many lists, items and sizes."""
    items = [
        *ListItem.objects.filter(list__customer=customer)
        .select_related("list", "product__category")
        .order_by("-added_at", "-pk")[:200]
    ]
    if not items:
        return []
    sizes = dict(SizePreference.objects.filter(customer=customer).values_list("size_group", "size"))
    wanted_variants = {item.variant_id: item for item in items if item.variant_id}
    sizeless = {
        item.product_id: item
        for item in items
        if item.variant_id is None and sizes.get(item.product.category.size_group)
    }
    condition = Q(pk__in=[*wanted_variants])
    for product_id, item in sizeless.items():
        condition |= Q(product_id=product_id, size=sizes[item.product.category.size_group])
    found: list[HereNowCandidate] = []
    for variant in (
        Variant.objects.filter(condition, is_active=True)
        .select_related("product")
        .order_by("product__name", "position", "pk")
    ):
        item = wanted_variants.get(variant.pk) or sizeless.get(variant.product_id)
        if item is None:
            continue
        if item.variant_id:
            reason = _("On “%(list)s”") % {"list": item.list.name}
        else:
            reason = _("On “%(list)s”, in their size") % {"list": item.list.name}
        found.append(HereNowCandidate(variant, reason))
    return found


def customer_size(*, customer: Customer, size_group: str) -> str:
    """The customer's size in a size group (learned from purchases or set by hand), or
    "" when none is known. One query."""
    if not size_group:
        return ""
    from customers.models import SizePreference

    return (
        SizePreference.objects.filter(customer=customer, size_group=size_group)
        .values_list("size", flat=True)
        .first()
        or ""
    )


# --- possible duplicates ----------------------------------------------------------------


@dataclass(frozen=True)
class SharedPhone:
    """Customers that share one phone number: possibly one person, for an associate to
    merge (never merged by themselves)."""

    phone: str
    customers: list[Customer]


def customers_sharing_a_phone() -> list[SharedPhone]:
    """Active customers with the same phone number (as their phone or one of their phone
    identities), each group oldest record first."""
    shared = set(
        Customer.objects.filter(is_active=True)
        .exclude(phone="")
        .values("phone")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("phone", flat=True)
    )
    holders: dict[str, set[int]] = {}
    for value, customer_id in CustomerIdentity.objects.filter(
        kind=CustomerIdentity.Kind.PHONE, customer__is_active=True
    ).values_list("value", "customer_id"):
        holders.setdefault(value, set()).add(customer_id)
    by_phone: dict[str, set[int]] = {phone: set() for phone in shared}
    rows = Customer.objects.filter(is_active=True).exclude(phone="")
    rows = rows.filter(phone__in=set(shared) | set(holders)).values_list("phone", "pk")
    for phone, pk in rows:
        by_phone.setdefault(phone, set()).add(pk)
    for phone, ids in by_phone.items():
        ids |= holders.get(phone, set())
    groups = {phone: ids for phone, ids in by_phone.items() if len(ids) > 1}
    customers = Customer.objects.in_bulk({pk for ids in groups.values() for pk in ids})
    return [
        SharedPhone(phone, sorted((customers[pk] for pk in ids), key=lambda c: c.pk))
        for phone, ids in sorted(groups.items())
    ]


def customers_with_unreadable_phone(*, limit: int = 200) -> list[Customer]:
    """Active customers whose stored phone is not a valid E.164 number (kept as typed by
    the re-normalisation: an associate fixes or removes it), at most ``limit``. Reads
    every phone once (libphonenumber's rules are not SQL)."""
    from omni.phones import PhoneInvalid, phone_e164

    found = []
    rows = Customer.objects.filter(is_active=True).exclude(phone="").order_by("pk")
    for customer in rows.iterator(chunk_size=2000):
        try:
            if phone_e164(customer.phone) == customer.phone:
                continue
        except PhoneInvalid:
            pass
        found.append(customer)
        if len(found) >= limit:
            break
    return found
