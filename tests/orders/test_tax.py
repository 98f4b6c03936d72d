"""Tax per market: VAT inside the shelf price (Thailand 7%, Vietnam 10% with its reduced
5%, the Philippines 12%, Iran 10%) and US state sales tax added at checkout — exact
Decimal figures on the order, the confirmation page, the email and the receipts; returns
refund the tax that was charged; full tax invoices."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from catalog.models import Category
from omni.markets import build_market
from omni.money import format_money
from orders import selectors, services
from orders.errors import TaxInvoiceInvalid
from orders.models import Order, TaxInvoice
from returns.models import Return, ReturnLine
from returns.services import return_receive
from tests import factories as f
from tests.orders.helpers import ADDRESS, CARD_FIELDS, make_variant, place, receive


@pytest.fixture
def market(settings):
    """``market("TH")``: the install sells in that market, in its currency."""

    def use(code: str, **overrides):
        chosen = build_market(code, overrides or None)
        settings.OMNI_MARKET_CONFIG = chosen
        settings.OMNI_CURRENCY = chosen.currency
        settings.OMNI_SHIPPING_FLAT = str(chosen.shipping_flat)
        settings.OMNI_FREE_SHIPPING_OVER = str(chosen.free_shipping_over)
        settings.OMNI_TAX_RATE = str(chosen.standard_tax_rate)
        return chosen

    return use


@pytest.fixture
def english(client):
    """A shopper whose browser asks for English (the Thai market serves Thai otherwise)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def money(amount: str, code: str) -> str:
    """The amount as shown, its spaces squeezed as ``text_of`` squeezes a page's."""
    return re.sub(r"\s+", " ", format_money(Decimal(amount), code))


