"""Demo logins: the Merchandisers group and a merchandiser, one associate per store (the
first store's is the manager, for every store), shopper accounts for two customers, and
the superuser. Every demo user has a verified primary allauth address, so login by email
works, and the one demo password."""

from __future__ import annotations

import re
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from demo.config import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD
from demo.markets import DemoMarket, Name
from demo.world import AssociateRow, DemoWorld
from stores.models import Associate

User = get_user_model()

MERCHANDISERS = "Merchandisers"
# add, change, view: the catalogue, stores, stock, the offers and the newsletters.
MERCHANDISER_EDITS = ("catalog", "stores", "inventory", "promotions", "campaigns")
# view only (gift cards are issued at the desk or through the API, never in the admin).
MERCHANDISER_VIEWS = (
    "customers",
    "orders",
    "returns",
    "giftcards",
    "messaging",
    "till",
    "reporting",
)
SUPERUSER_EMAIL = f"admin@{DEMO_EMAIL_DOMAIN}"
MERCHANDISER_EMAIL = f"merch@{DEMO_EMAIL_DOMAIN}"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    first_name: str
    last_name: str
    is_staff: bool = False
    is_superuser: bool = False


@dataclass(frozen=True)
class DemoLogin:
    role: str
    login: str
    password: str
    store: str


def demo_users() -> Q:
    """The demo's users: everyone on the demo domain (staff and shopper accounts)."""
    return Q(email__iendswith=f"@{DEMO_EMAIL_DOMAIN}")


def users_create(world: DemoWorld, people: list[DemoPerson]) -> list[dict]:
    """Users with the demo password (hashed once for all: hashing is deliberately slow)
    and a verified primary email address each. The username is the email."""
    users = world.insert(
        User,
        [
            dict(
                username=person.email,
                email=person.email,
                first_name=person.first_name,
                last_name=person.last_name,
                password=world.password_hash,
                is_staff=person.is_staff,
                is_superuser=person.is_superuser,
                date_joined=world.now,
            )
            for person in people
        ],
        "demo users",
        ids=True,
    )
    world.insert(
        EmailAddress,
        [
            dict(user_id=user["id"], email=user["email"], verified=True, primary=True)
            for user in users
        ],
        "email addresses",
    )
    return users


def _merchandisers_group() -> Group:
    group, _ = Group.objects.get_or_create(name=MERCHANDISERS)
    permissions = Permission.objects.filter(
        Q(content_type__app_label__in=MERCHANDISER_EDITS)
        & (
            Q(codename__startswith="add_")
            | Q(codename__startswith="change_")
            | Q(codename__startswith="view_")
        )
        | Q(content_type__app_label__in=MERCHANDISER_VIEWS, codename__startswith="view_")
    )
    group.permissions.set(permissions)
    return group


def _associate_name(market: DemoMarket, index: int) -> Name:
    if index < len(market.associate_names):
        return market.associate_names[index]
    return market.first_names[(index * 7) % len(market.first_names)]


def _login_name(name: Name) -> str:
    """The ASCII part of a demo login (``kanya`` of ``kanya.bkk01@omni.example``)."""
    return re.sub(r"[^a-z]", "", name.latin.lower())


def staff_create(world: DemoWorld) -> None:
    with transaction.atomic():
        group = _merchandisers_group()
        market = world.market
        first, last = market.merchandiser
        (merchandiser,) = users_create(
            world, [DemoPerson(MERCHANDISER_EMAIL, first.local, last.local, is_staff=True)]
        )
        world.insert(
            User.groups.through,
            [dict(user_id=merchandiser["id"], group_id=group.pk)],
            "group memberships",
        )

        stores = world.stores
        people = [
            DemoPerson(
                f"{_login_name(_associate_name(market, i))}.{store.code.lower()}"
                f"@{DEMO_EMAIL_DOMAIN}",
                _associate_name(market, i).local,
                world.rng("associate", i).choice(market.associate_last_names).local,
            )
            for i, store in enumerate(stores)
        ]
        users = users_create(world, people)
        associates = world.insert(
            Associate,
            [
                dict(
                    user_id=user["id"],
                    display_name=person.first_name,
                    home_location_id=store.id,
                    role=Associate.Role.MANAGER if i == 0 else Associate.Role.ASSOCIATE,
                    employee_code=f"E{i + 1:05d}",
                    created_at=world.now,
                    # The back-office in the market's language ("": the browser's).
                    **({"language": market.language} if market.language else {}),
                )
                for i, (store, person, user) in enumerate(zip(stores, people, users, strict=True))
            ],
            "associates",
            ids=True,
        )
        # The manager may act for every store; an associate for their own store and the
        # nearest other one (covering shifts).
        through = Associate.locations.through
        scope = []
        for i, (store, associate) in enumerate(zip(stores, associates, strict=True)):
            if i == 0:
                allowed = stores
            else:
                allowed = [store, world.nearest(store.index, (s for s in stores if s is not store))]
            scope += [dict(associate_id=associate["id"], location_id=loc.id) for loc in allowed]
        world.insert(through, scope, "associate locations")

    for i, (store, associate, user) in enumerate(zip(stores, associates, users, strict=True)):
        row = AssociateRow(
            index=i,
            id=associate["id"],
            user_id=user["id"],
            display_name=associate["display_name"],
            location_index=store.index,
            is_manager=i == 0,
        )
        world.associates.append(row)
        world.associates_by_location.setdefault(store.index, []).append(row)


def admin_create(world: DemoWorld) -> None:
    """The superuser, written last: a demo database with it is a complete seed."""
    with transaction.atomic():
        users_create(
            world,
            [DemoPerson(SUPERUSER_EMAIL, "Ada", "Admin", is_staff=True, is_superuser=True)],
        )


def demo_logins() -> list[DemoLogin]:
    """Read back from the database, so a second run prints the same table."""
    logins = []
    users = (
        User.objects.filter(demo_users())
        .select_related("associate__home_location", "customer__home_store")
        .prefetch_related("groups")
    )
    for user in users:
        associate = getattr(user, "associate", None)
        customer = getattr(user, "customer", None)
        if user.is_superuser:
            role, store, rank = "superuser", "all (admin)", 0
        elif any(g.name == MERCHANDISERS for g in user.groups.all()):
            role, store, rank = "merchandiser", "all (admin)", 1
        elif associate is not None:
            location = associate.home_location
            role = "manager" if associate.is_manager else "associate"
            store = f"{location.code} {location.name}"
            rank = 2 if associate.is_manager else 3
        elif customer is not None:
            home = customer.home_store
            role, store, rank = "shopper", f"home {home.code}" if home else "", 4
        else:
            continue
        logins.append((rank, store, DemoLogin(role, user.email, DEMO_PASSWORD, store)))
    return [login for *_, login in sorted(logins, key=lambda t: (t[0], t[1]))]
