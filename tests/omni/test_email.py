"""Transactional and account emails: HTML with a plain-text alternative, absolute links
from SITE_URL, the same look; and reading them back in development (``emails_show``)."""

from __future__ import annotations

import re
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from omni.email import absolute_url, email_send_once
from orders import services
from tests import factories as f
from tests.orders import conftest as orders_fixtures
from tests.orders.helpers import place, receive

# The orders tests' geography and priced variant.
places = orders_fixtures.places
variant = orders_fixtures.variant

EMAILS = Path(django_settings.BASE_DIR) / "templates" / "emails"
ACCOUNT_EMAILS = Path(django_settings.BASE_DIR) / "templates" / "account" / "email"
RELATIVE_HREF = re.compile(r"""(href|src)="/""")


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = "https://shop.example.com"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def html_of(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def test_absolute_url_uses_site_url():
    assert absolute_url("/cart/") == "https://shop.example.com/cart/"
    assert absolute_url("cart/") == "https://shop.example.com/cart/"
    assert absolute_url("https://cdn.example.com/x.png") == "https://cdn.example.com/x.png"


def test_every_email_kind_has_html_text_and_subject():
    kinds = {p.name.split(".")[0] for p in EMAILS.glob("*.html")} - {"base"}
    assert {"order_confirmation", "abandoned_cart", "post_purchase", "refund_issued"} <= kinds
    for kind in kinds:
        assert (EMAILS / f"{kind}.txt").exists(), kind
        assert (EMAILS / f"{kind}_subject.txt").exists(), kind
        assert '{% extends "emails/base.html" %}' in (EMAILS / f"{kind}.html").read_text()


def test_every_link_in_every_email_template_is_built_by_the_sender():
    """No template hard-codes a relative link (which a mail client cannot follow): every
    href/src is a variable the sending code makes absolute with ``absolute_url``."""
    links = re.compile(r'(?:href|src)="([^"]*)"')
    for path in [*EMAILS.glob("*.html"), *ACCOUNT_EMAILS.glob("*.html")]:
        for link in links.findall(path.read_text()):
            assert link.startswith("{{") and link.endswith("}}"), (path.name, link)


def test_every_allauth_message_has_an_html_version_in_the_omni_look():
    import allauth

    shipped = Path(allauth.__file__).parent / "templates" / "account" / "email"
    messages = {p.name.removesuffix("_message.txt") for p in shipped.glob("*_message.txt")}
    messages -= {"base"}
    for name in messages:
        assert (ACCOUNT_EMAILS / f"{name}_message.html").exists(), name


def test_order_confirmation_has_the_number_the_code_and_absolute_links(
    places, variant, django_capture_on_commit_callbacks
):
    receive(variant, places["chicago"], 5)
    with django_capture_on_commit_callbacks(execute=True):
        order = place([(variant.pk, 1)])

    [message] = mail.outbox
    html = html_of(message)
    assert order.number in message.subject
    assert order.number in message.body and order.number in html
    assert (
        f"https://shop.example.com/orders/status/{order.number}:"
    )  # a guest: the signed link in message.body
    assert (
        f"https://shop.example.com/orders/status/{order.number}:"
    )  # a guest: the signed link in html
    assert 'src="data:image/' in html  # the scannable order code
    assert not RELATIVE_HREF.search(html)


def test_pickup_emails_link_absolutely(places, variant, django_capture_on_commit_callbacks):
    store = places["springfield"]
    receive(variant, store, 5)
    with django_capture_on_commit_callbacks(execute=True):
        order = place([(variant.pk, 1)], fulfilment=services.PickupAt(store.pk))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.fulfilment_ready(fulfilment=order.fulfilments.get())

    [message] = mail.outbox
    assert "Springfield" in message.body
    assert (
        f"https://shop.example.com/orders/status/{order.number}:"
    )  # a guest: the signed link in html_of(message)
    assert not RELATIVE_HREF.search(html_of(message))


def test_a_refund_outside_a_return_gets_a_receipt_once(
    places, variant, django_capture_on_commit_callbacks
):
    receive(variant, places["chicago"], 5)
    with django_capture_on_commit_callbacks(execute=True):
        order = place([(variant.pk, 2)])
    payment = order.payments.get()  # a shipped card order is captured at checkout
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.payment_refund(payment=payment, amount=payment.amount / 2, reason="Price match")

    with django_capture_on_commit_callbacks(execute=True):
        services.payment_refund(payment=payment, amount="1.00", reason="Again")
    assert [m.subject for m in mail.outbox].count(f"Refund of $1.00 for order {order.number}") == 1
    message = mail.outbox[0]
    assert message.subject == f"Refund of $52.07 for order {order.number}"  # half of 104.13
    assert "ending 4242" in message.body and "Price match" in html_of(message)
    assert (
        f"https://shop.example.com/orders/status/{order.number}:"
    )  # a guest: the signed link in html_of(message)
    # The outbox delivering the same message again sends nothing.
    from orders.emails import refund_issued_send

    assert refund_issued_send({"refund_id": payment.refunds.earliest("pk").pk}) is None


def test_password_reset_is_html_and_text_in_the_omni_look(client, db):
    f.UserFactory(email="ana@example.com")

    response = client.post(reverse("account_reset_password"), {"email": "ana@example.com"})

    assert response.status_code in (200, 302)
    [message] = mail.outbox
    html = html_of(message)
    assert "Choose a new password" in html
    assert "max-width:560px" in html  # the emails' base layout
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", message.body)
    assert link is not None and link.group(0) in html
    assert "Hello from Omni" in message.body


def test_signup_confirmation_is_html_and_text(client, db, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    client.post(
        reverse("account_signup"),
        {"email": "new@example.com", "password1": "a-Long-pass-42", "password2": "a-Long-pass-42"},
    )

    [message] = mail.outbox
    html = html_of(message)
    assert "new@example.com" in html
    # The real confirmation link (the same one as in the text part) is the HTML's button.
    link = re.search(r"https?://\S+/accounts/confirm-email/[^/\s]+/", message.body)
    assert link is not None
    assert f'href="{link.group(0)}"' in html
    assert "Confirm my email" in html
    # And it is a working key, not just something shaped like one.
    response = client.get(link.group(0).removeprefix("http://testserver"))
    assert response.status_code == 200
    assert "new@example.com" in response.content.decode()


# --- reading dev email --------------------------------------------------------------------------


@pytest.fixture
def test_templates(settings):
    here = Path(__file__).resolve().parents[1] / "templates"
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], here]}]


