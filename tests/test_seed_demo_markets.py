"""seed_demo per market: with the install set to Thailand, Vietnam, the Philippines or
Iran, the demo is a local chain — stores in the country's cities (coordinates inside it,
its time zone, its phone numbers), people with local names in the local script speaking
the market's language, the catalogue in that language, prices on local price points in
the local currency with VAT included — and the storefront shows it.

Each market is seeded once (committed, deleted again after its tests), like
tests/test_seed_demo.py does for the US demo.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings

from catalog.models import Price, Product
from customers.models import Customer, CustomerIdentity
from demo.catalog import CURATED_PRODUCTS, product_specs
from demo.config import SCALES
from demo.markets import demo_market
from demo.state import demo_data_delete
from omni.markets import build_market
from orders.models import Order, Payment
from stores.models import Associate, Location

THAI = re.compile(r"[\u0e00-\u0e7f]")
PERSIAN = re.compile(r"[\u0600-\u06ff]")
# Letters Vietnamese writes and English does not (ă â đ ê ô ơ ư and the tone marks).
VIETNAMESE = re.compile(
    r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.I
)


@dataclass(frozen=True)
class Case:
    code: str
    language: str
    currency: str
    time_zone: str
    calling_code: str
    postcode: str  # the country's postcode format
    # (south, north, west, east): the country's bounding box.
    box: tuple[float, float, float, float]
    script: re.Pattern | None  # names in the local script; None: Latin (Filipino)
    whole_units: bool  # no minor units (VND, IRR)


CASES = {
    "th": Case("TH", "th", "THB", "Asia/Bangkok", "+66", r"\d{5}", (5.6, 20.5, 97.3, 105.7),
               THAI, False),
    "vn": Case("VN", "vi", "VND", "Asia/Ho_Chi_Minh", "+84", r"\d{5}",
               (8.2, 23.4, 102.1, 109.5), VIETNAMESE, True),
    "ph": Case("PH", "fil", "PHP", "Asia/Manila", "+63", r"\d{4}", (4.5, 21.2, 116.9, 126.7),
               None, False),
    "ir": Case("IR", "fa", "IRR", "Asia/Tehran", "+98", r"\d{10}", (25.0, 39.8, 44.0, 63.4),
               PERSIAN, True),
}  # fmt: skip


def market_settings(case: Case, **extra):
    """The settings an install with ``OMNI_MARKET=<code>`` has (project/settings.py)."""
    market = build_market(case.code)
    return override_settings(
        OMNI_MARKET=case.code,
        OMNI_MARKET_CONFIG=market,
        OMNI_CURRENCY=market.currency,
        OMNI_SHIPPING_FLAT=str(market.shipping_flat),
        OMNI_FREE_SHIPPING_OVER=str(market.free_shipping_over),
        OMNI_TAX_RATE=str(market.standard_tax_rate),
        TIME_ZONE=market.time_zone,
        **extra,
    )


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture(scope="module", params=sorted(CASES))
def seeded(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """One market's demo, seeded once for its tests with the install set to that market."""
    case = CASES[request.param]
    with (
        market_settings(
            case, DEBUG=True, MEDIA_ROOT=str(tmp_path_factory.mktemp(f"media-{case.code}"))
        ),
        django_db_blocker.unblock(),
    ):
        output = seed("--market", request.param)
        yield case, output
        demo_data_delete()


pytestmark = pytest.mark.django_db


def test_the_chain_has_stores_in_the_countrys_cities(seeded):
    case, output = seeded
    stores = Location.objects.filter(kind="store")
    assert 4 <= stores.count() <= 6
    assert Location.objects.filter(kind="warehouse").exists()
    south, north, west, east = case.box
    for location in Location.objects.all():
        assert location.country == case.code, location.code
        assert south < location.latitude < north and west < location.longitude < east, location.code
        assert location.timezone == case.time_zone
        assert location.phone.startswith(case.calling_code), location.phone
        assert re.fullmatch(case.postcode, location.postcode), location.postcode
        assert location.city and location.region and location.address_line1
    if case.script is not None:
        assert all(case.script.search(store.name) for store in stores)
    assert "Demo logins" in output


def test_people_have_local_names_phones_and_the_markets_language(seeded):
    case, _ = seeded
    customers = list(Customer.objects.all())
    assert len(customers) == SCALES["small"].customers
    if case.script is not None:
        local = [c for c in customers if case.script.search(f"{c.first_name} {c.last_name}")]
        assert len(local) > len(customers) * 0.9
        # Every Thai or Persian name is in its script; not every Vietnamese one needs a
        # diacritic ("Thu Trang").
        every = all if case.script in (THAI, PERSIAN) else any
        assert every(case.script.search(a.display_name) for a in Associate.objects.all())
    assert {c.language for c in customers} == {case.language}
    assert set(Associate.objects.values_list("language", flat=True)) == {case.language}
    phones = [c.phone for c in customers if c.phone]
    assert phones and all(re.fullmatch(rf"\{case.calling_code}\d{{8,10}}", p) for p in phones)
    identities = CustomerIdentity.objects.filter(kind="phone").values_list("value", flat=True)
    assert all(value.startswith(case.calling_code) for value in identities)
    for customer in customers[:20]:
        address = customer.orders.exclude(shipping_address={}).values_list(
            "shipping_address", flat=True
        )
        for shipped_to in address[:1]:
            if "line1" in shipped_to:
                assert shipped_to["country"] == case.code
                assert re.fullmatch(case.postcode, shipped_to["postcode"])
                assert shipped_to["city"] and shipped_to["region"] and shipped_to["line2"]
    # Logins are ASCII (the shopper's is the first name's spelling).
    assert all(re.fullmatch(r"[a-z]+\.[a-z0-9]+@omni\.example", a.user.email) for a in
               Associate.objects.select_related("user"))  # fmt: skip


