"""Every email to a customer is rendered in the customer's language (omni.email): the
order confirmation of a Vietnamese customer, the abandoned-cart email of a Thai one, a
pickup notice of a Persian one (right to left) — whatever language the sender speaks."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext

from orders import services
from tests import factories as f
from tests.orders.helpers import place, receive
from tests.orders.test_recovery import abandon, clock, recovery_settings, scan, shopper  # noqa: F401
from tests.test_i18n_no_english import english_left

pytestmark = pytest.mark.django_db


def html_of(message) -> str:
    return next(body for body, kind in message.alternatives if kind == "text/html")


def lang_dir(html: str) -> tuple[str, str]:
    match = re.search(r'<html lang="([^"]+)" dir="([^"]+)"', html)
    assert match, "no <html lang dir> in the email"
    return match.group(1), match.group(2)


def test_a_vietnamese_customers_confirmation_is_in_vietnamese(
    places, variant, django_capture_on_commit_callbacks
):
    receive(variant, places["warehouse"], 5)
    customer = f.CustomerFactory(email="lan@example.com", first_name="Lan", language="vi")
    # The request that places the order speaks English: the email still follows the customer.
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        order = place([(variant.pk, 1)], customer=customer)
    (message,) = mail.outbox
    assert message.to == ["lan@example.com"]
    assert order.number in message.subject
    assert lang_dir(html_of(message)) == ("vi", "ltr")
    assert message.extra_headers["Content-Language"] == "vi"
    # The words are Vietnamese, not only the tag: the subject is the catalogue's, and no
    # English sentence of the email is left in either body.
    with translation.override("vi"):
        subject = gettext("Thank you! Order %(number)s is confirmed") % {"number": order.number}
    assert message.subject == subject
    assert "Thank you" not in message.body and "Thank you" not in html_of(message)
    assert english_left(html_of(message), "vi")[0] == []


def test_a_persian_customers_pickup_notice_is_right_to_left(
    places, variant, django_capture_on_commit_callbacks
):
    store = places["springfield"]
    receive(variant, store, 5)
    customer = f.CustomerFactory(email="sara@example.com", language="fa")
    with django_capture_on_commit_callbacks(execute=True):
        order = place(
            [(variant.pk, 1)], customer=customer, fulfilment=services.PickupAt(store_id=store.pk)
        )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.fulfilment_ready(fulfilment=order.fulfilments.get())
    (message,) = mail.outbox
    assert lang_dir(html_of(message)) == ("fa", "rtl")


def test_an_abandoned_cart_email_to_a_thai_customer_is_thai(clock, places, variant):  # noqa: F811
    receive(variant, places["chicago"], 20)
    customer = shopper(email="somchai@example.com", language="th")
    abandon(customer, variant)
    with translation.override("vi"):  # the worker's language does not matter
        assert scan(clock, 60).emailed == 1
    (message,) = mail.outbox
    assert lang_dir(html_of(message)) == ("th", "ltr")
    assert message.extra_headers["Content-Language"] == "th"
    assert "cart" not in message.subject.lower()
    assert re.search(r"[\u0e00-\u0e7f]", message.subject), message.subject  # Thai script
    assert english_left(html_of(message), "th")[0] == []


def test_a_new_customer_from_checkout_reads_the_language_of_the_page(places, variant):
    receive(variant, places["warehouse"], 5)
    contact = services.Contact(email="new@example.com", language="th")
    order = place([(variant.pk, 1)], contact=contact)
    assert order.customer.language == "th"
    # Someone we know keeps their own language.
    again = place([(variant.pk, 1)], contact=services.Contact(email="new@example.com"))
    assert again.customer.language == "th"
