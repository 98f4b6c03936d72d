"""seed_demo: the demo retailer loads, says truthfully what it made, keeps every stock,
money and ledger invariant, gives working logins, and is deterministic and idempotent.

The small seed runs once for the module (committed, deleted again at the end); tests that
reseed do it inside their own transaction, which is rolled back afterwards.
"""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from dataclasses import replace
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Q, Sum
from django.test import override_settings

from catalog.models import Category, Price, Product, ProductImage, Variant
from customers.models import (
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
from demo.config import DEMO_PASSWORD, SCALES
from demo.state import demo_data_delete
from inventory.models import Reservation, Stock, StockMovement, Transfer
from orders.models import (
    Cart,
    CartLine,
    CartRecoveryStep,
    Fulfilment,
    FulfilmentLine,
    Order,
    OrderLine,
    Payment,
    Refund,
)
from promotions.models import Promotion, Voucher
from returns.models import Return, ReturnLine
from stores.models import Associate, Location, LocationDistance
from till.models import Register, Shift, TillSale

User = get_user_model()
DEMO_USERS = Q(email__iendswith="@omni.example")

# What the command's "created N <label>" lines count, table by table.
LABELS = {
    "locations": Location.objects.all,
    "location distances": LocationDistance.objects.all,
    "demo users": lambda: User.objects.filter(DEMO_USERS),
    "associates": Associate.objects.all,
    "categories": Category.objects.all,
    "products": Product.objects.all,
    "related product links": Product.related_products.through.objects.all,
    "variants": Variant.objects.all,
    "prices": Price.objects.all,
    "product images": ProductImage.objects.all,
    "customers": Customer.objects.all,
    "customer identities": CustomerIdentity.objects.all,
    "consents": Consent.objects.all,
    "consent changes": ConsentChange.objects.all,
    "customer notes": CustomerNote.objects.all,
    "follow-up tasks": FollowUpTask.objects.all,
    "lists": List.objects.all,
    "list items": ListItem.objects.all,
    "stock rows": Stock.objects.all,
    "stock movements": StockMovement.objects.all,
    "reservations": Reservation.objects.all,
    "transfers": Transfer.objects.all,
    "promotions": Promotion.objects.all,
    "discount codes": Voucher.objects.all,
    "orders": Order.objects.all,
    "order lines": OrderLine.objects.all,
    "fulfilments": Fulfilment.objects.all,
    "fulfilment lines": FulfilmentLine.objects.all,
    "payments": Payment.objects.all,
    "returns": Return.objects.all,
    "return lines": ReturnLine.objects.all,
    "refunds": Refund.objects.all,
    "carts": Cart.objects.all,
    "cart lines": CartLine.objects.all,
    "cart recovery steps": CartRecoveryStep.objects.all,
    "size preferences": SizePreference.objects.all,
    "loyalty entries": LoyaltyEntry.objects.all,
    "store credit entries": StoreCreditEntry.objects.all,
    "interactions": Interaction.objects.all,
    "registers": Register.objects.all,
    "shifts": Shift.objects.all,
    "till sales": TillSale.objects.all,
}


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def created_counts(output: str) -> Counter:
    """Sum the per-phase "created N <label>, N <label>  [t s]" lines of the output."""
    totals: Counter = Counter()
    for match in re.finditer(r"created (.+?)  \[", output):
        for part in match.group(1).split(", "):
            number, label = part.split(" ", 1)
            totals[label] += int(number)
    return totals


def database_counts() -> dict[str, int]:
    return {label: queryset().count() for label, queryset in LABELS.items()}


def printed_logins(output: str) -> list[list[str]]:
    table = output.split("Demo logins", 1)[1].splitlines()[2:]
    return [re.split(r"\s{2,}", line.strip()) for line in table if "@" in line]


def fingerprint() -> dict:
    """Natural keys and the numbers that matter, independent of ids and timestamps."""
    return {
        "locations": sorted(
            Location.objects.values_list("code", "name", "postcode", "latitude", "longitude")
        ),
        "variants": sorted(Variant.objects.values_list("sku", "barcode", "size", "colour")),
        "prices": sorted(Price.objects.values_list("variant__sku", "amount", "compare_at_amount")),
        "stock": sorted(
            Stock.objects.values_list("variant__sku", "location__code", "on_hand", "reserved")
        ),
        "customers": sorted(
            Customer.objects.values_list("email", "phone", "loyalty_number", "home_store__code")
        ),
        "orders": sorted(
            Order.objects.values_list(
                "number",
                "customer__email",
                "channel",
                "status",
                "subtotal",
                "discount_total",
                "shipping_total",
                "tax_total",
                "total",
            )
        ),
        "order lines": sorted(
            OrderLine.objects.values_list("order__number", "sku", "quantity", "line_total")
        ),
        "returns": sorted(Return.objects.values_list("number", "order__number", "refund_total")),
        "carts": sorted(Cart.objects.values_list("token", "status", "email")),
        "users": sorted(User.objects.filter(DEMO_USERS).values_list("email", flat=True)),
        "counts": database_counts(),
    }


@pytest.fixture(scope="module")
def demo_settings(tmp_path_factory):
    """Images in a temporary MEDIA_ROOT (the session's fast hasher keeps checking every
    printed login by authenticating it cheap), on a developer's machine (DEBUG on: the
    command refuses to run otherwise, see the production tests below)."""
    with override_settings(
        MEDIA_ROOT=str(tmp_path_factory.mktemp("media")),
        DEBUG=True,
    ):
        yield


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, demo_settings) -> str:
    """The small demo, seeded once for the module; its output."""
    with django_db_blocker.unblock():
        output = seed()
        yield output
        demo_data_delete()


