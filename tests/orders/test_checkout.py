"""Checkout: one transaction from a cart (or lines) to a paid order with its fulfilments
and stock holds; a decline or a shortage leaves nothing behind."""

import dataclasses
import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core import mail
from django.utils import timezone

from customers import services as customer_services
from customers.models import (
    Channel,
    Consent,
    ConsentState,
    ContactChannel,
    Customer,
    Interaction,
    LoyaltyEntry,
    StoreCreditEntry,
)
from inventory.models import Reservation, Stock, StockMovement, Transfer
from omni.models import EmailLog, OutboxMessage
from orders import selectors, services
from orders.models import Cart, Fulfilment, Order, Payment
from tests import factories as f
from tests.orders.helpers import ADDRESS, GOOD_CARD, make_variant, place, receive

pytestmark = pytest.mark.django_db

DECLINED = "4000 0000 0000 0002"
NO_FUNDS = "4000-0000-0000-9995"
PROCESSING_ERROR = "4000000000000119"


def salable(variant) -> int:
    return selectors.salable_for_sale(variant_ids=[variant.pk]).get(variant.pk, 0)


def stock_at(variant, location) -> Stock:
    return Stock.objects.get(variant=variant, location=location)


def cart_with(lines, **kwargs) -> Cart:
    cart = services.cart_get_or_create(session_key="s-1", **kwargs)
    for variant, quantity in lines:
        services.cart_add(cart=cart, variant_id=variant.pk, quantity=quantity)
    return cart


# --- happy paths --------------------------------------------------------------------------


def test_shipping_order_from_a_cart(places, variant, django_capture_on_commit_callbacks):
    receive(variant, places["warehouse"], 5)
    cart = cart_with([(variant, 2)])

    with django_capture_on_commit_callbacks(execute=True):
        order = place(cart=cart)

    assert re.fullmatch(r"W\d{7}", order.number)
    assert order.status == Order.Status.PLACED
    # Shipped to Illinois: its 6.25% state sales tax on top (98.00 × 0.0625 = 6.125).
    assert (order.subtotal, order.shipping_total, order.tax_total, order.total) == (
        Decimal("98.00"),
        Decimal("0.00"),
        Decimal("6.13"),
        Decimal("104.13"),
    )
    (line,) = order.lines.all()
    assert (line.sku, line.size, line.colour, line.quantity, line.unit_price) == (
        variant.sku,
        "M",
        "Navy",
        2,
        Decimal("49.00"),
    )
    (fulfilment,) = order.fulfilments.all()
    assert (fulfilment.kind, fulfilment.location, fulfilment.status) == (
        Fulfilment.Kind.SHIP,
        places["warehouse"],
        Fulfilment.Status.PLACED,
    )
    assert fulfilment.lines.get().quantity == 2
    hold = Reservation.objects.get()
    assert (hold.kind, hold.quantity, hold.reference_type, hold.reference_id) == (
        Reservation.Kind.ORDER,
        2,
        "orders.order",
        str(order.pk),
    )
    assert stock_at(variant, places["warehouse"]).reserved == 2
    payment = order.payments.get()
    assert (payment.provider, payment.status, payment.amount, payment.card_last4) == (
        Payment.Provider.TEST,
        Payment.Status.CAPTURED,
        Decimal("104.13"),
        "4242",
    )
    cart.refresh_from_db()
    assert cart.status == Cart.Status.CONVERTED
    assert cart.recovery_due_at is None
    assert order.cart == cart
    # The receipt, once, with the order number and its scannable code.
    (email,) = mail.outbox
    assert email.to == ["ana@example.com"]
    assert order.number in email.subject
    assert order.number in email.body
    html = email.alternatives[0][0]
    assert "data:image/svg+xml;base64," in html
    assert f"/orders/status/{order.number}:" in html  # a guest: the signed order link
    # ...on the timeline too, with the order itself; and the size it taught us.
    customer = order.customer
    kinds = set(customer.interactions.values_list("kind", flat=True))
    assert {Interaction.Kind.ORDER, Interaction.Kind.EMAIL} <= kinds
    assert customer.sizes.get().size == "M"