def text_of(html: str) -> str:
    """The page's text with tags dropped and spaces squeezed (figures sit in cells)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def variant_in(tax_class: str, price: str):
    category = f.CategoryFactory(tax_class=tax_class)
    return make_variant(price, product=f.ProductFactory(category=category))


def store_sale(store, associate, lines):
    return services.order_place(
        services.OrderRequest.store_sale(
            location=store,
            associate=associate,
            lines=lines,
            fulfilment=services.CarryOut(),
            payment=services.PaymentChoice.card("4242 4242 4242 4242"),
            customer=f.CustomerFactory(email="somchai@example.com"),
        )
    ).order


# --- the pricing function -----------------------------------------------------------------


def test_vat_is_inside_the_shelf_price_per_line(market):
    market("TH")
    totals = services.order_totals(
        lines=[services.TaxableLine(unit_price=Decimal("1070.00"), quantity=2, key="a")],
        ships=False,
    )
    line = totals.line_for("a")
    assert (line.line_total, line.tax_rate, line.tax_amount, line.net) == (
        Decimal("2140.00"),
        Decimal("0.07"),
        Decimal("140.00"),
        Decimal("2000.00"),
    )
    assert (totals.subtotal, totals.tax, totals.total) == (
        Decimal("2140.00"),
        Decimal("140.00"),
        Decimal("2140.00"),
    )


def test_vat_markets_tax_delivery_at_the_standard_rate(market):
    market("PH")  # ₱100 delivery under ₱1,500
    totals = services.order_totals(
        lines=[services.TaxableLine(unit_price=Decimal("560.00"), quantity=1)], ships=True
    )
    # 560 × 12/112 = 60.00; 100 × 12/112 = 10.714... → 10.71
    assert (totals.shipping, totals.shipping_tax, totals.tax, totals.total) == (
        Decimal("100.00"),
        Decimal("10.71"),
        Decimal("70.71"),
        Decimal("660.00"),
    )
    assert [(b.percent, b.net, b.tax, b.gross) for b in totals.bands] == [
        ("12", Decimal("589.29"), Decimal("70.71"), Decimal("660.00"))
    ]


def test_us_tax_is_unknown_until_the_state_is(market):
    market("US")
    lines = [services.TaxableLine(unit_price=Decimal("100.00"), quantity=1)]
    unknown = services.order_totals(lines=lines, ships=False)
    assert (unknown.tax_known, unknown.tax, unknown.total) == (False, Decimal("0.00"), 100)
    new_york = services.order_totals(lines=lines, ships=False, tax_region="ny")
    assert (new_york.tax, new_york.total) == (Decimal("4.00"), Decimal("104.00"))
    oregon = services.order_totals(lines=lines, ships=False, tax_region="OR")
    assert (oregon.tax_known, oregon.tax) == (True, Decimal("0.00"))


def test_the_state_table_has_every_state_and_dc():
    from orders.services.sales_tax import US_STATE_RATES, state_rate

    assert len(US_STATE_RATES) == 51
    assert state_rate("MA") == Decimal("0.0625") and state_rate("CA") == Decimal("0.0725")
    assert state_rate("ZZ") is None


# --- per market, through checkout ---------------------------------------------------------


@pytest.mark.django_db
def test_thailand_pickup_order_page_email_and_receipt(
    english, client, market, places, django_capture_on_commit_callbacks
):
    market("TH", seller_tax_id="0105553123452", seller_name="Omni Siam Co., Ltd.")
    store = places["springfield"]
    shirt = make_variant("1070.00")
    receive(shirt, store, 5)
    client.post("/cart/add/", {"variant": shirt.pk, "quantity": 2, "next": "/cart/"})
    cart_page = text_of(client.get("/cart/").content.decode())
    assert f"incl. VAT {money('140.00', 'THB')}" in cart_page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/checkout/",
            {
                "email": "somchai@example.com",
                "first_name": "Somchai",
                "last_name": "Jaidee",
                "fulfilment": "pickup",
                "store": store.pk,
                "payment": "card",
                **CARD_FIELDS,
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    order = Order.objects.get()
    (line,) = order.lines.all()
    assert (order.currency, order.prices_include_tax) == ("THB", True)
    assert (order.subtotal, order.tax_total, order.shipping_total, order.total) == (
        Decimal("2140.00"),
        Decimal("140.00"),
        Decimal("0.00"),
        Decimal("2140.00"),
    )
    assert (line.tax_rate, line.tax_amount, line.net_total) == (
        Decimal("0.07000"),
        Decimal("140.00"),
        Decimal("2000.00"),
    )
    assert order.payments.get().amount == Decimal("2140.00")

    page = text_of(client.get(response.url).content.decode())
    assert f"Prices include VAT 7%: {money('140.00', 'THB')}" in page
    assert (
        f"7% {money('2000.00', 'THB')} {money('140.00', 'THB')} {money('2140.00', 'THB')}" in page
    )
    assert f"Total {money('2140.00', 'THB')}" in page
    assert "Sales tax" not in page
    assert "Tax ID 0105553123452" in page

    (email,) = [m for m in mail.outbox if order.number in m.subject]
    body = text_of(email.body)
    assert f"Prices include VAT 7%: {money('140.00', 'THB')}" in body
    assert (
        f"VAT 7%: net {money('2000.00', 'THB')}, VAT {money('140.00', 'THB')}, "
        f"gross {money('2140.00', 'THB')}"
    ) in body
    assert f"Total: {money('2140.00', 'THB')}" in body
    assert "Omni Siam Co., Ltd. · Tax ID 0105553123452" in body
    html = text_of(email.alternatives[0][0])
    assert (
        f"7% {money('2000.00', 'THB')} {money('140.00', 'THB')} {money('2140.00', 'THB')}" in html
    )


@pytest.mark.django_db
def test_thailand_store_receipt_carries_the_breakdown_and_the_seller(client, market, places):
    market("TH", seller_tax_id="0105553123452", seller_name="Omni Siam Co., Ltd.")
    store = places["springfield"]
    associate = f.AssociateFactory(home_location=store, language="en")
    shirt = make_variant("1070.00")
    receive(shirt, store, 5)
    order = store_sale(store, associate, [(shirt.pk, 2)])
    client.force_login(associate.user)
    receipt = text_of(
        client.get(reverse("backoffice:aisle-done", args=[order.number])).content.decode()
    )
    assert f"Total {money('2140.00', 'THB')}" in receipt
    assert (
        f"7% {money('2000.00', 'THB')} {money('140.00', 'THB')} {money('2140.00', 'THB')}"
        in receipt
    )
    assert "Omni Siam Co., Ltd." in receipt and "Tax ID 0105553123452" in receipt


@pytest.mark.django_db
def test_vietnam_reduced_and_standard_lines_in_whole_dong(market, places):
    market("VN")
    book = variant_in(Category.TaxClass.REDUCED, "105000")  # children's book, 5%
    shirt = variant_in(Category.TaxClass.STANDARD, "330000")  # 10%
    for variant in (book, shirt):
        receive(variant, places["warehouse"], 5)
    order = place([(book.pk, 1), (shirt.pk, 2)])  # 765,000 ≥ 500,000: delivery free
    lines = {line.variant_id: line for line in order.lines.all()}
    assert (lines[book.pk].tax_rate, lines[book.pk].tax_amount) == (
        Decimal("0.05000"),
        Decimal("5000"),
    )
    # 660,000 × 10/110 = 60,000
    assert (lines[shirt.pk].tax_rate, lines[shirt.pk].tax_amount) == (
        Decimal("0.10000"),
        Decimal("60000"),
    )
    assert (order.currency, order.tax_total, order.total) == (
        "VND",
        Decimal("65000"),
        Decimal("765000"),
    )
    bands = [(b.percent, b.net, b.tax, b.gross) for b in selectors.order_tax(order=order).bands]
    assert bands == [
        ("10", Decimal("600000"), Decimal("60000"), Decimal("660000")),
        ("5", Decimal("100000"), Decimal("5000"), Decimal("105000")),
    ]


@pytest.mark.django_db
def test_vietnam_rounds_tax_to_the_whole_dong(market):
    market("VN")
    totals = services.order_totals(
        lines=[services.TaxableLine(unit_price=Decimal("99999"), quantity=1)], ships=False
    )
    assert totals.tax == Decimal("9091")  # 9,090.8…
    assert totals.tax.as_tuple().exponent == 0


@pytest.mark.django_db
def test_philippines_twelve_percent_with_taxed_delivery(market, places):
    market("PH")
    shirt = make_variant("560.00")
    receive(shirt, places["warehouse"], 5)
    order = place([(shirt.pk, 1)])
    assert (order.shipping_total, order.shipping_tax, order.tax_total, order.total) == (
        Decimal("100.00"),
        Decimal("10.71"),
        Decimal("70.71"),
        Decimal("660.00"),
    )
    assert order.lines.get().tax_amount == Decimal("60.00")


@pytest.mark.django_db
def test_iran_ten_percent_in_rial(market, places):
    market("IR")
    carpet = make_variant("33000000")  # over 30,000,000 rial: free delivery
    receive(carpet, places["warehouse"], 2)
    order = place([(carpet.pk, 1)])
    assert (order.currency, order.tax_total, order.total) == (
        "IRR",
        Decimal("3000000"),
        Decimal("33000000"),
    )


@pytest.mark.django_db
def test_us_massachusetts_delivery_adds_its_sales_tax(market, places, client):
    market("US")
    jacket = make_variant("80.00")
    receive(jacket, places["warehouse"], 5)
    order = place([(jacket.pk, 1)], fulfilment=services.ShipTo({**ADDRESS, "region": "MA"}))
    assert (order.prices_include_tax, order.shipping_total, order.tax_total, order.total) == (
        False,
        Decimal("0.00"),
        Decimal("5.00"),  # 80.00 × 6.25%
        Decimal("85.00"),
    )
    assert order.lines.get().tax_rate == Decimal("0.06250")


@pytest.mark.django_db
def test_us_pickup_pays_the_stores_state(market, places):
    market("US")
    store = places["springfield"]
    store.region = "NY"
    store.save()
    tee = make_variant("25.00")
    receive(tee, store, 3)
    order = place([(tee.pk, 2)], fulfilment=services.PickupAt(store))
    assert (order.tax_total, order.total) == (Decimal("2.00"), Decimal("52.00"))


@pytest.mark.django_db
def test_an_old_order_reads_as_sold_after_the_market_changes(market, places):
    market("TH")
    shirt = make_variant("1070.00")
    receive(shirt, places["warehouse"], 5)
    order = place([(shirt.pk, 2)])
    market("US")
    order.refresh_from_db()
    tax = selectors.order_tax(order=order)
    assert tax.prices_include_tax and tax.single_rate == "7"
    assert order.total == Decimal("2140.00")


# --- returns refund the tax charged ---------------------------------------------------------


@pytest.mark.django_db
def test_partial_return_in_thailand_refunds_half_the_gross_and_its_vat(market, places, client):
    market("TH")
    store = places["springfield"]
    associate = f.AssociateFactory(home_location=store, language="en")
    shirt = make_variant("1070.00")
    receive(shirt, store, 5)
    order = store_sale(store, associate, [(shirt.pk, 2)])
    line = order.lines.get()
    received = return_receive(
        order=order,
        location=store,
        associate=associate,
        lines=[(line.pk, 1, ReturnLine.Reason.TOO_SMALL, "A", "restock")],
        refund_method=Return.RefundMethod.ORIGINAL,
    )
    assert (received.refund_total, received.refund_tax) == (Decimal("1070.00"), Decimal("70.00"))
    assert received.lines.get().refund_tax == Decimal("70.00")
    assert order.payments.get().refunds.get().amount == Decimal("1070.00")
    client.force_login(associate.user)
    receipt = text_of(
        client.get(reverse("backoffice:return-receipt", args=[received.number])).content.decode()
    )
    assert f"incl. VAT refunded {money('70.00', 'THB')}" in receipt


@pytest.mark.django_db
def test_partial_returns_in_the_us_refund_price_and_sales_tax_to_the_cent(market, places):
    market("US")
    store = places["springfield"]  # Illinois, 6.25%
    associate = f.AssociateFactory(home_location=store)
    socks = make_variant("9.99")
    receive(socks, store, 5)
    order = store_sale(store, associate, [(socks.pk, 3)])
    line = order.lines.get()
    assert line.tax_amount == Decimal("1.87")  # 29.97 × 6.25% = 1.873…
    refunds = []
    for _ in range(3):
        done = return_receive(
            order=order,
            location=store,
            associate=associate,
            lines=[(line.pk, 1, ReturnLine.Reason.TOO_SMALL, "A", "restock")],
            refund_method=Return.RefundMethod.ORIGINAL,
        )
        refunds.append((done.refund_total, done.refund_tax))
    assert refunds == [
        (Decimal("10.61"), Decimal("0.62")),
        (Decimal("10.62"), Decimal("0.63")),
        (Decimal("10.61"), Decimal("0.62")),
    ]
    # Every unit back: exactly what was paid, not a cent more.
    assert sum(total for total, _ in refunds) == order.total == Decimal("31.84")


# --- tax invoices -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tax_id", "valid"),
    [("0105553123452", True), ("3101700000008", True), ("0105553123451", False), ("12345", False)],
)
def test_thai_tax_id_check_digit(tax_id, valid):
    assert services.thai_tax_id_valid(tax_id) is valid


@pytest.mark.django_db
def test_tax_invoice_requested_at_checkout(english, client, market, places):
    market("TH", seller_tax_id="0105553123452")
    store = places["springfield"]
    shirt = make_variant("1070.00")
    receive(shirt, store, 5)
    client.post("/cart/add/", {"variant": shirt.pk, "quantity": 2, "next": "/cart/"})
    data = {
        "email": "somchai@example.com",
        "first_name": "Somchai",
        "last_name": "Jaidee",
        "fulfilment": "pickup",
        "store": store.pk,
        "payment": "card",
        **CARD_FIELDS,
        "tax_invoice": "on",
        "buyer_name": "Jaidee Trading Co., Ltd.",
        "buyer_address": "99 Sukhumvit Rd, Bangkok 10110",
        "buyer_tax_id": "0105553123451",  # a wrong check digit
    }
    refused = client.post("/checkout/", data)
    assert refused.status_code == 400
    assert refused.context["form"].errors["buyer_tax_id"] == [
        "Enter the 13-digit Thai tax ID (its last digit is a check digit)."
    ]
    assert not Order.objects.exists()

    response = client.post("/checkout/", {**data, "buyer_tax_id": "3-1017-00000-00-8"})
    assert response.status_code == 302
    invoice = TaxInvoice.objects.get()
    assert (invoice.order, invoice.buyer_tax_id, invoice.issued_by) == (
        Order.objects.get(),
        "3101700000008",
        None,
    )
    page = text_of(
        client.get(reverse("orders:tax-invoice", args=[invoice.order.number])).content.decode()
    )
    assert "Tax invoice" in page and invoice.display_number in page
    assert "Jaidee Trading Co., Ltd." in page and "Tax ID 3101700000008" in page
    assert "Tax ID 0105553123452" in page  # the seller's
    assert f"{money('2000.00', 'THB')} {money('140.00', 'THB')} {money('2140.00', 'THB')}" in page
    # Somebody else's browser does not see it.
    client.logout()
    client.cookies.clear()
    assert client.get(reverse("orders:tax-invoice", args=[invoice.order.number])).status_code == 404


@pytest.mark.django_db
def test_tax_invoice_issued_at_the_desk_once(client, market, places):
    market("TH")
    store = places["springfield"]
    associate = f.AssociateFactory(home_location=store)
    shirt = make_variant("1070.00")
    receive(shirt, store, 5)
    order = store_sale(store, associate, [(shirt.pk, 1)])
    client.force_login(associate.user)
    url = reverse("backoffice:tax-invoice", args=[order.number])
    # A Thai associate's screen: the catalogue's words, "ออกใบกำกับภาษี" (issue a tax invoice).
    assert "ออกใบกำกับภาษี" in client.get(url).content.decode()
    bad = client.post(url, {"buyer_name": "", "buyer_address": "x", "buyer_tax_id": "1"})
    assert bad.status_code == 400
    assert bad.context["form"].errors["buyer_name"]
    details = {
        "buyer_name": "Jaidee Trading",
        "buyer_address": "99 Sukhumvit Rd",
        "buyer_tax_id": "0105553123452",
    }
    assert client.post(url, details).status_code == 302
    invoice = TaxInvoice.objects.get()
    assert invoice.issued_by == associate
    # Asked again: the same invoice, not a second number.
    again = services.tax_invoice_issue(
        order=order,
        buyer=services.TaxInvoiceBuyer(name="Other", address="Elsewhere", tax_id="3101700000008"),
    )
    assert again.pk == invoice.pk and TaxInvoice.objects.count() == 1
    page = client.get(url).content.decode()
    assert "Jaidee Trading" in page and "ใบกำกับภาษี" in page
    # A cancelled order gets no invoice: the desk says why, no number is spent.
    cancelled = store_sale(store, associate, [(shirt.pk, 1)])
    Order.objects.filter(pk=cancelled.pk).update(status=Order.Status.CANCELLED)
    refused = client.post(reverse("backoffice:tax-invoice", args=[cancelled.number]), details)
    assert refused.status_code == 400
    assert "ถูกยกเลิกแล้ว จึงออกใบกำกับภาษีไม่ได้" in refused.content.decode()  # in Thai
    assert TaxInvoice.objects.count() == 1
    # An associate of another store neither reads the buyer's invoice nor issues one.
    elsewhere = f.AssociateFactory(home_location=places["peoria"])
    client.force_login(elsewhere.user)
    assert client.get(url).status_code == 404
    assert client.post(url, details).status_code == 404


@pytest.mark.django_db
def test_other_markets_want_a_sensible_tax_id(market):
    market("PH")
    with pytest.raises(TaxInvoiceInvalid) as caught:
        services.tax_invoice_buyer_clean(name="Juan", address="Makati", tax_id="12")
    assert caught.value.details["field"] == "buyer_tax_id"
    buyer = services.tax_invoice_buyer_clean(
        name="Juan", address="Makati", tax_id="123-456-789-000"
    )
    assert buyer.tax_id == "123456789000"