pytestmark = pytest.mark.django_db


def test_printed_counts_match_the_database(seeded):
    printed = created_counts(seeded)
    assert printed == {label: n for label, n in database_counts().items() if n}
    assert printed["locations"] == 14
    assert Location.objects.filter(kind="store").count() == 12
    assert 35 <= printed["products"] <= 45
    assert 350 <= printed["variants"] <= 450
    assert printed["customers"] == 200
    # 360 orders of history, and the few parcels the "transfers" phase sends from a store.
    assert 360 < printed["orders"] <= 367
    assert printed["transfers"] == 9
    assert printed["returns"] > 0
    assert printed["carts"] > 0


def test_a_second_run_changes_nothing(seeded):
    before = fingerprint()

    again = seed()

    assert "already seeded" in again
    assert fingerprint() == before
    assert printed_logins(again) == printed_logins(seeded)


def test_every_location_pair_has_a_distance(seeded):
    locations = Location.objects.count()
    assert LocationDistance.objects.count() == locations * locations  # itself at 0 km
    assert not LocationDistance.objects.filter(origin=F("destination"), distance_km__gt=0)
    boston_to_new_haven = LocationDistance.objects.get(
        origin__code="BOS01", destination__code="NHV01"
    )
    assert Decimal("180") < boston_to_new_haven.distance_km < Decimal("200")
    assert all(len(loc.opening_hours) == 7 for loc in Location.objects.filter(kind="store")), (
        "opening hours for every weekday"
    )


def test_the_stock_ledger_sums_to_on_hand_and_holds_match_reserved(seeded):
    ledger = {
        (row["variant_id"], row["location_id"]): row["total"]
        for row in StockMovement.objects.values("variant_id", "location_id").annotate(
            total=Sum("delta")
        )
    }
    held = {
        row["stock_id"]: row["total"]
        for row in Reservation.objects.filter(status=Reservation.Status.ACTIVE)
        .values("stock_id")
        .annotate(total=Sum("quantity"))
    }
    rows = list(Stock.objects.values("id", "variant_id", "location_id", "on_hand", "reserved"))
    for row in rows:
        assert ledger.get((row["variant_id"], row["location_id"]), 0) == row["on_hand"], row
        assert 0 <= row["reserved"] <= row["on_hand"], row
        assert held.get(row["id"], 0) == row["reserved"], row
    assert any(row["on_hand"] == 0 for row in rows)
    assert any(1 <= row["on_hand"] <= 3 for row in rows), "some 'only N left'"
    assert sum(row["reserved"] for row in rows) > 0