def test_confirmation_is_sent_once_even_if_delivered_twice(
    places, variant, django_capture_on_commit_callbacks
):
    from omni import outbox

    receive(variant, places["warehouse"], 5)
    with django_capture_on_commit_callbacks(execute=True):
        order = place([(variant.pk, 1)])
    message = OutboxMessage.objects.get(topic="email.order_confirmation")
    assert message.dedupe_key == f"email.order_confirmation:orders.order:{order.pk}"
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxMessage.Status.PENDING)

    outbox.outbox_deliver(message_id=message.pk)

    assert len(mail.outbox) == 1
    assert EmailLog.objects.filter(kind="order_confirmation").count() == 1
    assert order.customer.interactions.filter(kind=Interaction.Kind.EMAIL).count() == 1


def test_interaction_and_loyalty_are_recorded(places, variant):
    receive(variant, places["warehouse"], 5)
    order = place([(variant.pk, 3)])

    entry = order.customer.interactions.get(kind=Interaction.Kind.ORDER)
    assert entry.channel == Channel.WEB
    assert (entry.subject_type, entry.subject_id) == ("orders.order", str(order.pk))
    assert order.number in entry.summary
    loyalty = LoyaltyEntry.objects.get(customer=order.customer)
    assert (loyalty.points, loyalty.reason) == (147, LoyaltyEntry.Reason.PURCHASE)


@pytest.mark.parametrize(
    ("price", "quantity", "shipping"),
    [("30.00", 1, "5.95"), ("37.49", 2, "5.95"), ("37.50", 2, "0.00"), ("80.00", 1, "0.00")],
)
def test_shipping_is_free_from_the_threshold(places, price, quantity, shipping):
    variant = make_variant(price)
    receive(variant, places["warehouse"], 5)

    order = place([(variant.pk, quantity)])

    subtotal = Decimal(price) * quantity
    illinois_tax = (subtotal * Decimal("0.0625")).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert order.shipping_total == Decimal(shipping)
    assert order.total == subtotal + Decimal(shipping) + illinois_tax


def test_tax_and_shipping_follow_settings(places, settings):
    settings.OMNI_SHIPPING_FLAT = "7.50"
    settings.OMNI_FREE_SHIPPING_OVER = "500.00"
    settings.OMNI_TAX_RATE = "0.0625"
    variant = make_variant("100.00")
    receive(variant, places["warehouse"], 5)

    order = place([(variant.pk, 1)])

    assert (order.shipping_total, order.tax_total, order.total) == (
        Decimal("7.50"),
        Decimal("6.25"),
        Decimal("113.75"),
    )


def test_an_order_that_no_single_location_can_send_is_split(places):
    shirt, trousers = make_variant("40.00"), make_variant("60.00")
    receive(shirt, places["warehouse"], 3)
    receive(trousers, places["chicago"], 3)

    order = place([(shirt.pk, 1), (trousers.pk, 1)])

    shipments = {f.location.code: f for f in order.fulfilments.all()}
    assert set(shipments) == {"IND", "CHI"}
    assert shipments["IND"].lines.get().order_line.variant == shirt
    assert shipments["CHI"].lines.get().order_line.variant == trousers
    assert order.shipping_total == Decimal("0.00")  # one charge per order; 100 is free


def test_pickup_in_store(places, variant, django_capture_on_commit_callbacks):
    springfield = places["springfield"]
    receive(variant, springfield, 2)

    with django_capture_on_commit_callbacks(execute=True):
        order = place(
            [(variant.pk, 2)],
            fulfilment=services.PickupAt(store_id=springfield.pk),
            channel=Channel.APP,
        )

    assert order.number.startswith("A")
    assert order.shipping_total == Decimal("0.00")
    (pickup,) = order.fulfilments.all()
    assert (pickup.kind, pickup.location, pickup.status) == (
        Fulfilment.Kind.PICKUP,
        springfield,
        Fulfilment.Status.PLACED,
    )
    assert timezone.now() < pickup.expected_ready_at < timezone.now() + dt.timedelta(hours=3)
    assert stock_at(variant, springfield).reserved == 2
    assert not Transfer.objects.exists()
    assert "Springfield" in mail.outbox[0].body
    entry = order.customer.interactions.get(kind=Interaction.Kind.ORDER)
    assert entry.location == springfield


