"""The market an install sells in: country, currency, languages, tax, phones, addresses,
distances, calendar and payment methods — one record, read everywhere through
``current_market()``.

An install picks its market with ``OMNI_MARKET`` (TH, VN, PH, IR or US; US by default) and
may override any part of it with ``OMNI_MARKET_JSON`` (``{"currency_display": "toman"}``)
or the older single settings (``OMNI_CURRENCY``, ``OMNI_TAX_RATE``, ``TIME_ZONE``). The data
model never assumes the market: every stored amount carries its currency, every address
its country, so one install can later sell in several.

This module is plain Python (no Django import at module level) because the settings read it
to choose the languages, the time zone and the first day of the week.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

# Payment methods a checkout can offer (the market lists them in the order its shoppers
# expect them). "card": a card provider; "qr": a bank-app QR payment (PromptPay in
# Thailand, VietQR, QR Ph, Shetab-linked apps in Iran); "cod": cash on delivery;
# "pay_at_pickup": paid at the store when collected.
PAYMENT_METHODS = ("card", "qr", "cod", "pay_at_pickup")

# Calendars dates can be shown in.
GREGORIAN, BUDDHIST, PERSIAN = "gregorian", "buddhist", "persian"


def _rates(**rates: str) -> Mapping[str, Decimal]:
    return MappingProxyType({name: Decimal(rate) for name, rate in rates.items()})


@dataclass(frozen=True)
class Market:
    code: str
    # ISO 3166-1 alpha-2 of the country the shop sells in: the default of every address
    # form and of phone numbers typed without a country code.
    country: str
    # ISO 4217; every stored amount also carries its own.
    currency: str
    default_language: str
    # The languages the storefront offers, default first.
    languages: tuple[str, ...]
    # The shop's own time zone (each store keeps its own for its hours and deadlines).
    time_zone: str
    # "km" or "mi": how distances to stores are shown.
    distance_unit: str
    # 0 is Sunday, 1 Monday, 6 Saturday (Django's FIRST_DAY_OF_WEEK).
    first_day_of_week: int
    # The calendar dates are shown in for each language; a language not listed uses the
    # Gregorian calendar. Thai receipts carry Buddhist Era years; Persian uses Solar Hijri.
    calendars: Mapping[str, str]
    # True where shelf prices include the tax (VAT); False where tax is added at checkout
    # (US sales tax).
    prices_include_tax: bool
    # Tax rates by tax class (a category's tax class; "standard" when it has none).
    tax_rates: Mapping[str, Decimal]
    # Payment methods offered at checkout, in the order the shop shows them.
    payment_methods: tuple[str, ...]
    # How amounts in the currency are shown: "" the currency itself; "toman" shows Iranian
    # rial amounts in toman (a tenth), as Iranian shops price.
    currency_display: str = ""
    # Shipping to a home address: a flat fee, free from a threshold (local price points).
    shipping_flat: Decimal = Decimal("0")
    free_shipping_over: Decimal = Decimal("0")
    # A cart worth at least this much becomes a follow-up task for the shopper's home
    # store (OMNI_ABANDONED_CART_HIGH_VALUE overrides): a local price point, like shipping.
    high_value_cart: Decimal = Decimal("0")
    # What a gift card may be worth (sold or issued): local price points, like shipping
    # (OMNI_GIFT_CARD_MIN / OMNI_GIFT_CARD_MAX override).
    gift_card_min: Decimal = Decimal("0")
    gift_card_max: Decimal = Decimal("0")
    # The largest difference between counted and expected cash an associate may close a
    # till's shift with (above it, a manager): a local price point, like shipping
    # (OMNI_TILL_VARIANCE_LIMIT overrides).
    till_variance_limit: Decimal = Decimal("0")
    # The seller's tax ID printed on receipts and tax invoices (empty: none printed).
    seller_tax_id: str = ""
    # The seller's legal name and registered address on receipts and tax invoices (empty
    # name: OMNI_SITE_NAME; empty address: none printed).
    seller_name: str = ""
    seller_address: str = ""
    # Where a market that adds tax at checkout finds its rate: "us_states" (the state base
    # rate of the destination, or of the store for pickups: orders.services.sales_tax);
    # empty: the standard rate of ``tax_rates``.
    sales_tax_table: str = ""
    # The name of the tax on receipts ("VAT", "Sales tax"): a key of omni.markets labels.
    tax_name: str = "vat"
    extra: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def standard_tax_rate(self) -> Decimal:
        return self.tax_rates.get("standard", Decimal("0"))

    def tax_rate(self, tax_class: str = "") -> Decimal:
        """The rate of a tax class, the standard rate for a class the market has not."""
        return self.tax_rates.get(tax_class or "standard", self.standard_tax_rate)

    def calendar_for(self, language: str) -> str:
        return self.calendars.get(language, GREGORIAN)


ALL_LANGUAGES = ("en", "th", "fa", "fil", "vi")

MARKETS: Mapping[str, Market] = MappingProxyType(
    {
        "US": Market(
            code="US",
            country="US",
            currency="USD",
            default_language="en",
            # A US shop serves its neighbourhoods: every language the product speaks.
            languages=ALL_LANGUAGES,
            time_zone="America/New_York",
            distance_unit="mi",
            first_day_of_week=0,
            calendars=MappingProxyType({"fa": PERSIAN}),
            prices_include_tax=False,
            # Sales tax is added at checkout from the state's rate (orders' tax table).
            tax_rates=_rates(standard="0"),
            payment_methods=("card", "pay_at_pickup"),
            shipping_flat=Decimal("5.95"),
            free_shipping_over=Decimal("75.00"),
            high_value_cart=Decimal("300.00"),
            gift_card_min=Decimal("5"),
            gift_card_max=Decimal("500"),
            till_variance_limit=Decimal("5.00"),
            tax_name="sales_tax",
            sales_tax_table="us_states",
        ),
        "TH": Market(
            code="TH",
            country="TH",
            currency="THB",
            default_language="th",
            languages=("th", "en"),
            time_zone="Asia/Bangkok",
            distance_unit="km",
            first_day_of_week=0,
            calendars=MappingProxyType({"th": BUDDHIST, "fa": PERSIAN}),
            prices_include_tax=True,
            tax_rates=_rates(standard="0.07", zero="0"),
            payment_methods=("qr", "card", "cod", "pay_at_pickup"),
            shipping_flat=Decimal("50"),
            free_shipping_over=Decimal("1000"),
            high_value_cart=Decimal("10000"),
            gift_card_min=Decimal("100"),
            gift_card_max=Decimal("20000"),
            till_variance_limit=Decimal("100"),
        ),
        "VN": Market(
            code="VN",
            country="VN",
            currency="VND",
            default_language="vi",
            languages=("vi", "en"),
            time_zone="Asia/Ho_Chi_Minh",
            distance_unit="km",
            first_day_of_week=1,
            calendars=MappingProxyType({"fa": PERSIAN}),
            prices_include_tax=True,
            # 10% standard; 5% for the reduced list (e.g. children's books, some foods).
            tax_rates=_rates(standard="0.10", reduced="0.05", zero="0"),
            payment_methods=("cod", "qr", "card", "pay_at_pickup"),
            shipping_flat=Decimal("30000"),
            free_shipping_over=Decimal("500000"),
            high_value_cart=Decimal("7000000"),
            gift_card_min=Decimal("100000"),
            gift_card_max=Decimal("10000000"),
            till_variance_limit=Decimal("100000"),
        ),
        "PH": Market(
            code="PH",
            country="PH",
            currency="PHP",
            default_language="fil",
            languages=("fil", "en"),
            time_zone="Asia/Manila",
            distance_unit="km",
            first_day_of_week=0,
            calendars=MappingProxyType({"fa": PERSIAN}),
            prices_include_tax=True,
            tax_rates=_rates(standard="0.12", zero="0"),
            payment_methods=("cod", "qr", "card", "pay_at_pickup"),
            shipping_flat=Decimal("100"),
            free_shipping_over=Decimal("1500"),
            high_value_cart=Decimal("15000"),
            gift_card_min=Decimal("250"),
            gift_card_max=Decimal("25000"),
            till_variance_limit=Decimal("200"),
        ),
        "IR": Market(
            code="IR",
            country="IR",
            currency="IRR",
            default_language="fa",
            languages=("fa", "en"),
            time_zone="Asia/Tehran",
            distance_unit="km",
            first_day_of_week=6,
            calendars=MappingProxyType({"fa": PERSIAN, "en": GREGORIAN}),
            prices_include_tax=True,
            tax_rates=_rates(standard="0.10", zero="0"),
            payment_methods=("card", "qr", "cod", "pay_at_pickup"),
            currency_display="toman",
            shipping_flat=Decimal("1500000"),
            free_shipping_over=Decimal("30000000"),
            high_value_cart=Decimal("150000000"),
            gift_card_min=Decimal("5000000"),
            gift_card_max=Decimal("1000000000"),
            till_variance_limit=Decimal("5000000"),
        ),
    }
)


def build_market(code: str, overrides: Mapping[str, object] | None = None) -> Market:
    """The market ``code`` with ``overrides`` applied (unknown code: ValueError naming the
    known ones; an unknown part: ValueError naming it)."""
    code = (code or "US").strip().upper()
    if code not in MARKETS:
        raise ValueError(f"OMNI_MARKET={code!r}: expected one of {', '.join(MARKETS)}")
    market = MARKETS[code]
    if not overrides:
        return market
    names = {f.name for f in dataclasses.fields(Market)}
    changes: dict[str, object] = {}
    for name, value in overrides.items():
        if name not in names or name == "code":
            raise ValueError(f"OMNI_MARKET_JSON: {name!r} is not a part of a market")
        changes[name] = _coerce(name, value)
    return dataclasses.replace(market, **changes)


def _coerce(name: str, value: object) -> object:
    # JSON has no Decimal, tuple or read-only mapping; money and rates never go via float.
    if name == "tax_rates":
        return MappingProxyType({k: Decimal(str(v)) for k, v in dict(value).items()})
    if name == "calendars" or name == "extra":
        return MappingProxyType(dict(value))
    if name in ("languages", "payment_methods"):
        return tuple(value)
    if name in (
        "shipping_flat",
        "free_shipping_over",
        "high_value_cart",
        "gift_card_min",
        "till_variance_limit",
        "gift_card_max",
    ):
        return Decimal(str(value))
    return value


def current_market() -> Market:
    """The install's market (``settings.OMNI_MARKET_CONFIG``, built once by the settings)."""
    from django.conf import settings

    return settings.OMNI_MARKET_CONFIG