def test_pickups_waiting_in_the_queue_hold_their_units(seeded):
    statuses = set(
        Fulfilment.objects.filter(kind=Fulfilment.Kind.PICKUP).values_list("status", flat=True)
    )
    assert {"placed", "picking", "ready", "collected"} <= statuses
    waiting = Fulfilment.objects.filter(
        kind=Fulfilment.Kind.PICKUP, status__in=["placed", "picking", "ready"]
    ).prefetch_related("lines__order_line")
    for fulfilment in waiting:
        holds = Reservation.objects.filter(
            kind=Reservation.Kind.PICKUP,
            status=Reservation.Status.ACTIVE,
            reference_type="orders.order",
            reference_id=str(fulfilment.order_id),
            stock__location=fulfilment.location,
        )
        assert holds.aggregate(n=Sum("quantity"))["n"] == sum(
            line.quantity for line in fulfilment.lines.all()
        )


def test_every_order_adds_up_in_decimal(seeded):
    orders = Order.objects.prefetch_related("lines", "payments")
    for order in orders:
        lines = list(order.lines.all())
        assert lines, order.number
        for line in lines:
            assert line.line_total == line.unit_price * line.quantity
        assert order.subtotal == sum(line.line_total for line in lines)
        assert order.total == (
            order.subtotal + order.shipping_total - order.discount_total + order.tax_total
        )
        assert all(p.amount == order.total for p in order.payments.all())
        assert re.fullmatch(r"[WASPM]\d{6,7}", order.number)
    store_orders = Order.objects.filter(channel="store")
    assert not store_orders.filter(location__isnull=True).exists()
    assert store_orders.filter(associate__isnull=False).exists()
    assert set(Order.objects.values_list("channel", flat=True)) == {
        "web", "app", "store", "phone", "marketplace"
    }  # fmt: skip


def test_returns_stay_within_what_was_bought_and_refunds_match(seeded):
    returned = defaultdict(int)
    for line in ReturnLine.objects.all():
        returned[line.order_line_id] += line.quantity
    bought = dict(OrderLine.objects.values_list("id", "quantity"))
    assert all(quantity <= bought[line_id] for line_id, quantity in returned.items())
    for ret in Return.objects.annotate(lines_total=Sum("lines__refund_amount")):
        assert ret.refund_total == ret.lines_total
        assert ret.order.customer_id == ret.customer_id
    refunded = Return.objects.filter(refund_total__gt=0)
    assert refunded.filter(refund_method="original").exists()
    for ret in refunded.filter(refund_method="store_credit"):
        assert (
            StoreCreditEntry.objects.get(
                reference_type="returns.return", reference_id=str(ret.pk)
            ).amount
            == ret.refund_total
        )


def test_customers_identities_consents_and_timeline(seeded):
    for kind, value in CustomerIdentity.objects.values_list("kind", "value"):
        if kind == "email":
            assert value == value.lower()
        if kind == "phone":
            assert re.fullmatch(r"\+1\d{10}", value)
    for channel in ContactChannel.values:
        states = set(Consent.objects.filter(channel=channel).values_list("state", flat=True))
        assert states == set(ConsentState.values), channel
    for consent in Consent.objects.all()[:200]:
        latest = ConsentChange.objects.filter(
            customer_id=consent.customer_id, channel=consent.channel
        ).first()  # ordered newest first
        assert latest.state == consent.state
    order_entries = Interaction.objects.filter(kind="order", subject_type="orders.order")
    assert order_entries.values("subject_id").distinct().count() == Order.objects.count()
    assert Interaction.objects.filter(kind="return").count() == Return.objects.count()
    assert SizePreference.objects.filter(customer__email="olivia.shopper@omni.example").exists()
    assert List.objects.filter(store_status__in=["new", "prepared"]).exists()
    balances = LoyaltyEntry.objects.values("customer_id").annotate(points=Sum("points"))
    assert all(row["points"] >= 0 for row in balances)
    assert Cart.objects.filter(status="open", lines__isnull=False).exclude(email="").exists()