def test_emails_show_reads_the_file_backend(settings, tmp_path, db, test_templates):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    for n in range(3):
        email_send_once(
            kind="test_hello",
            object_type="tests.thing",
            object_id=n,
            to=f"reader{n}@example.com",
            context={"name": f"Reader {n}"},
        )
        # The file backend writes no sequence number; the command orders messages by file
        # time, which the kernel stamps with a coarse (~4 ms) clock. Real sends are
        # further apart than that; three in a row in a test are not.
        time.sleep(0.03)
    out = StringIO()

    call_command("emails_show", "--last", "2", "--html", str(tmp_path / "html"), stdout=out)

    text = out.getvalue()
    assert "reader0@example.com" not in text
    assert "reader1@example.com" in text and "reader2@example.com" in text
    assert (tmp_path / "html" / "2.html").read_text().count("Reader 2") >= 1


def test_emails_show_lists_the_log_for_other_backends(db, test_templates):
    email_send_once(
        kind="test_hello",
        object_type="tests.thing",
        object_id=1,
        to="logged@example.com",
        context={"name": "Logged"},
    )
    out = StringIO()
    call_command("emails_show", "--log", stdout=out)
    assert "test_hello → logged@example.com" in out.getvalue()


def test_emails_show_with_nothing_sent(settings, tmp_path, db):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    out = StringIO()
    call_command("emails_show", stdout=out)
    assert "No emails" in out.getvalue()