def test_pickup_by_transfer_is_ready_later(places, variant):
    springfield = places["springfield"]
    receive(variant, places["warehouse"], 4)

    order = place([(variant.pk, 2)], fulfilment=services.PickupAt(springfield.pk))

    pickup = order.fulfilments.get()
    assert pickup.location == springfield
    assert pickup.expected_ready_at > timezone.now() + dt.timedelta(days=1)
    transfer = Transfer.objects.get()
    assert (transfer.source, transfer.destination) == (places["warehouse"], springfield)
    assert (transfer.reference_type, transfer.reference_id) == ("orders.order", str(order.pk))
    assert transfer.lines.get().quantity == 2
    # The units are held at the warehouse for the transfer, so nobody else can buy them.
    assert stock_at(variant, places["warehouse"]).reserved == 2


def test_carry_out_in_store_with_associate_attribution(places, variant):
    store = places["peoria"]
    associate = f.AssociateFactory(home_location=store)
    receive(variant, store, 3)

    order = place(
        [(variant.pk, 1)],
        fulfilment=services.CarryOut(),
        payment=services.PaymentChoice.pay_in_store(),
        channel=Channel.STORE,
        location=store,
        associate=associate,
        contact=services.Contact(phone="217 555 0199", first_name="Bo"),
    )

    assert order.number.startswith("S")
    assert (order.location, order.associate, order.status) == (
        store,
        associate,
        Order.Status.FULFILLED,
    )
    fulfilment = order.fulfilments.get()
    assert (fulfilment.kind, fulfilment.status) == (
        Fulfilment.Kind.CARRY_OUT,
        Fulfilment.Status.COLLECTED,
    )
    assert fulfilment.lines.get().quantity_collected == 1
    stock = stock_at(variant, store)
    assert (stock.on_hand, stock.reserved) == (2, 0)
    sale = StockMovement.objects.get(reason=StockMovement.Reason.SALE)
    assert (sale.delta, sale.associate, sale.reference_id) == (-1, associate, str(order.pk))
    assert order.payments.get().status == Payment.Status.CAPTURED
    entry = order.customer.interactions.get(kind=Interaction.Kind.ORDER)
    assert (entry.channel, entry.location, entry.associate) == (Channel.STORE, store, associate)
    assert order.customer.home_store == store  # a new customer met in this store


def test_an_exchange_order_can_be_placed_in_store_and_shipped(places, variant):
    """The returns engineer's exchange: channel store, a location, an associate."""
    store = places["peoria"]
    associate = f.AssociateFactory(home_location=store)
    receive(variant, places["warehouse"], 3)
    customer = f.CustomerFactory()

    order = place(
        [(variant.pk, 1)],
        customer=customer,
        payment=services.PaymentChoice.external(reference="EXCHANGE-R1"),
        channel=Channel.STORE,
        location=store,
        associate=associate,
    )

    assert (order.customer, order.location, order.associate) == (customer, store, associate)
    assert order.fulfilments.get().location == places["warehouse"]
    payment = order.payments.get()
    assert (payment.provider, payment.provider_reference) == ("external", "EXCHANGE-R1")


def test_a_guest_order_attaches_to_the_existing_customer(places, variant):
    existing = customer_services.customer_resolve(
        email="ana@example.com", first_name="Ana", verified=True
    )
    receive(variant, places["warehouse"], 2)

    order = place(
        [(variant.pk, 1)], contact=services.Contact(email="  ANA@Example.com ", first_name="A")
    )

    assert order.customer == existing
    assert order.email == "ana@example.com"
    assert Customer.objects.count() == 1


def test_a_member_order_is_theirs(places, variant):
    user = f.UserFactory(email="member@example.com")
    customer = customer_services.customer_resolve(email="member@example.com", user=user)
    receive(variant, places["warehouse"], 2)
    cart = services.cart_get_or_create(user=user)
    services.cart_add(cart=cart, variant_id=variant.pk, quantity=1)

    order = place(cart=cart, user=user, contact=services.Contact())

    assert order.customer == customer
    assert order.email == "member@example.com"