def test_every_timeline_entry_of_the_demo_reads_in_the_readers_language(seeded):
    """The demo writes keys, never English sentences: a newcomer who switches the
    back-office to Thai reads the 360's timeline in Thai."""
    from omni import stored_text

    legacy = Interaction.objects.filter(summary_key="").values_list("summary", flat=True)[:5]
    assert list(legacy) == []
    keys = set(Interaction.objects.values_list("summary_key", flat=True).distinct())
    assert all(stored_text.is_registered(key) for key in keys), keys


def test_the_printed_logins_work(seeded):
    logins = printed_logins(seeded)
    roles = Counter(role for role, *_ in logins)
    assert roles == {"superuser": 1, "merchandiser": 1, "manager": 1, "associate": 11, "shopper": 2}
    for _role, email, password, *_ in logins:
        user = authenticate(username=email, password=password)
        assert user is not None, email
        assert EmailAddress.objects.filter(user=user, email=email, verified=True, primary=True)
    merch = User.objects.get(email="merch@omni.example")
    assert merch.is_staff and not merch.is_superuser
    assert merch.has_perms(["catalog.change_product", "inventory.add_stock", "orders.view_order"])
    assert not merch.has_perm("customers.change_customer")
    stores = Location.objects.filter(kind="store")
    assert stores.annotate(staff=Count("home_associates")).filter(staff=0).count() == 0


def test_with_debug_off_the_seed_refuses_to_run_without_the_explicit_flag(seeded):
    before = fingerprint()
    with (
        override_settings(DEBUG=False),
        pytest.raises(CommandError, match="--i-know-this-is-not-production"),
    ):
        seed("--reset", "--seed", "2")
    assert fingerprint() == before


def test_outside_debug_no_login_gets_the_published_password(seeded):
    with override_settings(DEBUG=False):
        output = seed("--reset", "--seed", "3", "--i-know-this-is-not-production")
        again = seed("--seed", "3", "--i-know-this-is-not-production")

    admin = User.objects.get(is_superuser=True, email__iendswith="@omni.example")
    assert authenticate(username=admin.email, password=DEMO_PASSWORD) is None
    logins = printed_logins(output)
    passwords = {password for _role, _email, password, *_ in logins}
    assert len(passwords) == 1 and DEMO_PASSWORD not in passwords
    (password,) = passwords
    assert len(password) >= 16
    assert authenticate(username=admin.email, password=password) == admin
    assert "random password, shown only now" in output
    # Printed once: a later run does not know it and does not show it.
    assert "already seeded" in again and password not in again


def test_another_seed_is_refused_unless_reset_and_then_changes_the_data(seeded):
    first = fingerprint()
    with pytest.raises(CommandError, match="--reset"):
        seed("--seed", "2")
    assert fingerprint() == first

    seed("--reset", "--seed", "2")

    second = fingerprint()
    assert second["locations"] == first["locations"]  # the small scale's towns are curated
    assert second["customers"] != first["customers"]
    assert second["stock"] != first["stock"]
    assert second["orders"] != first["orders"]


def test_the_large_scale_path_on_a_shrunken_config_is_deterministic(seeded, monkeypatch):
    tiny = replace(
        SCALES["large"],
        stores=6,
        warehouses=2,
        products=24,
        customers=60,
        orders=150,
        recent_orders=30,
        open_carts=10,
    )
    monkeypatch.setitem(SCALES, "large", tiny)

    output = seed("--scale", "large", "--reset", "--seed", "7")

    assert created_counts(output) == {label: n for label, n in database_counts().items() if n}
    assert Location.objects.filter(kind="warehouse", code__startswith="WH").count() == 2
    assert ProductImage.objects.count() == 0
    # Every warehouse holds everything (but the gift card: no stock); stores only part.
    variants = Variant.objects.filter(gift_card_product__isnull=True).count()
    assert Stock.objects.filter(location__kind="warehouse").count() == 2 * variants
    assert Stock.objects.filter(location__kind="store").count() < 6 * variants
    assert "already seeded" in seed("--scale", "large", "--seed", "7")

    first = fingerprint()
    seed("--scale", "large", "--reset", "--seed", "7")
    assert fingerprint() == first, "a fresh run with the same seed writes the same data"


