"""An associate texts a client from the 360 on a tablet (1024×768), the client's reply
arrives through the signed SMS webhook, and the associate reads the thread in the inbox —
in English and in Persian (right to left). Screens are shot when E2E_SCREENSHOTS is set."""

import re
import urllib.parse
import urllib.request

import pytest
from django.conf import settings as django_settings

from customers.services import consent_set
from messaging.models import Message, Thread
from messaging.providers import _twilio_signature
from tests import factories as f
from tests.e2e.conftest import PHONE, TABLET

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"


def log_in(page, base, email, next_url):
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"**{next_url}")


def inbound_text(base: str, body: str, sid: str) -> int:
    """What the provider does when the client answers: a signed form POST."""
    path = "/webhooks/sms/inbound/"
    params = {"MessageSid": sid, "From": "+12015550123", "To": "+16175550000", "Body": body}
    signature = _twilio_signature(
        django_settings.SECRET_KEY, f"{django_settings.SITE_URL}{path}", params
    )
    request = urllib.request.Request(
        f"{base}{path}",
        data=urllib.parse.urlencode(params).encode(),
        headers={"X-Twilio-Signature": signature},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


@pytest.fixture
def client_book(settings):
    settings.OMNI_MESSAGE_QUIET_HOURS = ""
    settings.SMS_URL = "console:"
    store = f.LocationFactory(name="Salem", code="SAL")
    user = f.UserFactory(username="caleb", email="caleb@example.com", first_name="Caleb")
    user.set_password(PASSWORD)
    user.save()
    caleb = f.AssociateFactory(user=user, home_location=store, display_name="Caleb")
    ana = f.CustomerFactory(
        first_name="Ana",
        last_name="Lima",
        email="ana@example.com",
        phone="+12015550123",
        home_store=store,
        primary_associate=caleb,
    )
    f.CustomerIdentityFactory(customer=ana, kind="phone", value="+12015550123")
    consent_set(customer=ana, channel="sms", state="one_to_one", source="store")
    return {"store": store, "caleb": caleb, "ana": ana}


def test_an_associate_texts_a_client_and_reads_the_reply(
    live_server, browser, client_book, screenshot
):
    ana, caleb = client_book["ana"], client_book["caleb"]
    page = browser.new_page(viewport=TABLET)
    detail = f"/backoffice/customers/{ana.pk}/"
    log_in(page, live_server.url, "caleb@example.com", detail)
    page.wait_for_load_state("load")
    card = page.locator("#conversation")
    assert "may text" in card.inner_text()
    # A template, in Ana's language, fills the box; the associate adds a word and sends.
    page.select_option("#message-template", "size_back")
    page.wait_for_function("document.querySelector('#message-body').value.includes('Salem')")
    page.fill("#message-body", page.input_value("#message-body") + " (38)")
    page.check("input[name=channel][value=sms]")
    page.click("#conversation button:has-text('Send')")
    page.wait_for_selector("#conversation .bo-bubble.out")
    message = Message.objects.get(direction="out")
    assert message.status == "sent" and message.to == "+12015550123"
    assert "(38)" in page.locator("#conversation .bo-bubble.out").inner_text()
    # The timeline says so too (swapped in with the card).
    assert "Caleb texted Ana" in page.locator("#timeline").inner_text()
    screenshot(page, "360-sent")

    # Ana answers; the provider posts it to the webhook.
    assert inbound_text(live_server.url, "Yes please, hold it for me!", "SMreply1") == 200
    page.goto(f"{live_server.url}/backoffice/inbox/")
    page.wait_for_load_state("load")
    row = page.locator(".bo-inbox li").first
    assert "Ana Lima" in row.inner_text() and "1 new" in row.inner_text()
    screenshot(page, "inbox")
    row.locator("a").click()
    page.wait_for_url(re.compile(r"/backoffice/inbox/\d+/$"))
    bubbles = page.locator("#thread .bo-bubble")
    assert bubbles.count() == 2
    assert "Yes please" in page.locator("#thread .bo-bubble.in").inner_text()
    assert Thread.objects.get().unread == 0
    # The thread fits the tablet: nothing wider than the window.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= TABLET["width"]
    screenshot(page, "thread")

    # The same thread for an associate who reads Persian: right to left.
    caleb.language = "fa"
    caleb.save()
    page.reload()
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    screenshot(page, "thread-fa")
    # And on a phone.
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "thread-fa-phone")
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}{detail}")
    page.wait_for_load_state("load")
    screenshot(page, "360-fa")
    page.close()