def test_a_login_without_a_verified_address_does_not_take_over_a_guests_record(places, variant):
    # Whoever signs up with someone else's address must not see that guest's orders by
    # checking out: only a verified address joins a login to an existing customer.
    guest = customer_services.customer_resolve(email="ana@example.com", first_name="Ana")
    earlier = f.OrderFactory(customer=guest, email="ana@example.com")
    intruder = f.UserFactory(email="ana@example.com")
    receive(variant, places["warehouse"], 2)
    cart = services.cart_get_or_create(user=intruder)
    services.cart_add(cart=cart, variant_id=variant.pk, quantity=1)

    order = place(cart=cart, user=intruder, contact=services.Contact())

    assert order.customer != guest
    assert order.customer.user == intruder
    guest.refresh_from_db()
    assert guest.user is None
    assert earlier not in selectors.orders_for_customer(customer=order.customer)


def test_marketing_consent_only_when_opted_in(places, variant):
    receive(variant, places["warehouse"], 4)

    silent = place([(variant.pk, 1)])
    assert not silent.customer.consents.exists()

    opted = place([(variant.pk, 1)], marketing_email_opt_in=True)
    consent = opted.customer.consents.get(channel=ContactChannel.EMAIL)
    assert (consent.state, consent.source) == (ConsentState.MARKETING, Channel.WEB)


def test_sms_opt_in_is_recorded_with_the_order_and_needs_a_number(places, variant):
    receive(variant, places["warehouse"], 4)

    # No number to text: nothing to consent to.
    no_phone = place([(variant.pk, 1)], marketing_sms_opt_in=True)
    assert not no_phone.customer.consents.filter(channel=ContactChannel.SMS).exists()

    texting = services.Contact(email="tex@example.com", phone="2175550199", first_name="Tex")
    opted = place([(variant.pk, 1)], contact=texting, marketing_sms_opt_in=True)
    consent = opted.customer.consents.get(channel=ContactChannel.SMS)
    assert (consent.state, consent.source) == (ConsentState.MARKETING, Channel.WEB)
    assert not opted.customer.consents.filter(channel=ContactChannel.EMAIL).exists()


def test_sms_opt_in_is_not_kept_when_the_order_fails(places, variant):
    # Part of checkout's one transaction: an order that is refused records no consent.
    receive(variant, places["warehouse"], 1)
    texting = services.Contact(email="tex@example.com", phone="2175550199", first_name="Tex")
    with pytest.raises(services.InsufficientStock):
        place([(variant.pk, 2)], contact=texting, marketing_sms_opt_in=True)
    assert not Consent.objects.filter(channel=ContactChannel.SMS).exists()


def test_store_credit_pays_for_the_order(places, variant):
    customer = f.CustomerFactory()
    f.StoreCreditEntryFactory(customer=customer, amount=Decimal("60.00"))
    receive(variant, places["warehouse"], 2)

    order = place(
        [(variant.pk, 1)], customer=customer, payment=services.PaymentChoice.store_credit()
    )

    payment = order.payments.get()
    assert (payment.provider, payment.status, payment.amount) == (
        Payment.Provider.STORE_CREDIT,
        Payment.Status.CAPTURED,
        Decimal("58.01"),  # 49.00 + 5.95 shipping + 3.06 Illinois sales tax
    )
    spend = StoreCreditEntry.objects.get(reason=StoreCreditEntry.Reason.SPEND)
    assert spend.amount == Decimal("-58.01")


def test_store_credit_cannot_exceed_the_balance(places, variant):
    customer = f.CustomerFactory()
    f.StoreCreditEntryFactory(customer=customer, amount=Decimal("20.00"))
    receive(variant, places["warehouse"], 2)

    with pytest.raises(services.PaymentDeclined) as caught:
        place([(variant.pk, 1)], customer=customer, payment=services.PaymentChoice.store_credit())

    assert caught.value.code == "insufficient_store_credit"
    assert "$20.00" in caught.value.message
    assert not Order.objects.exists()
    assert StoreCreditEntry.objects.count() == 1


# --- idempotency --------------------------------------------------------------------------


def test_a_cart_checked_out_twice_makes_one_order(places, variant):
    receive(variant, places["warehouse"], 5)
    cart = cart_with([(variant, 1)])

    first = place(cart=cart)
    second = place(cart=Cart.objects.get(pk=cart.pk))

    assert first == second
    assert Order.objects.count() == 1
    assert stock_at(variant, places["warehouse"]).reserved == 1


