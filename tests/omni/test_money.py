"""Money as each market's shoppers read it (``omni.money.format_money`` and the ``money``
filter), the currency every stored amount carries, and fractions of a currency that has
none refused where people type amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.utils import translation

from catalog.admin import PriceForm
from customers.models import StoreCreditEntry
from customers.selectors import store_credit_balance
from customers.services import store_credit_add
from omni import stored_text
from omni.markets import build_market
from omni.money import (
    MinorUnitsValidator,
    format_money,
    format_money_lazy,
    fraction_error,
    money_param,
    money_text,
)
from orders import services as order_services
from orders.models import Cart, CartRecoveryStep, Order, Payment
from returns.services.records import return_create
from tests import factories as f
from tests.orders.helpers import make_variant, place, receive

NBSP = "\N{NO-BREAK SPACE}"


def market(code: str, **overrides):
    """Settings for an install in market ``code`` (its currency too, as the settings do)."""
    config = build_market(code, overrides or None)
    return override_settings(OMNI_MARKET_CONFIG=config, OMNI_CURRENCY=config.currency)


# --- formatting ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "language", "amount", "currency", "expected"),
    [
        ("US", "en", "1234.5", "USD", "$1,234.50"),
        ("TH", "th", "1234.5", "THB", "฿1,234.50"),
        ("VN", "vi", "1234500", "VND", f"1.234.500{NBSP}₫"),
        ("PH", "fil", "1234.5", "PHP", "₱1,234.50"),
        # English in the Philippines is en_PH: the peso sign, not "PHP".
        ("PH", "en", "1234.5", "PHP", "₱1,234.50"),
        # CLDR's letter symbol gets its space (babel leaves "THB1,234.50").
        ("TH", "en", "1234.5", "THB", f"THB{NBSP}1,234.50"),
        # Rial shown as rial (an Iranian shop that does not price in toman).
        # Persian writes money with Persian digits and separators, as it writes dates.
        ("IR", "fa", "12345000", "IRR", f"\u200eریال{NBSP}۱۲٬۳۴۵٬۰۰۰"),
        ("US", "fa", "1234.5", "USD", f"\u200e${NBSP}۱٬۲۳۴٫۵۰"),
    ],
)
def test_format_money_per_language_and_currency(code, language, amount, currency, expected):
    overrides = {"currency_display": ""} if code == "IR" else {}
    with market(code, **overrides):
        assert format_money(Decimal(amount), currency, language=language) == expected


def test_vnd_has_no_minor_unit_whatever_the_language():
    with market("VN"):
        assert format_money(Decimal("1234500.40"), language="vi") == f"1.234.500{NBSP}₫"
        assert format_money(Decimal("99999.5"), "VND", language="en") == "₫100,000"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fa", "۱٬۲۳۴٬۵۰۱ تومان"), ("en", "1,234,501 Toman")],
)
def test_iranian_rial_in_toman_when_the_market_prices_in_toman(language, expected):
    # 12,345,005 rial is 1,234,500.5 toman: rounded half up to a whole toman.
    with market("IR"):
        assert format_money(Decimal("12345005"), language=language) == expected
        # The toman display is for rial only: a dollar amount stays in dollars.
        assert format_money(Decimal("10"), "USD", language="en") == "$10.00"


def test_active_language_is_used_when_none_is_given():
    with market("TH"), translation.override("th"):
        assert format_money(Decimal("50")) == "฿50.00"
    with market("TH"), translation.override("en"):
        assert format_money(Decimal("50")) == f"THB{NBSP}50.00"


def test_money_filter_uses_the_records_own_currency():
    template = Template("{{ amount|money }} / {{ amount|money:currency }} / {{ none|money }}")
    with market("TH"), translation.override("th"):
        text = template.render(Context({"amount": Decimal("80"), "currency": "USD", "none": None}))
    # Thai writes the US dollar "US$" (CLDR), the baht without a code.
    assert text == "฿80.00 / US$80.00 / "


def test_lazy_money_is_formatted_in_the_language_it_is_rendered_in():
    with market("TH"):
        with translation.override("en"):
            amount = format_money_lazy(Decimal("1200"), "THB")
        with translation.override("th"):
            assert str(amount) == "฿1,200.00"


def test_stored_money_reads_in_the_readers_language():
    param = money_param(Decimal("1234.5"), "THB")
    assert param == {"amount": "1234.50", "currency": "THB"}
    text = stored_text.text("order.placed", number="W0000001", count=2, total=param)
    with market("TH"):
        assert text.render("th").endswith("฿1,234.50")
        assert text.render("en").endswith(f"THB{NBSP}1,234.50")
    # A row written before amounts were stored as amounts keeps its text.
    assert money_text("$12.00") == "$12.00"


# --- a rendered page ----------------------------------------------------------------------


def test_product_page_in_vietnam_shows_dong(client, db):
    with market("VN"):
        variant = make_variant("1234500", size="M")
        response = client.get(f"/vi/p/{variant.product.slug}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"1.234.500{NBSP}₫" in page
    assert "$" not in page.split("<body", 1)[1].split("<script", 1)[0]


def test_product_page_in_iran_shows_toman(client, db):
    with market("IR"):
        variant = make_variant("12500000", size="M")
        persian = client.get(f"/fa/p/{variant.product.slug}/").content.decode()
        english = client.get(
            f"/p/{variant.product.slug}/", HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    assert "۱٬۲۵۰٬۰۰۰ تومان" in persian
    assert "1,250,000 Toman" in english


def test_order_page_shows_the_orders_currency_not_the_installs(client, db):
    user = f.UserFactory()
    customer = f.CustomerFactory(user=user, email=user.email)
    order = f.OrderFactory(customer=customer, currency="THB", total=Decimal("1070"))
    f.OrderLineFactory(order=order, unit_price=Decimal("1070"), quantity=1)
    client.force_login(user)
    with translation.override("th"):
        page = client.get(f"/th/account/orders/{order.number}/").content.decode()
    assert "฿1,070.00" in page


def test_admin_lists_money_in_the_rows_currency(admin_client, db):
    f.StoreCreditEntryFactory(amount=Decimal("150000"), currency="VND")
    page = admin_client.get("/admin/customers/storecreditentry/").content.decode()
    assert "₫150,000" in page


# --- every stored amount carries its currency ---------------------------------------------


def test_new_rows_default_to_the_installs_currency(db):
    with market("VN"):
        assert Order().currency == "VND"
        assert Payment().currency == "VND"
        assert CartRecoveryStep().currency == "VND"
        assert StoreCreditEntry().currency == "VND"
        assert f.PriceFactory(amount=Decimal("250000")).currency == "VND"


def test_checkout_stores_the_prices_currency_on_the_order_and_its_payment(db):
    with market("TH"):
        store = f.LocationFactory(code="BKK")
        variant = make_variant("1290")
        receive(variant, store, 2)
        order = place(
            [(variant.pk, 1)],
            fulfilment=order_services.CarryOut(),
            payment=order_services.PaymentChoice.pay_in_store(),
            channel="store",
            location=store,
            contact=order_services.Contact(email="lek@example.com", first_name="Lek"),
        )
    assert order.currency == "THB"
    assert {p.currency for p in order.payments.all()} == {"THB"}


def test_a_return_is_in_its_orders_currency(db):
    order = f.OrderFactory(currency="PHP")
    made = return_create(order=order, customer=order.customer)
    made.refresh_from_db()
    assert made.currency == "PHP"


def test_store_credit_is_kept_per_currency(db):
    customer = f.CustomerFactory()
    store_credit_add(customer=customer, amount=Decimal("500000"), reason="goodwill", currency="VND")
    store_credit_add(customer=customer, amount=Decimal("20"), reason="goodwill")
    assert set(StoreCreditEntry.objects.values_list("currency", flat=True)) == {"VND", "USD"}
    assert store_credit_balance(customer=customer) == Decimal("20.00")
    assert store_credit_balance(customer=customer, currency="VND") == Decimal("500000")


def test_a_cart_recovery_step_records_its_currency(db):
    step = CartRecoveryStep.objects.create(cart=Cart.objects.create(), stage=1)
    assert step.currency == "USD"


# --- fractions refused --------------------------------------------------------------------


def test_fraction_error_names_the_currency_and_what_is_expected():
    assert fraction_error("12500.50", "VND") == "VND has no minor unit: enter a whole amount."
    assert fraction_error("12500", "VND") is None
    assert fraction_error("12500.00", "IRR") is None
    assert "2 decimals" in fraction_error("1.005", "USD")
    assert fraction_error("not a number", "VND") is None  # the field's own error says so


def test_validator_is_serialisable_and_comparable():
    assert MinorUnitsValidator("VND") == MinorUnitsValidator("VND")
    assert MinorUnitsValidator("VND") != MinorUnitsValidator()
    assert MinorUnitsValidator("VND").deconstruct()[1] == ("VND",)


def test_admin_price_form_refuses_a_fraction_of_a_dong(db):
    variant = f.VariantFactory()
    data = {"variant": variant.pk, "amount": "125000.50", "valid_from": "2026-01-01 00:00"}
    with market("VN"):
        form = PriceForm(data=data)
        assert not form.is_valid()
        assert form.errors["amount"] == ["VND has no minor unit: enter a whole amount."]
        assert form.fields["amount"].widget.attrs["step"] == "1"
        assert PriceForm(data={**data, "amount": "125000"}).is_valid()


def test_admin_store_credit_refuses_a_fraction_of_a_rial(admin_client, db):
    customer = f.CustomerFactory()
    data = {"customer": customer.pk, "amount": "5000.5", "reason": "goodwill", "note": ""}
    with market("IR"):
        response = admin_client.post("/admin/customers/storecreditentry/add/", data)
    assert response.status_code == 200
    # The admin of an Iranian shop speaks Persian (the market's language) by default.
    assert "IRR واحد خرد ندارد: مبلغ را بدون اعشار وارد کنید." in response.content.decode()
    assert not StoreCreditEntry.objects.exists()


def test_a_fraction_is_translated(db):
    with translation.override("vi"):
        assert fraction_error("1.5", "VND") != "VND has no minor unit: enter a whole amount."
