"""Customers and what the stores know about them: identities (normalised), consent per
channel with its history, home stores and client books, notes, follow-up tasks, lists
(some sent to a store), store visits, the welcome loyalty bonus and a little goodwill
credit. After the orders, ``customer_history_complete`` learns sizes from purchases and
records loyalty redemptions."""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction
from django.db.models import Count, Sum

from catalog.models import Category
from customers.models import (
    Channel,
    Consent,
    ConsentChange,
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
from demo.catalog import SIZE_RUNS
from demo.config import DEMO_EMAIL_DOMAIN, DemoScale
from demo.markets import DemoMarket, demo_market
from demo.names import CUSTOMER_EMAIL_DOMAINS, VISIT_SUMMARIES
from demo.randomness import rng_for, token_for, weighted
from demo.rows import Row
from demo.shopping import Assortment
from demo.staff import DemoPerson, users_create
from demo.world import CustomerRow, DemoWorld
from omni import stored_text
from omni.money import currency, to_money
from orders.models import OrderLine

# Customers 0 and 1 have shopper accounts (and, being first, the longest histories):
# the market's ``shoppers``.
SHOPPERS = 2

CONSENT_ODDS = {
    ContactChannel.EMAIL: ((ConsentState.MARKETING, 0.55), (ConsentState.ONE_TO_ONE, 0.2),
                           (ConsentState.NONE, 0.25)),
    ContactChannel.SMS: ((ConsentState.MARKETING, 0.3), (ConsentState.ONE_TO_ONE, 0.25),
                         (ConsentState.NONE, 0.45)),
    ContactChannel.PHONE: ((ConsentState.MARKETING, 0.15), (ConsentState.ONE_TO_ONE, 0.35),
                           (ConsentState.NONE, 0.5)),
}  # fmt: skip
CONSENT_STATES = (ConsentState.MARKETING, ConsentState.ONE_TO_ONE, ConsentState.NONE)

WELCOME_POINTS = 100
REDEMPTION_POINTS = 500


def _email_local(first: str, last: str) -> str:
    return re.sub(r"[^a-z]", "", first.lower()) + "." + re.sub(r"[^a-z]", "", last.lower())


def customer_identity(
    seed: int, index: int, market: DemoMarket | None = None
) -> tuple[str, str, str]:
    """(first name, last name, email) of customer ``index``, names as the market writes
    them and the email in their ASCII spelling: pure, so the state check can probe for a
    customer without generating the rest."""
    market = market or demo_market("US")
    if index < SHOPPERS:
        first, last, _ = market.shoppers[index]
        login = re.sub(r"[^a-z]", "", first.latin.lower())
        return first.local, last.local, f"{login}.shopper@{DEMO_EMAIL_DOMAIN}"
    rng = rng_for(seed, "customer", index)
    first, last = rng.choice(market.first_names), rng.choice(market.last_names)
    domain = rng.choice(CUSTOMER_EMAIL_DOMAINS)
    return first.local, last.local, f"{_email_local(first.latin, last.latin)}{index + 1}@{domain}"


def customer_probe_emails(
    scale: DemoScale, seed: int, market: DemoMarket | None = None
) -> list[str]:
    return [customer_identity(seed, i, market)[2] for i in (SHOPPERS, scale.customers - 1)]


def _usual_sizes(rng, department: str) -> dict[str, str]:
    middle = (0.1, 0.3, 0.3, 0.2, 0.1)
    if department == "men":
        return {
            Category.SizeGroup.TOPS: rng.choices(SIZE_RUNS["alpha_m"], middle)[0],
            Category.SizeGroup.BOTTOMS: rng.choice(SIZE_RUNS["waist_m"][1:5]),
            Category.SizeGroup.SHOES: rng.choice(("9", "10", "11", "12")),
        }
    tops = rng.choices(SIZE_RUNS["alpha_w"], middle)[0]
    return {
        Category.SizeGroup.TOPS: tops,
        Category.SizeGroup.DRESSES: tops,
        Category.SizeGroup.BOTTOMS: rng.choice(SIZE_RUNS["waist_w"][1:4]),
        Category.SizeGroup.SHOES: rng.choice(("6", "7", "8", "9")),
    }


def _customer_row(world: DemoWorld, index: int, user_id: int | None) -> CustomerRow:
    market = world.market
    first, last, email = customer_identity(world.seed, index, market)
    rng = world.rng("customer-profile", index)
    stores = world.stores
    area = stores[rng.randrange(len(stores))]
    if index < SHOPPERS:
        department = market.shoppers[index][2]
        home = area
    else:
        department = weighted(rng, (("women", 0.55), ("men", 0.4), ("all", 0.05)))
        home = area if rng.random() < 0.85 else None
    if department == "all":
        sizes = _usual_sizes(rng, rng.choice(("women", "men")))
    else:
        sizes = _usual_sizes(rng, department)
    forced_consent = SHOPPERS <= index < SHOPPERS + 3
    has_phone = forced_consent or index < SHOPPERS or rng.random() < 0.75
    # Unique by construction: the index is in the number (US: 555 exchanges are fictional;
    # elsewhere a mobile prefix of the country, E.164).
    if not has_phone:
        phone = ""
    elif market.mobile_prefix:
        phone = f"{market.mobile_prefix}{index:07d}"
    else:
        phone = f"+1{area.area_code}{555 + index // 10000:03d}{index % 10000:04d}"
    place = rng.choice(world.postcodes_around[area.index])
    full_name = market.full_name(first, last)
    return CustomerRow(
        index=index,
        id=0,
        first_name=first,
        last_name=last,
        email=email,
        phone=phone,
        is_member=index < SHOPPERS or rng.random() < 0.6,
        home_index=home.index if home else None,
        area_index=area.index,
        department=department,
        sizes=sizes,
        address={
            "name": full_name,
            "line1": market.street_address(rng.randint(1, 999), rng.choice(market.streets)),
            "line2": place.line2,
            "city": place.city,
            "region": place.region,
            "postcode": place.postcode,
            "country": market.code,
        },
        user_id=user_id,
        # Every customer exists before the oldest order.
        created_at=world.now - dt.timedelta(days=121 + rng.random() * 800),
        full_name=full_name,
    )


class _CustomerChunk:
    """The rows one chunk of customers writes, built customer by customer."""

    def __init__(self, world: DemoWorld, assortment: Assortment) -> None:
        self.world = world
        self.assortment = assortment
        self.identities: list[Row] = []
        self.consents: list[Row] = []
        self.consent_changes: list[Row] = []
        self.interactions: list[Row] = []
        self.notes: list[tuple[Row, Row]] = []  # (note, its timeline entry)
        self.tasks: list[Row] = []
        self.lists: list[tuple[Row, list[Row], list[Row]]] = []  # (list, items, timeline)
        self.loyalty: list[Row] = []
        self.credit: list[Row] = []

    def add(self, row: CustomerRow) -> None:
        world = self.world
        rng = world.rng("customer-history", row.index)
        home = world.locations[row.home_index] if row.home_index is not None else None
        associates = world.associates_at(home.index) if home else []
        associate = associates[0] if associates else None
        joined = row.created_at
        joined_in_store = home is not None and rng.random() < 0.4
        source = Channel.STORE if joined_in_store else Channel.WEB
        cid = row.id

        verified = rng.random() < 0.85 or row.user_id is not None
        self.identities.append(
            dict(
                customer_id=cid, kind=CustomerIdentity.Kind.EMAIL, value=row.email.lower(),
                is_verified=verified, verified_at=joined if verified else None,
                source=source, created_at=joined,
            )
        )  # fmt: skip
        if rng.random() < 0.08:  # an old work address, still good for lookup
            local = row.email.split("@")[0]
            self.identities.append(
                dict(
                    customer_id=cid, kind=CustomerIdentity.Kind.EMAIL,
                    value=f"{local}@work.example", is_verified=False, source=Channel.STORE,
                    created_at=joined,
                )
            )  # fmt: skip
        if row.phone:
            self.identities.append(
                dict(
                    customer_id=cid, kind=CustomerIdentity.Kind.PHONE, value=row.phone,
                    is_verified=joined_in_store, verified_at=joined if joined_in_store else None,
                    source=source, created_at=joined,
                )
            )  # fmt: skip
        if row.is_member:
            self.identities.append(
                dict(
                    customer_id=cid, kind=CustomerIdentity.Kind.LOYALTY,
                    value=_loyalty_number(row.index), is_verified=True, verified_at=joined,
                    source=source, created_at=joined,
                )
            )  # fmt: skip
            self.loyalty.append(
                dict(
                    customer_id=cid, points=WELCOME_POINTS, reason=LoyaltyEntry.Reason.BONUS,
                    note=world.market.welcome_note, created_at=joined,
                    location_id=home.id if joined_in_store else None,
                )
            )  # fmt: skip

        self._consents(rng, row, source, home, associate)
        if home is not None:
            self._store_visits(rng, row, home, associates)
            if associate and rng.random() < 0.15:
                self._note(rng, row, home, associate)
            if associate and rng.random() < 0.1:
                self._task(rng, row, home, associate)
        if rng.random() < 0.2:
            self._list(rng, row, home, associate)
        if rng.random() < 0.03:
            self.credit.append(
                dict(
                    customer_id=cid, amount=to_money(rng.choice(world.market.goodwill_amounts)),
                    currency=currency(), reason=StoreCreditEntry.Reason.GOODWILL,
                    note=world.market.goodwill_note,
                    created_at=world.now - dt.timedelta(days=rng.uniform(5, 90)),
                )
            )  # fmt: skip

    def _consents(self, rng, row: CustomerRow, source, home, associate) -> None:
        forced = row.index - SHOPPERS  # customers 2, 3, 4 hold every state per channel
        for position, (channel, odds) in enumerate(CONSENT_ODDS.items()):
            if 0 <= forced < 3:
                state = CONSENT_STATES[(forced + position) % 3]
            elif channel != ContactChannel.EMAIL and not row.phone:
                state = ConsentState.NONE
            else:
                state = weighted(rng, odds)
            unreachable = channel != ContactChannel.EMAIL and not row.phone
            first_state = state if unreachable or rng.random() < 0.7 else weighted(rng, odds)
            history = [
                (first_state, source, row.created_at, home if source == Channel.STORE else None)
            ]
            if first_state != state:
                if channel == ContactChannel.EMAIL and state == ConsentState.NONE:
                    later_source, where = Channel.EMAIL, None  # the unsubscribe link
                elif home is not None and rng.random() < 0.5:
                    later_source, where = Channel.STORE, home
                else:
                    later_source, where = Channel.WEB, None
                changed = self.world.now - dt.timedelta(days=rng.uniform(1, 100))
                history.append((state, later_source, changed, where))
            for past_state, past_source, at, where in history:
                by = associate.id if where is not None and associate else None
                self.consent_changes.append(
                    dict(
                        customer_id=row.id, channel=channel, state=past_state,
                        source=past_source, location_id=where.id if where else None,
                        changed_by_id=by, changed_at=at,
                    )
                )  # fmt: skip
            _, last_source, last_at, last_where = history[-1]
            self.consents.append(
                dict(
                    customer_id=row.id, channel=channel, state=state, source=last_source,
                    changed_at=last_at,
                    changed_by_id=associate.id if last_where is not None and associate else None,
                )
            )  # fmt: skip
            if len(history) > 1 and last_where is not None:
                self.interactions.append(
                    dict(
                        customer_id=row.id, kind=Interaction.Kind.CONSENT, channel=Channel.STORE,
                        location_id=last_where.id,
                        associate_id=associate.id if associate else None,
                        **stored_text.text(
                            "consent.changed", channel=channel.value, state=state.value
                        ).columns(),
                        detail={"channel": channel.value, "state": state.value},
                        occurred_at=last_at,
                    )
                )  # fmt: skip

    def _store_visits(self, rng, row: CustomerRow, home, associates) -> None:
        if rng.random() >= 0.4:
            return
        for _ in range(rng.randint(1, 3)):
            associate = rng.choice(associates) if associates and rng.random() < 0.7 else None
            key = rng.choice(list(VISIT_SUMMARIES))
            if key == "visit.styling" and associate is None:
                key = "visit.visited"
            self.interactions.append(
                dict(
                    customer_id=row.id, kind=Interaction.Kind.STORE_VISIT, channel=Channel.STORE,
                    location_id=home.id, associate_id=associate.id if associate else None,
                    **stored_text.text(
                        key, store=home.name, count=rng.randint(2, 5),
                        associate=associate.display_name if associate else "",
                    ).columns(),
                    occurred_at=self.world.now - dt.timedelta(days=rng.uniform(1, 120)),
                )
            )  # fmt: skip

    def _note(self, rng, row: CustomerRow, home, associate) -> None:
        body = rng.choice(self.world.market.note_bodies)
        written = self.world.now - dt.timedelta(days=rng.uniform(1, 100))
        note = dict(
            customer_id=row.id, author_id=associate.id, location_id=home.id, body=body,
            is_pinned=rng.random() < 0.2, created_at=written,
        )  # fmt: skip
        timeline = dict(
            customer_id=row.id, kind=Interaction.Kind.NOTE, channel=Channel.STORE,
            location_id=home.id, associate_id=associate.id,
            **stored_text.text("note.added", associate=associate.display_name, body=body).columns(),
            subject_type="customers.customernote", occurred_at=written,
        )  # fmt: skip
        self.notes.append((note, timeline))

    def _task(self, rng, row: CustomerRow, home, associate) -> None:
        status = weighted(
            rng,
            ((FollowUpTask.Status.OPEN, 0.7), (FollowUpTask.Status.DONE, 0.25),
             (FollowUpTask.Status.CANCELLED, 0.05)),
        )  # fmt: skip
        due = (self.world.now + dt.timedelta(days=rng.randint(-5, 14))).date()
        self.tasks.append(
            dict(
                customer_id=row.id, location_id=home.id, assigned_to_id=associate.id,
                created_by_id=associate.id,
                reason=rng.choice(self.world.market.task_reasons).format(
                    first=row.first_name, store=home.name
                ),
                due_on=due, status=status,
                completed_at=(
                    self.world.now - dt.timedelta(days=rng.uniform(0, 5))
                    if status == FollowUpTask.Status.DONE else None
                ),
                created_at=self.world.now - dt.timedelta(days=rng.uniform(6, 30)),
            )
        )  # fmt: skip

    def _list(self, rng, row: CustomerRow, home, associate) -> None:
        now = self.world.now
        market = self.world.market
        name = rng.choice(market.list_names)
        created = now - dt.timedelta(days=rng.uniform(2, 60))
        sent = home is not None and rng.random() < 0.35
        sent_at = now - dt.timedelta(days=rng.uniform(0.1, 6)) if sent else None
        store_status = (
            weighted(rng, ((List.StoreStatus.NEW, 0.45), (List.StoreStatus.PREPARED, 0.35),
                           (List.StoreStatus.VISITED, 0.2)))
            if sent else List.StoreStatus.NOT_SENT
        )  # fmt: skip
        shopping_list = dict(
            customer_id=row.id,
            name=name,
            kind=List.Kind.SHOPPING if name == market.shopping_list_name else List.Kind.WISHLIST,
            share_token=token_for(rng),
            is_shared=rng.random() < 0.25,
            sent_to_location_id=home.id if sent else None,
            sent_at=sent_at,
            visit_planned_for=(sent_at + dt.timedelta(days=rng.randint(1, 4))).date()
            if sent_at
            else None,
            store_status=store_status,
            created_at=created,
        )
        items: list[Row] = []
        seen_products: set[int] = set()
        for variant in self.assortment.variants_for(rng, row, rng.randint(1, 5)):
            product = self.world.products[variant.product_index]
            by_associate = sent and associate is not None and rng.random() < 0.3
            size_chosen = rng.random() >= 0.2
            if not size_chosen and product.id in seen_products:
                continue  # one "size not chosen yet" row per product
            seen_products.add(product.id)
            items.append(
                dict(
                    product_id=product.id,
                    variant_id=variant.id if size_chosen else None,
                    quantity=1,
                    note=market.list_item_note if rng.random() < 0.1 else "",
                    added_by_associate_id=associate.id if by_associate else None,
                    added_by_name=associate.display_name if by_associate else "",
                    added_at=created + dt.timedelta(hours=rng.uniform(0, 24)),
                )
            )
        timeline = [
            dict(
                customer_id=row.id, kind=Interaction.Kind.LIST_CHANGE,
                channel=rng.choice((Channel.WEB, Channel.APP)),
                **stored_text.text("list.created", list=name).columns(),
                subject_type="customers.list", occurred_at=created,
            )
        ]  # fmt: skip
        if sent:
            timeline.append(
                dict(
                    customer_id=row.id, kind=Interaction.Kind.LIST_CHANGE, channel=Channel.WEB,
                    location_id=home.id,
                    **stored_text.text(
                        "list.sent_for", list=name, location=home.name,
                        date=shopping_list["visit_planned_for"].isoformat(),
                    ).columns(),
                    subject_type="customers.list", occurred_at=sent_at,
                )
            )  # fmt: skip
        self.lists.append((shopping_list, items, timeline))

    def write(self) -> None:
        world = self.world
        world.insert(CustomerIdentity, self.identities, "customer identities")
        world.insert(Consent, self.consents, "consents")
        world.insert(ConsentChange, self.consent_changes, "consent changes")
        world.insert(LoyaltyEntry, self.loyalty, "loyalty entries")
        world.insert(StoreCreditEntry, self.credit, "store credit entries")
        world.insert(FollowUpTask, self.tasks, "follow-up tasks")
        notes = world.insert(
            CustomerNote, [note for note, _ in self.notes], "customer notes", ids=True
        )
        for note, (_, timeline) in zip(notes, self.notes, strict=True):
            timeline["subject_id"] = str(note["id"])
            self.interactions.append(timeline)
        lists = world.insert(List, [lst for lst, _, _ in self.lists], "lists", ids=True)
        items = []
        for saved, (_, list_items, timeline) in zip(lists, self.lists, strict=True):
            for item in list_items:
                item["list_id"] = saved["id"]
            for entry in timeline:
                entry["subject_id"] = str(saved["id"])
            items += list_items
            self.interactions += timeline
        world.insert(ListItem, items, "list items")
        world.insert(Interaction, self.interactions, "interactions")


def _loyalty_number(index: int) -> str:
    return f"NW{10_000_000 + index}"


def customers_create(world: DemoWorld) -> None:
    scale = world.scale
    assortment = Assortment(world)
    with transaction.atomic():
        shoppers = [customer_identity(world.seed, i, world.market) for i in range(SHOPPERS)]
        shopper_users = users_create(
            world, [DemoPerson(email, first, last) for first, last, email in shoppers]
        )
    chunk = scale.customer_chunk
    for start in world.progress(
        range(0, scale.customers, chunk), total=-(-scale.customers // chunk), desc="customers"
    ):
        rows = [
            _customer_row(world, i, shopper_users[i]["id"] if i < len(shopper_users) else None)
            for i in range(start, min(start + chunk, scale.customers))
        ]
        with transaction.atomic():
            customers = world.insert(
                Customer, [_customer(world, row) for row in rows], "customers", ids=True
            )
            writer = _CustomerChunk(world, assortment)
            for row, customer in zip(rows, customers, strict=True):
                row.id = customer["id"]
                world.customers.append(row)
                world.customer_index_by_id[row.id] = row.index
                writer.add(row)
            writer.write()


def _customer(world: DemoWorld, row: CustomerRow) -> Row:
    rng = world.rng("customer-extras", row.index)
    home = world.locations[row.home_index] if row.home_index is not None else None
    associates = world.associates_at(home.index) if home else []
    preferences = {}
    if rng.random() < 0.3:
        preferences = {
            "colours": rng.sample(("navy", "camel", "black", "olive", "ivory", "rust"), 2),
            "fit": rng.choice(("slim", "regular", "relaxed")),
        }
    birthday = None
    if rng.random() < 0.4:
        birthday = dt.date(rng.randint(1955, 2004), rng.randint(1, 12), rng.randint(1, 28))
    return dict(
        user_id=row.user_id,
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        phone=row.phone,
        loyalty_number=_loyalty_number(row.index) if row.is_member else None,
        home_store_id=home.id if home else None,
        primary_associate_id=(
            associates[0].id
            if associates and (row.user_id is not None or rng.random() < 0.25)
            else None
        ),
        preferences=preferences,
        birthday=birthday,
        source_channel=weighted(
            rng, ((Channel.WEB, 0.5), (Channel.STORE, 0.35), (Channel.APP, 0.15))
        ),
        created_at=row.created_at,
        # Everything sent to them in the market's language (US: the model's default).
        **({"language": world.market.language} if world.market.language else {}),
    )


def customer_history_complete(world: DemoWorld) -> None:
    """What only the whole order history tells: each customer's size per size group (the
    size they bought most, from any channel), and redemptions by those with the points."""
    rows = (
        OrderLine.objects.exclude(size="")
        .exclude(size="One size")
        .exclude(variant__product__category__size_group="")
        .values_list("order__customer_id", "variant__product__category__size_group", "size")
        .annotate(bought=Count("id"))
        .order_by("order__customer_id", "variant__product__category__size_group", "-bought", "size")
    )
    preferences: list[SizePreference] = []
    last_key = None
    for customer_id, size_group, size, _ in rows.iterator(chunk_size=5000):
        if (customer_id, size_group) == last_key:
            continue
        last_key = (customer_id, size_group)
        index = world.customer_index_by_id[customer_id]
        rng = rng_for(world.seed, "size-edit", index, size_group)
        source = SizePreference.Source.LEARNED
        if size_group == Category.SizeGroup.SHOES and size.isdigit() and rng.random() < 0.1:
            # Told the associate they take a half size up: an edit learning will not overwrite.
            size, source = f"{size}.5", SizePreference.Source.EDITED
        preferences.append(
            dict(
                customer_id=customer_id, size_group=size_group, size=size, source=source,
                updated_at=world.now,
            )
        )  # fmt: skip
        if len(preferences) >= world.scale.batch_size:
            with transaction.atomic():
                world.insert(SizePreference, preferences, "size preferences")
            preferences = []
    with transaction.atomic():
        world.insert(SizePreference, preferences, "size preferences")

    balances = (
        LoyaltyEntry.objects.values_list("customer_id")
        .annotate(balance=Sum("points"))
        .filter(balance__gte=REDEMPTION_POINTS)
        .order_by("customer_id")
    )
    redemptions = []
    for customer_id, _ in balances.iterator(chunk_size=5000):
        rng = rng_for(world.seed, "redemption", world.customer_index_by_id[customer_id])
        if rng.random() < 0.4:
            redemptions.append(
                dict(
                    customer_id=customer_id, points=-REDEMPTION_POINTS,
                    reason=LoyaltyEntry.Reason.REDEMPTION, note=world.market.reward_note,
                    created_at=world.now - dt.timedelta(days=rng.uniform(1, 20)),
                )
            )  # fmt: skip
    for start in range(0, len(redemptions), world.scale.batch_size):
        with transaction.atomic():
            world.insert(
                LoyaltyEntry,
                redemptions[start : start + world.scale.batch_size],
                "loyalty entries",
            )