def test_the_same_external_reference_returns_the_same_order(places, variant):
    receive(variant, places["warehouse"], 5)
    kwargs = {
        "channel": Channel.MARKETPLACE,
        "external_reference": "MKT-42",
        "payment": services.PaymentChoice.external(),
    }

    first = place([(variant.pk, 1)], **kwargs)
    second = place([(variant.pk, 1)], **kwargs)

    assert first == second
    assert first.number.startswith("M")
    assert first.payments.get().provider_reference == "MKT-42"


def test_checkout_says_whether_it_created_the_order(places, variant):
    receive(variant, places["warehouse"], 5)
    request = services.OrderRequest.api(
        channel=Channel.MARKETPLACE,
        lines=[(variant.pk, 1)],
        fulfilment=services.ShipTo(ADDRESS),
        payment=services.PaymentChoice.external(),
        external_reference="MKT-43",
        contact=services.Contact(email="ana@example.com"),
    )

    first = services.order_place(request)
    retry = services.order_place(dataclasses.replace(request, lines=[(variant.pk, 3)]))

    assert first.created and not retry.created
    assert retry.order == first.order
    assert retry.order.lines.get().quantity == 1
    assert stock_at(variant, places["warehouse"]).reserved == 1


def test_a_store_sale_request_is_carried_out_at_the_store_by_its_associate(places, variant):
    store = places["peoria"]
    associate = f.AssociateFactory(home_location=store)
    receive(variant, store, 2)
    request = services.OrderRequest.store_sale(
        location=store,
        associate=associate,
        lines=[[variant.pk, 1]],
        payment=services.PaymentChoice.pay_in_store(),
        contact=services.Contact(phone="217 555 0198"),
    )
    assert (request.channel, request.fulfilment, request.lines) == (
        Channel.STORE,
        services.CarryOut(),
        ((variant.pk, 1),),
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.channel = Channel.WEB

    placement = services.order_place(request)

    assert placement.created
    assert (placement.order.channel, placement.order.associate) == (Channel.STORE, associate)
    assert placement.order.fulfilments.get().kind == Fulfilment.Kind.CARRY_OUT
    assert stock_at(variant, store).on_hand == 1


def test_a_web_request_checks_out_the_cart_and_an_api_request_keeps_its_sources(
    places, variant, shopper
):
    receive(variant, places["warehouse"], 3)
    cart = services.cart_get_or_create(session_key="web-request")
    services.cart_add(cart=cart, variant_id=variant.pk, quantity=2)
    web = services.OrderRequest.web(
        cart=cart,
        fulfilment=services.ShipTo(ADDRESS),
        payment=services.PaymentChoice.card(GOOD_CARD),
        contact=shopper,
        marketing_email_opt_in=True,
    )
    assert (web.channel, web.lines, web.contact) == (Channel.WEB, None, shopper)

    placement = services.order_place(web)

    assert placement.created and placement.order.cart == cart
    assert placement.order.lines.get().quantity == 2
    again = services.order_place(web)  # a double submit: the order the first one made
    assert (again.order, again.created) == (placement.order, False)

    api = services.OrderRequest.api(
        channel=Channel.APP,
        lines=[(variant.pk, 1)],
        fulfilment=services.PickupAt(places["springfield"]),
        payment=services.PaymentChoice.external(),
        external_reference="POS-1",
        contact=shopper,
        source_location_ids=[places["warehouse"].pk],
    )
    assert api.source_location_ids == frozenset({places["warehouse"].pk})
    assert api.fulfilment.store_id == places["springfield"].pk
    assert services.order_place(api).order.fulfilments.get().location == places["springfield"]


# --- refusals that leave nothing behind ---------------------------------------------------


def _nothing_written(variant, cart, before_salable):
    assert not Order.objects.exists()
    assert not Reservation.objects.exists()
    assert not Payment.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert not Interaction.objects.filter(kind=Interaction.Kind.ORDER).exists()
    assert salable(variant) == before_salable
    cart.refresh_from_db()
    assert cart.status == Cart.Status.OPEN
    assert cart.lines.get().quantity == 1


@pytest.mark.parametrize(
    ("number", "error", "code"),
    [
        (DECLINED, services.PaymentDeclined, "card_declined"),
        (NO_FUNDS, services.PaymentDeclined, "insufficient_funds"),
        (PROCESSING_ERROR, services.PaymentFailed, "processing_error"),
    ],
)
def test_a_refused_payment_leaves_no_order_no_hold_and_the_cart_open(
    places, variant, number, error, code, django_capture_on_commit_callbacks
):
    receive(variant, places["warehouse"], 5)
    cart = cart_with([(variant, 1)])
    before = salable(variant)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(error) as caught:
        place(cart=cart, payment=services.PaymentChoice.card(number))

    assert caught.value.code == code
    assert caught.value.message  # a sentence for the shopper
    _nothing_written(variant, cart, before)
    assert not Customer.objects.exists()  # the new guest was rolled back too
    assert mail.outbox == []


def test_an_invalid_card_number_is_refused_before_any_query(
    places, variant, django_assert_num_queries
):
    receive(variant, places["warehouse"], 5)
    cart = cart_with([(variant, 1)])
    before = salable(variant)

    with django_assert_num_queries(0), pytest.raises(services.InvalidCardNumber) as caught:
        place(cart=cart, payment=services.PaymentChoice.card("4242 4242 4242 4241"))

    assert caught.value.code == "invalid_card_number"
    _nothing_written(variant, cart, before)


def test_only_the_last_four_digits_are_stored(places, variant):
    receive(variant, places["warehouse"], 5)
    order = place([(variant.pk, 1)], payment=services.PaymentChoice.card("4111111111111111"))

    payment = order.payments.get()
    assert payment.card_last4 == "1111"
    stored = [str(v) for v in Payment.objects.values_list(flat=False).get(pk=payment.pk)]
    assert not any("4111111111111111" in value for value in stored)


def test_not_enough_stock_says_how_many_are_left(places, variant):
    receive(variant, places["warehouse"], 1)
    receive(variant, places["springfield"], 1)  # pickup stock: a cart may count it
    cart = cart_with([(variant, 2)])
    before = salable(variant)

    with pytest.raises(services.InsufficientStock) as caught:
        place(cart=cart)

    assert caught.value.code == "insufficient_stock"
    assert caught.value.message == f"Only 1 left of {variant.product.name} (Navy / M)."
    assert caught.value.details["lines"] == [
        {"variant_id": variant.pk, "sku": variant.sku, "requested": 2, "available": 1}
    ]
    assert not Order.objects.exists()
    assert salable(variant) == before
    cart.refresh_from_db()
    assert cart.status == Cart.Status.OPEN


def test_unsellable_variants_and_bad_requests_are_refused(places, variant):
    receive(variant, places["warehouse"], 5)
    retired = make_variant("10.00", is_active=False)
    with pytest.raises(services.VariantUnavailable):
        place([(retired.pk, 1)])
    with pytest.raises(services.CheckoutInvalid):
        place([(variant.pk, 1)], payment=services.PaymentChoice.pay_in_store())
    with pytest.raises(services.CheckoutInvalid):
        place([(variant.pk, 1)], fulfilment=services.CarryOut())
    with pytest.raises(services.CheckoutInvalid):
        place([(variant.pk, 1)], fulfilment=services.ShipTo({"line1": "1 Main St"}))
    with pytest.raises(services.CartEmpty):
        place(cart=services.cart_get_or_create(session_key="empty"))
    assert not Order.objects.exists()


# --- query budget -------------------------------------------------------------------------


def _member_cart(places, lines, user) -> Cart:
    variants = [make_variant("20.00") for _ in range(lines)]
    for v in variants:
        receive(v, places["warehouse"], 5)
        receive(v, places["springfield"], 5)
    cart = services.cart_get_or_create(user=user)
    for v in variants:
        services.cart_add(cart=cart, variant_id=v.pk, quantity=1)
    return cart


@pytest.mark.parametrize("kind", ["ship", "pickup"])
def test_checkout_stays_within_the_query_budget(
    places, kind, django_assert_max_num_queries, capsys
):
    user = f.UserFactory(email="member@example.com")
    customer_services.customer_resolve(email="member@example.com", user=user, phone="2175550111")
    fulfilment = (
        services.ShipTo(ADDRESS)
        if kind == "ship"
        else services.PickupAt(store=places["springfield"])  # as a form's field gives it
    )
    counts = {}
    for lines in (1, 10):
        cart = _member_cart(places, lines, user)
        with django_assert_max_num_queries(40) as queries:
            order = place(cart=cart, user=user, fulfilment=fulfilment, contact=services.Contact())
        counts[lines] = len(queries)
        assert order.lines.count() == lines

    # Everything is batched; what grows is inventory's one conditional UPDATE per stock
    # row held (the race-safe hold), nothing of orders'.
    assert counts[10] - counts[1] <= 9
    with capsys.disabled():
        print(f"\n[checkout queries] {kind}: 1 line = {counts[1]}, 10 lines = {counts[10]}")


def test_a_guest_checkout_stays_within_the_query_budget(places, django_assert_max_num_queries):
    variant = make_variant("20.00")
    receive(variant, places["warehouse"], 5)
    with django_assert_max_num_queries(40):
        place(
            [(variant.pk, 1)],
            contact=services.Contact(email="new@example.com", phone="2175550123", first_name="N"),
        )


def test_the_test_card_numbers_are_documented():
    from orders.services import payments

    for number in (GOOD_CARD, DECLINED, NO_FUNDS, PROCESSING_ERROR):
        assert number.replace("-", " ").replace(" ", "")[:4] in payments.__doc__
        spaced = " ".join(re.findall("....", number.replace("-", "").replace(" ", "")))
        assert spaced in payments.__doc__


# --- a racing buyer between planning and holding (deterministic) --------------------------


def _racing_hold(monkeypatch, lose: int):
    """Inventory's hold fails ``lose`` times as if another checkout took the unit between
    sourcing's read and the conditional update, then behaves normally."""
    from inventory import errors as inventory_errors
    from inventory import services as inventory

    real = inventory.reservations_create
    calls = []

    def racing(**kwargs):
        calls.append(kwargs)
        if len(calls) <= lose:
            (line,) = kwargs["lines"]
            raise inventory_errors.InsufficientStock(
                "Not enough stock to hold.",
                lines=[
                    {
                        "variant_id": line.variant_id,
                        "location_id": line.location_id,
                        "requested": line.quantity,
                        "salable": 0,
                    }
                ],
            )
        return real(**kwargs)

    monkeypatch.setattr(inventory, "reservations_create", racing)
    return calls


def test_a_hold_lost_to_a_racing_buyer_is_planned_again(places, variant, monkeypatch):
    receive(variant, places["warehouse"], 1)
    calls = _racing_hold(monkeypatch, lose=1)

    order = place([(variant.pk, 1)])

    assert len(calls) == 2
    assert Order.objects.get() == order
    assert Reservation.objects.get().quantity == 1


def test_a_hold_lost_twice_tells_the_shopper(places, variant, monkeypatch):
    receive(variant, places["warehouse"], 1)
    cart = cart_with([(variant, 1)])
    _racing_hold(monkeypatch, lose=2)

    with pytest.raises(services.InsufficientStock) as caught:
        place(cart=cart)

    assert caught.value.message == f"Sorry, {variant.product.name} (Navy / M) is out of stock."
    assert not Order.objects.exists()
    cart.refresh_from_db()
    assert cart.status == Cart.Status.OPEN


def test_a_malformed_contact_is_refused_before_any_query(
    places, variant, django_assert_num_queries
):
    from customers.errors import InvalidContact

    with django_assert_num_queries(0), pytest.raises(InvalidContact):
        place([(variant.pk, 1)], contact=services.Contact(email="ana@", first_name="A"))
    with django_assert_num_queries(0), pytest.raises(services.InvalidQuantity):
        place([(variant.pk, 0)])


# --- events for integrations --------------------------------------------------------------


def test_order_events_wait_for_a_listener(places, variant):
    from omni import outbox

    receive(variant, places["warehouse"], 5)
    place([(variant.pk, 1)])
    assert not OutboxMessage.objects.filter(topic__startswith="order.").exists()

    received = []
    outbox.register_handler("order.created", received.append)
    try:
        order = place([(variant.pk, 1)])
    finally:
        outbox._HANDLERS.pop("order.created", None)

    message = OutboxMessage.objects.get(topic="order.created")
    assert message.payload["number"] == order.number
    assert message.dedupe_key == f"order.created:orders.order:{order.pk}"