def test_the_catalogue_speaks_the_language_at_local_prices(seeded):
    case, _ = seeded
    products = list(Product.objects.all())
    for product in products:  # every name and description in the market's language
        assert getattr(product, f"name_{case.language}"), product.slug
        assert getattr(product, f"description_{case.language}"), product.slug
    if case.script is not None:
        assert all(case.script.search(getattr(p, f"name_{case.language}")) for p in products)
    assert all(p.name_en and p.name_en.isascii() for p in products), "English stays in name_en"
    prices = list(Price.objects.all())
    assert {price.currency for price in prices} == {case.currency}
    points = set(demo_market(case.code).price_points)
    full_prices = [p.compare_at_amount or p.amount for p in prices]
    assert all(amount in points for amount in full_prices), "shelf prices on local points"
    if case.whole_units:
        assert all(p.amount == p.amount.to_integral_value() for p in prices)
    assert set(Order.objects.values_list("currency", flat=True)) == {case.currency}
    assert set(Payment.objects.values_list("currency", flat=True)) == {case.currency}


def test_orders_include_vat_and_add_up(seeded):
    case, _ = seeded
    rate = build_market(case.code).standard_tax_rate
    orders = Order.objects.prefetch_related("lines")
    assert orders.count() >= SCALES["small"].orders
    for order in orders:
        net = order.subtotal - order.discount_total
        assert order.subtotal == sum(line.line_total for line in order.lines.all())
        # The shelf price includes VAT: it is shown, not added.
        assert order.total == net + order.shipping_total, order.number
        # VAT inside the goods and inside the delivery fee (both at the standard rate
        # here), each line rounded to the currency: within a unit per line.
        inside = (net + order.shipping_total) * rate / (1 + rate)
        assert abs(order.tax_total - inside) <= len(order.lines.all()) + 1, order.number
        assert order.prices_include_tax, order.number
        assert order.tax_total == order.shipping_tax + sum(
            line.tax_amount for line in order.lines.all()
        ), order.number
        if case.whole_units:
            assert order.total == order.total.to_integral_value()


def test_the_storefront_shows_the_local_shop_in_its_language(seeded):
    case, _ = seeded
    client = Client()
    home = client.get(f"/{case.language}/")
    assert home.status_code == 200
    page = home.content.decode()
    assert f'lang="{case.language}"' in page
    product = Product.objects.order_by("pk").first()
    response = client.get(f"/{case.language}/p/{product.slug}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert getattr(product, f"name_{case.language}") in page
    stores = client.get(f"/{case.language}/stores/")
    assert stores.status_code == 200
    assert Location.objects.filter(kind="store").first().name in stores.content.decode()


def test_a_second_run_is_already_seeded(seeded):
    case, _ = seeded
    assert "already seeded" in seed("--market", case.code.lower())


def test_another_markets_demo_is_refused_with_the_setting_to_use(db):
    """The install sells in the US (the default): a Thai demo would price in dollars."""
    before = Location.objects.count()
    with pytest.raises(CommandError, match="OMNI_MARKET=TH"):
        seed("--market", "th")
    assert Location.objects.count() == before


def test_the_local_markets_have_the_small_scale_only(db):
    with market_settings(CASES["th"]), pytest.raises(CommandError, match="small scale"):
        seed("--market", "th", "--scale", "large")


def test_the_us_catalogue_is_the_curated_one_in_dollars():
    """The default demo is unchanged: every curated product, at its dollar price."""
    specs = product_specs(SCALES["small"], 1)
    assert [s.name for s in specs] == [row[1] for row in CURATED_PRODUCTS]
    assert [s.price for s in specs] == [Decimal(row[2]).quantize(Decimal("0.01"))
                                        for row in CURATED_PRODUCTS]  # fmt: skip


def test_local_price_points():
    th, vn, ir = demo_market("TH"), demo_market("VN"), demo_market("IR")
    assert [th.price(d) for d in (29, 45, 89)] == [Decimal(390), Decimal(590), Decimal(1290)]
    assert vn.price(29) == Decimal(199_000) and vn.price(120) == Decimal(899_000)
    assert ir.price(29) == Decimal(12_900_000)  # 1,290,000 toman
    # A promotion lands on the point below, never on an untidy number.
    assert th.promotion_price(Decimal(1290), Decimal("0.25")) == Decimal(890)


def test_make_demo_market_sets_the_market_and_a_database_of_its_own():
    """``make demo MARKET=th`` seeds and serves with OMNI_MARKET=TH in var/demo-th.sqlite3;
    plain ``make demo`` is what it always was."""
    import shutil
    import subprocess
    from pathlib import Path

    if shutil.which("make") is None:
        pytest.skip("no make on this machine")
    root = Path(__file__).resolve().parent.parent

    def recipe(*args: str) -> list[str]:
        done = subprocess.run(
            ["make", "-n", "demo", *args], cwd=root, capture_output=True, text=True, check=True
        )
        return [line for line in done.stdout.splitlines() if "manage.py" in line]

    themed = [line for line in recipe("MARKET=th") if "catalogues_compile" not in line]
    assert len(themed) == 3  # migrate, seed, serve: each with the market and its database
    assert all("OMNI_MARKET=TH" in line and "var/demo-th.sqlite3" in line for line in themed)
    assert "seed_demo --scale small --market th" in themed[1]
    plain = recipe()
    assert not any("OMNI_MARKET" in line or "var/demo-" in line for line in plain)
    assert any(line.rstrip().endswith("seed_demo --scale small") for line in plain)
