"""Abandoned-cart recovery: who is followed up, when, once, with what, and what stops it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail, signing
from django.db import connection
from django.utils import timezone

from customers import services as customer_services
from customers.models import Channel, ConsentState, ContactChannel, FollowUpTask, Interaction
from inventory.services import availability_refresh_variant
from omni.models import EmailLog
from orders import selectors, services
from orders.models import Cart, CartRecoveryStep
from orders.services.carts import RESTORE_SALT
from tests import factories as f
from tests.orders.helpers import make_variant, place, receive

START = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def recovery_settings(settings):
    settings.OMNI_ABANDONED_CART_STAGES = [60, 1440, 4320]
    settings.OMNI_ABANDONED_CART_HIGH_VALUE = "300.00"
    settings.OMNI_ABANDONED_CART_HIGH_VALUE_ACTION = "both"
    settings.OMNI_LOW_STOCK_THRESHOLD = 3
    settings.SITE_URL = "https://shop.example.com"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def stocked(places, variant):
    receive(variant, places["chicago"], 20)
    receive(variant, places["springfield"], 5)
    return variant


def shopper(*, consent=ConsentState.MARKETING, home_store=None, **kwargs):
    customer = f.CustomerFactory(first_name="Ana", home_store=home_store, **kwargs)
    customer_services.consent_set(
        customer=customer, channel=ContactChannel.EMAIL, state=consent, source=Channel.WEB
    )
    return customer


def abandon(customer, *variants, quantity=1) -> Cart:
    """A cart filled through the services, as the storefront does."""
    cart = Cart.objects.create(customer=customer, email=customer.email)
    for variant in variants:
        services.cart_add(cart=cart, variant_id=variant.pk, quantity=quantity)
    cart.refresh_from_db()
    return cart


def scan(clock, minutes):
    clock.move_to(START + dt.timedelta(minutes=minutes))
    return services.carts_recover()


def sent_to(email):
    return [m for m in mail.outbox if email in m.to]


# --- timing and once-only ---------------------------------------------------------------


def test_first_email_goes_out_when_the_first_stage_is_due_not_before(clock, stocked):
    f.ProductImageFactory(product=stocked.product, image="products/linen.jpg", alt_text="Linen")
    customer = shopper()
    cart = abandon(customer, stocked)

    assert scan(clock, 59).emailed == 0
    assert mail.outbox == []

    run = scan(clock, 60)

    assert run.emailed == 1
    [message] = mail.outbox
    assert message.to == [customer.email]
    assert "You left something in your cart" in message.subject
    html = message.alternatives[0][0]
    assert stocked.product.name in message.body and stocked.product.name in html
    assert "$49.00" in message.body
    assert 'src="https://shop.example.com/media/products/linen.jpg"' in html
    log = EmailLog.objects.get(kind="abandoned_cart")
    assert (log.object_type, log.object_id, log.stage) == ("orders.cart", str(cart.pk), "1")
    cart.refresh_from_db()
    assert cart.recovery_stage == 1
    assert cart.recovery_due_at == cart.last_activity_at + dt.timedelta(minutes=1440)
    assert Interaction.objects.filter(customer=customer, kind=Interaction.Kind.EMAIL).exists()


def test_links_are_absolute_signed_and_the_email_can_be_unsubscribed_in_one_click(clock, stocked):
    customer = shopper()
    cart = abandon(customer, stocked)
    scan(clock, 60)
    [message] = mail.outbox

    restore = next(w for w in message.body.split() if "/cart/restore/" in w)
    assert restore.startswith("https://shop.example.com/cart/restore/")
    token = restore.rstrip("/").rsplit("/", 1)[-1]
    assert signing.TimestampSigner(salt=RESTORE_SALT).unsign(token) == f"{cart.token}.1"
    unsubscribe = next(w for w in message.body.split() if "/email/unsubscribe/" in w)
    assert unsubscribe.startswith("https://shop.example.com/email/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert restore in message.alternatives[0][0]


def test_each_stage_is_sent_once_then_the_follow_up_ends(clock, stocked):
    customer = shopper()
    cart = abandon(customer, stocked)

    scan(clock, 60)
    scan(clock, 61)  # the same stage again: nothing
    scan(clock, 1440)
    scan(clock, 1441)
    scan(clock, 4320)
    scan(clock, 10_000)

    assert [m.subject for m in mail.outbox] == [
        "You left something in your cart",
        "Still thinking it over? Your cart is saved",
        "Last reminder: your cart is waiting",
    ]
    assert sorted(EmailLog.objects.values_list("stage", flat=True)) == ["1", "2", "3"]
    cart.refresh_from_db()
    assert cart.recovery_due_at is None


def test_a_cart_changed_meanwhile_starts_over_and_is_not_emailed_early(clock, stocked):
    customer = shopper()
    cart = abandon(customer, stocked)
    clock.move_to(START + dt.timedelta(minutes=50))
    services.cart_set_quantity(cart=cart, variant_id=stocked.pk, quantity=2)

    assert scan(clock, 60).emailed == 0
    assert scan(clock, 110).emailed == 1


def test_workers_down_for_days_send_only_the_latest_due_stage(clock, stocked):
    customer = shopper()
    abandon(customer, stocked)

    scan(clock, 5000)

    assert [log.stage for log in EmailLog.objects.all()] == ["3"]
    assert len(mail.outbox) == 1


def test_running_the_scan_twice_sends_nothing_twice(clock, stocked):
    customer = shopper()
    cart = abandon(customer, stocked)
    scan(clock, 60)
    # A second scan that read the cart before the first one advanced it.
    Cart.objects.filter(pk=cart.pk).update(recovery_stage=0, recovery_due_at=cart.recovery_due_at)

    run = scan(clock, 60)

    assert run.emailed == 0
    assert len(mail.outbox) == 1
    assert CartRecoveryStep.objects.filter(cart=cart).count() == 1


# --- who gets it ----------------------------------------------------------------------------


@pytest.mark.parametrize("consent", [ConsentState.NONE, ConsentState.ONE_TO_ONE])
def test_without_marketing_consent_there_is_no_email(clock, stocked, consent):
    customer = shopper(consent=consent)
    cart = abandon(customer, stocked)

    run = scan(clock, 60)

    assert run.emailed == 0 and mail.outbox == []
    assert run.stopped["no_consent"] == 1
    cart.refresh_from_db()
    assert cart.recovery_due_at is None


def test_a_guest_email_nobody_consented_for_gets_nothing(clock, stocked):
    cart = Cart.objects.create(email="guest@example.com")
    services.cart_add(cart=cart, variant_id=stocked.pk)

    assert scan(clock, 60).emailed == 0
    assert mail.outbox == []


# --- what stops it, across channels ----------------------------------------------------------


def test_an_order_on_the_web_stops_it(clock, stocked, places):
    customer = shopper()
    abandon(customer, stocked)
    clock.move_to(START + dt.timedelta(minutes=30))
    # Bought something else from another device: the shopper is served.
    other = make_variant("20.00")
    receive(other, places["chicago"], 3)
    place([(other.pk, 1)], customer=customer)

    run = scan(clock, 60)

    assert run.emailed == 0 and run.stopped["ordered"] == 1
    assert not EmailLog.objects.filter(kind="abandoned_cart").exists()


def test_checking_out_the_cart_itself_ends_it(clock, stocked):
    customer = shopper()
    cart = abandon(customer, stocked)
    place(cart=cart, customer=customer)

    assert scan(clock, 60).emailed == 0
    assert not EmailLog.objects.filter(kind="abandoned_cart").exists()


def test_buying_the_same_item_in_a_store_stops_it_another_item_does_not(clock, stocked, places):
    store = places["springfield"]
    buys_same, buys_other = shopper(), shopper()
    abandon(buys_same, stocked)
    abandon(buys_other, stocked)
    other = make_variant("15.00")
    receive(other, store, 5)
    clock.move_to(START + dt.timedelta(minutes=20))
    for customer, variant in ((buys_same, stocked), (buys_other, other)):
        place(
            [(variant.pk, 1)],
            customer=customer,
            fulfilment=services.CarryOut(),
            payment=services.PaymentChoice.pay_in_store(),
            channel=Channel.STORE,
            location=store,
        )
    mail.outbox.clear()

    run = scan(clock, 60)

    assert run.stopped["bought_in_store"] == 1
    assert [m.to for m in mail.outbox] == [[buys_other.email]]


def test_picking_up_an_order_stops_it(clock, stocked, places):
    store = places["springfield"]
    customer = shopper()
    order = place(
        [(stocked.pk, 1)],
        customer=customer,
        fulfilment=services.PickupAt(store.pk),
    )
    clock.move_to(START + dt.timedelta(minutes=1))
    abandon(customer, stocked)
    pickup = order.fulfilments.get()
    services.fulfilment_ready(fulfilment=pickup)
    clock.move_to(START + dt.timedelta(minutes=40))
    services.fulfilment_collect(fulfilment=pickup, code=order.number)
    mail.outbox.clear()

    run = scan(clock, 61)

    assert run.stopped["picked_up"] == 1 and run.emailed == 0


def test_an_emptied_cart_is_not_followed_up(clock, stocked):
    customer = shopper()
    cart = abandon(customer, stocked)
    services.cart_remove(cart=cart, variant_id=stocked.pk)
    cart.refresh_from_db()
    assert cart.recovery_due_at is None  # nothing due at all

    # Lines removed behind the services' back: the scan notices and stops.
    other = abandon(shopper(), stocked)
    other.lines.all().delete()
    run = scan(clock, 60)

    assert run.stopped["emptied"] == 1 and mail.outbox == []


def test_an_associates_outreach_after_the_cart_went_idle_stops_it(clock, stocked, places):
    store = places["springfield"]
    associate = f.AssociateFactory(home_location=store)
    contacted_before, contacted_after = shopper(), shopper()
    customer_services.outreach_record(
        customer=contacted_before, channel=ContactChannel.EMAIL, associate=associate
    )
    clock.move_to(START + dt.timedelta(minutes=1))
    abandon(contacted_before, stocked)
    abandon(contacted_after, stocked)
    clock.move_to(START + dt.timedelta(minutes=30))
    customer_services.outreach_record(
        customer=contacted_after, channel=ContactChannel.EMAIL, associate=associate
    )

    run = scan(clock, 61)

    assert run.stopped["associate_contacted"] == 1
    assert [m.to for m in mail.outbox] == [[contacted_before.email]]


# --- content true at send time ----------------------------------------------------------------


def test_only_n_left_appears_only_when_true(clock, places):
    few = make_variant("30.00")
    plenty = make_variant("30.00")
    receive(few, places["chicago"], 2)
    receive(plenty, places["chicago"], 50)
    customer = shopper()
    abandon(customer, few, plenty)

    scan(clock, 60)

    [message] = mail.outbox
    assert message.body.count("only 2 left") == 1
    assert "Only 2 left" in message.alternatives[0][0]
    line_of_plenty = next(line for line in message.body.splitlines() if plenty.product.name in line)
    assert "left" not in line_of_plenty


def test_available_today_at_my_store_only_when_the_store_has_it(clock, places):
    home = places["springfield"]
    here = make_variant("30.00")
    elsewhere = make_variant("30.00")
    receive(here, home, 4)
    receive(elsewhere, places["chicago"], 9)
    for v in (here, elsewhere):
        availability_refresh_variant(variant_id=v.pk)

    has_it = shopper(home_store=home)
    abandon(has_it, here)
    lacks_it = shopper(home_store=home)
    abandon(lacks_it, elsewhere)
    no_store = shopper()
    abandon(no_store, here)
    chose_the_store = shopper()  # no home store, but shopping with Springfield chosen
    Cart.objects.filter(pk=abandon(chose_the_store, here).pk).update(store=home)

    scan(clock, 60)

    by_to = {m.to[0]: m for m in mail.outbox}
    assert "available today at Springfield" in by_to[has_it.email].subject
    assert "available today at Springfield" in by_to[has_it.email].alternatives[0][0]
    assert "available today" not in by_to[lacks_it.email].body
    assert "available today" not in by_to[no_store.email].body
    assert "available today at Springfield" in by_to[chose_the_store.email].body


# --- high-value carts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "emails", "tasks"), [("both", 1, 1), ("task", 0, 1), ("email", 1, 0)]
)
def test_a_high_value_cart_becomes_a_task_for_the_home_store_by_setting(
    clock, places, settings, action, emails, tasks
):
    settings.OMNI_ABANDONED_CART_HIGH_VALUE_ACTION = action
    home = places["springfield"]
    pricey = make_variant("400.00")
    receive(pricey, places["chicago"], 5)
    customer = shopper(home_store=home)
    cart = abandon(customer, pricey)

    run = scan(clock, 60)

    assert (run.emailed, run.tasks) == (emails, tasks)
    assert len(mail.outbox) == emails
    assert FollowUpTask.objects.filter(customer=customer, location=home).count() == tasks
    if tasks:
        task = FollowUpTask.objects.get()
        assert "$400.00" in task.reason and task.created_by is None
        assert CartRecoveryStep.objects.get(cart=cart).task == task
    # The store's task is made once, not at every stage.
    scan(clock, 1440)
    assert FollowUpTask.objects.count() == tasks


def test_no_task_below_the_threshold_or_without_a_home_store(clock, places):
    pricey = make_variant("400.00")
    cheap = make_variant("40.00")
    for v in (pricey, cheap):
        receive(v, places["chicago"], 5)
    abandon(shopper(home_store=places["springfield"]), cheap)
    abandon(shopper(), pricey)

    run = scan(clock, 60)

    assert (run.emailed, run.tasks) == (2, 0)
    assert not FollowUpTask.objects.exists()


def test_one_to_one_consent_gets_the_store_task_but_no_email(clock, places):
    pricey = make_variant("400.00")
    receive(pricey, places["chicago"], 5)
    abandon(shopper(consent=ConsentState.ONE_TO_ONE, home_store=places["springfield"]), pricey)

    run = scan(clock, 60)

    assert (run.emailed, run.tasks) == (0, 1)
    assert mail.outbox == []


# --- restore clicks and metrics -------------------------------------------------------------


def restore_token_of(message) -> str:
    link = next(w for w in message.body.split() if "/cart/restore/" in w)
    return link.rstrip("/").rsplit("/", 1)[-1]


def test_a_click_on_the_restore_link_is_recorded_for_its_stage(clock, stocked):
    customer = shopper()
    cart = abandon(customer, stocked)
    scan(clock, 60)
    token = restore_token_of(mail.outbox[0])
    other_device = Cart.objects.create()

    services.cart_restore(token=token, into=None)  # opened on the same device
    restored = services.cart_restore(token=token, into=other_device)  # and on the phone

    step = CartRecoveryStep.objects.get(cart=cart)
    assert step.stage == 1 and step.clicks == 2
    assert step.first_clicked_at == START + dt.timedelta(minutes=60)
    assert step.restored_into == restored == other_device


def test_a_plain_restore_link_still_works_and_records_no_click(stocked, db):
    cart = abandon(shopper(), stocked)
    restored = services.cart_restore(token=services.cart_restore_token(cart))
    assert restored.pk == cart.pk
    assert not CartRecoveryStep.objects.exists()


def test_an_expired_restore_link_is_refused_and_records_nothing(clock, stocked, settings):
    settings.OMNI_CART_RESTORE_MAX_AGE_DAYS = 30
    customer = shopper()
    abandon(customer, stocked)
    scan(clock, 60)
    token = restore_token_of(mail.outbox[0])
    clock.move_to(START + dt.timedelta(days=31))

    with pytest.raises(services.CartRestoreInvalid) as caught:
        services.cart_restore(token=token)

    assert caught.value.code == "restore_link_expired"
    assert CartRecoveryStep.objects.get().clicks == 0


def test_metrics_count_sent_clicked_and_orders_recovered_within_seven_days(
    clock, places, django_assert_num_queries
):
    variant = make_variant("50.00")
    receive(variant, places["chicago"], 50)
    recovered_by_1, recovered_by_2, late, never = (shopper() for _ in range(4))
    carts = {c: abandon(c, variant) for c in (recovered_by_1, recovered_by_2, late, never)}
    scan(clock, 60)  # stage 1 for all four
    token = restore_token_of(sent_to(recovered_by_1.email)[0])
    services.cart_restore(token=token)
    clock.move_to(START + dt.timedelta(hours=5))
    place(cart=carts[recovered_by_1], customer=recovered_by_1)
    scan(clock, 1440)  # stage 2 for the three left
    clock.move_to(START + dt.timedelta(days=2))
    place(cart=carts[recovered_by_2], customer=recovered_by_2)
    clock.move_to(START + dt.timedelta(days=10))  # past the stage-2 window of "late"
    Cart.objects.filter(pk=carts[late].pk).update(recovery_due_at=None)
    place(cart=carts[late], customer=late)

    with django_assert_num_queries(1):
        metrics = selectors.cart_recovery_metrics()

    one, two, three = metrics.stages
    assert (one.stage, one.sent, one.clicked, one.recovered_orders) == (1, 4, 1, 1)
    assert one.recovered_value == Decimal("59.08")  # 50.00 + flat shipping + 3.13 Illinois tax
    assert (two.sent, two.clicked, two.recovered_orders) == (3, 0, 1)
    assert (three.sent, three.recovered_orders) == (0, 0)
    assert metrics.sent == 7 and metrics.recovered_orders == 2
    assert metrics.recovered_value == Decimal("118.16")
    assert selectors.cart_recovery_metrics(since=START + dt.timedelta(days=1)).sent == 3


def test_metrics_for_one_store(clock, places):
    home = places["springfield"]
    variant = make_variant("50.00")
    receive(variant, places["chicago"], 50)
    abandon(shopper(home_store=home), variant)
    abandon(shopper(), variant)
    scan(clock, 60)

    assert selectors.cart_recovery_metrics(store=home).sent == 1
    assert selectors.cart_recovery_metrics(store=home.pk).stages[0].sent == 1
    assert selectors.cart_recovery_metrics().sent == 2


# --- cost ------------------------------------------------------------------------------------


def count_queries(callable_):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        result = callable_()
    return len(ctx.captured_queries), result


def test_the_scan_costs_per_due_cart_not_per_cart(clock, stocked):
    due = [abandon(shopper(), stocked) for _ in range(3)]
    clock.move_to(START + dt.timedelta(minutes=60))
    queries_small, run = count_queries(services.carts_recover)
    assert run.emailed == 3
    # Many carts not due (fresh, or finished) cost nothing more.
    for cart in due:
        Cart.objects.filter(pk=cart.pk).update(recovery_stage=0, recovery_due_at=START)
    CartRecoveryStep.objects.all().delete()
    EmailLog.objects.all().delete()
    later = timezone.now() + dt.timedelta(days=1)
    for _ in range(30):
        customer = f.CustomerFactory()
        f.CartFactory(customer=customer, recovery_due_at=later)
        f.CartFactory(customer=customer, recovery_due_at=None)
    queries_large, run = count_queries(services.carts_recover)
    assert run.emailed == 3
    assert queries_large == queries_small


def test_the_scan_reads_batches_with_a_fixed_number_of_queries(clock, stocked):
    for _ in range(2):
        abandon(shopper(), stocked)
    clock.move_to(START + dt.timedelta(minutes=60))
    two, _ = count_queries(services.carts_recover)
    CartRecoveryStep.objects.all().delete()
    EmailLog.objects.all().delete()
    Cart.objects.update(recovery_stage=0, recovery_due_at=START)
    for _ in range(4):
        abandon(shopper(), stocked)
    Cart.objects.update(recovery_stage=0, recovery_due_at=START)
    six, _ = count_queries(services.carts_recover)
    per_cart = (six - two) / 4
    # Reading the batch is fixed; each due cart then costs its own lock, step, email log,
    # timeline entry and update (and their savepoints).
    assert two - 2 * per_cart <= 12
    assert per_cart <= 15


@pytest.mark.postgres
def test_the_due_carts_query_uses_the_partial_index(db):
    sql, params = services.carts_recovery_due(now=timezone.now()).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "cart_recovery_due_idx" in plan