# --- the README's tour holds for the demo data ------------------------------------------


def _backoffice(email: str):
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(email=email))
    return client


def _tile(page: str, label: str) -> int:
    match = re.search(rf'class="ops-count">(\d+)</strong><span>{re.escape(label)}<', page)
    assert match, label
    return int(match.group(1))


def _won_back(page: str) -> list[str]:
    panel = page.split('id="recovery-title"', 1)[1]
    assert "No abandoned-cart reminders" not in panel
    return re.findall(r"<td>([^<]+)</td>", re.search(r"<tfoot>.*?</tfoot>", panel, re.S).group(0))


def test_the_tours_associates_find_tasks_lists_pickups_and_carts_won_back(seeded):
    jonah = _backoffice("jonah.nhv01@omni.example")
    today = jonah.get("/backoffice/").content.decode()
    assert "Today at New Haven" in today
    assert _tile(today, "My tasks due") > 0
    assert 'class="card bo-task"' in jonah.get("/backoffice/tasks/").content.decode()
    sent, _opened, orders, value = _won_back(today)
    assert int(sent) > 0 and int(orders) > 0 and value.startswith("$")

    grace = _backoffice("grace.noh01@omni.example")
    today = grace.get("/backoffice/").content.decode()
    assert "Today at Northampton" in today
    assert _tile(today, "New lists sent here") > 0
    assert _tile(today, "Pickups to prepare") + _tile(today, "Ready, awaiting collection") > 0
    assert int(_won_back(today)[2]) > 0
    assert 'class="card bo-queue-card"' in grace.get("/backoffice/lists/").content.decode()


def test_every_stores_today_page_shows_carts_won_back_by_reminder_emails(seeded):
    for associate in Associate.objects.select_related("user", "home_location"):
        page = _backoffice(associate.user.email).get("/backoffice/").content.decode()
        sent, opened, orders, _ = _won_back(page)
        assert int(orders) > 0, associate.home_location.code
        assert int(sent) >= int(opened) >= int(orders)
    # Each recovered order came from its cart after the email and its click.
    steps = CartRecoveryStep.objects.select_related("cart")
    assert steps.exists()
    for step in steps:
        order = Order.objects.get(cart=step.cart)
        assert step.emailed and step.created_at < step.first_clicked_at < order.placed_at
        assert step.cart.status == Cart.Status.CONVERTED
    # The admin lists them (Orders › Cart recovery steps).
    admin = _backoffice("admin@omni.example")
    assert admin.get("/admin/orders/cartrecoverystep/").status_code == 200


def test_every_store_has_a_register_with_a_few_days_of_shifts(seeded):
    from till.services import shift_report

    stores = Location.objects.filter(kind=Location.Kind.STORE, is_active=True)
    registers = Register.objects.filter(location__in=stores)
    assert registers.count() == stores.count()
    for register in registers:
        shifts = list(Shift.objects.filter(register=register).order_by("opened_at"))
        if not shifts:  # a store without staff has a register but no shifts
            continue
        assert len(shifts) == 3 and all(s.status == "closed" for s in shifts)
        for shift in shifts:
            report = shift_report(shift=shift)
            assert report.kind == "Z"
            assert shift.counted_cash - shift.expected_cash == shift.variance
            assert report.sales_total == sum(
                (s.order.total for s in shift.sales.select_related("order")), Decimal("0.00")
            )
    assert Shift.objects.filter(sales__isnull=False).exists()


def test_the_demo_merchandiser_runs_offers_and_newsletters_in_the_admin(seeded, client):
    """The issue's merchandiser creates promotions and codes and sends newsletters in the
    admin: the demo login may, and reads gift cards without issuing them there."""
    merch = get_user_model().objects.get(email="merch@omni.example")
    client.force_login(merch)
    for url in (
        "/admin/promotions/promotion/add/",
        "/admin/promotions/promotion/",
        "/admin/campaigns/segment/add/",
        "/admin/giftcards/giftcard/",
        "/admin/numbers/",
    ):
        assert client.get(url).status_code == 200, url
    assert not merch.has_perm("giftcards.add_giftcard")
