"""Newsletters: a campaign to a segment of 1,000 customers goes out in throttled batches
through the outbox with the same queries per batch, only to marketing email consent,
once per customer (retries included), in each customer's language (else the market's
default); one-click unsubscribe by the link and by the List-Unsubscribe POST; bounces and
unsubscribes counted per campaign."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.errors import CampaignNotSendable
from campaigns.models import Campaign, CampaignSend, CampaignVersion, Segment
from campaigns.services import campaign_batch_send, campaign_send_start
from campaigns.services.newsletters import BATCH_TOPIC, campaign_counts
from customers.models import Consent, ConsentState, ContactChannel, Customer
from omni.models import EmailLog, OutboxMessage
from omni.outbox import outbox_deliver
from tests import factories as f

pytestmark = pytest.mark.django_db


def _customers(n: int, *, state: str | None, language: str = "en", prefix: str = "c") -> None:
    """``n`` customers (bulk: a big segment quickly), with that email consent."""
    made = Customer.objects.bulk_create(
        Customer(
            first_name=f"{prefix}{i}",
            email=f"{prefix}{i}@example.com",
            language=language,
        )
        for i in range(n)
    )
    if state:
        Consent.objects.bulk_create(
            Consent(customer=c, channel=ContactChannel.EMAIL, state=state) for c in made
        )


def _campaign(rules=None, *, languages=("en", "th")) -> Campaign:
    segment = Segment.objects.create(name="Everyone", rules=rules or {})
    campaign = Campaign.objects.create(name="Spring", segment=segment)
    texts = {"en": "Spring is here", "th": "ฤดูใบไม้ผลิมาแล้ว", "fa": "بهار آمد"}
    for language in languages:
        CampaignVersion.objects.create(
            campaign=campaign,
            language=language,
            subject=texts[language],
            body=f"{texts[language]}\n\nSee what is new.",
        )
    product = f.ProductFactory(name="Linen Shirt")
    f.PriceFactory(variant=f.VariantFactory(product=product))
    campaign.products.add(product)
    return campaign


def _pending_batches():
    return OutboxMessage.objects.filter(topic=BATCH_TOPIC, status=OutboxMessage.Status.PENDING)


@pytest.fixture
def batches(settings):
    settings.OMNI_CAMPAIGN_BATCH_SIZE = 100
    settings.OMNI_CAMPAIGN_BATCH_PAUSE_SECONDS = 30


def test_a_thousand_customers_in_throttled_batches_with_constant_queries(
    batches, django_assert_max_num_queries
):
    _customers(900, state=ConsentState.MARKETING, language="en")
    _customers(100, state=ConsentState.MARKETING, language="th", prefix="t")
    _customers(40, state=ConsentState.ONE_TO_ONE, prefix="o")  # not marketing: left out
    _customers(30, state=None, prefix="n")  # no consent at all: left out
    campaign = _campaign()
    campaign_send_start(campaign=campaign)  # records the first batch (not relayed here)

    per_batch = []
    waits = []
    ran_at = None
    while (message := _pending_batches().order_by("available_at").first()) is not None:
        if ran_at is not None:
            waits.append((message.available_at - ran_at).total_seconds())
        ran_at = timezone.now()
        before = len(mail.outbox)
        with django_assert_max_num_queries(20), CaptureQueriesContext(connection) as captured:
            assert outbox_deliver(message_id=message.pk)
        per_batch.append((len(mail.outbox) - before, len(captured)))

    sizes = [sent for sent, _queries in per_batch]
    assert sizes == [100] * 10 + [0]  # the last batch finds nobody left and closes
    queries = {q for sent, q in per_batch if sent}
    assert len(queries) == 1, per_batch  # the same for every full batch
    # Throttled: each batch is due a pause after the one before it ran (the outbox sweep
    # hands it to a worker when due).
    assert len(waits) == 10 and min(waits) >= 30

    recipients = [m.to[0] for m in mail.outbox]
    assert len(recipients) == len(set(recipients)) == 1000
    assert not any(r.startswith(("o", "n")) for r in recipients)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert campaign_counts([campaign.pk])[campaign.pk] == {
        "sent": 1000,
        "bounced": 0,
        "unsubscribed": 0,
    }
    thai = next(m for m in mail.outbox if m.to == ["t0@example.com"])
    assert thai.subject == "ฤดูใบไม้ผลิมาแล้ว" and thai.extra_headers["Content-Language"] == "th"
    english = next(m for m in mail.outbox if m.to == ["c0@example.com"])
    assert english.subject == "Spring is here"
    slug = campaign.products.get().slug
    assert "Linen Shirt" in english.body and f"/p/{slug}/" in english.body
    assert EmailLog.objects.filter(kind="newsletter").count() == 1000


def test_a_batch_costs_the_same_queries_whatever_its_size(settings):
    _customers(60, state=ConsentState.MARKETING)
    counts = []
    for size in (5, 50):
        settings.OMNI_CAMPAIGN_BATCH_SIZE = size
        campaign = _campaign()
        campaign_send_start(campaign=campaign)
        with CaptureQueriesContext(connection) as captured:
            assert campaign_batch_send({"campaign_id": campaign.pk, "after": 0}) == size
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_a_language_without_a_version_gets_the_market_default(batches):
    _customers(3, state=ConsentState.MARKETING, language="fa")
    campaign = _campaign(languages=("en",))
    campaign_send_start(campaign=campaign)
    campaign_batch_send({"campaign_id": campaign.pk, "after": 0})
    assert {m.subject for m in mail.outbox} == {"Spring is here"}
    assert set(CampaignSend.objects.values_list("language", flat=True)) == {"en"}


def test_a_retried_batch_sends_nobody_twice(batches):
    _customers(5, state=ConsentState.MARKETING)
    campaign = _campaign()
    campaign_send_start(campaign=campaign)
    assert campaign_batch_send({"campaign_id": campaign.pk, "after": 0}) == 5
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.SENDING)
    assert campaign_batch_send({"campaign_id": campaign.pk, "after": 0}) == 0
    assert len(mail.outbox) == 5 and CampaignSend.objects.count() == 5


def test_a_failing_mail_server_rolls_the_batch_back_for_the_retry(batches, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    _customers(3, state=ConsentState.MARKETING)
    campaign = _campaign()
    campaign_send_start(campaign=campaign)

    def down(self, messages):
        raise ConnectionError("smtp down")

    monkeypatch.setattr(EmailBackend, "send_messages", down)
    with pytest.raises(ConnectionError):
        campaign_batch_send({"campaign_id": campaign.pk, "after": 0})
    assert CampaignSend.objects.count() == 0
    monkeypatch.undo()
    assert campaign_batch_send({"campaign_id": campaign.pk, "after": 0}) == 3


def test_a_campaign_is_sent_once_and_needs_the_default_language():
    _customers(1, state=ConsentState.MARKETING)
    with pytest.raises(CampaignNotSendable):
        campaign_send_start(campaign=_campaign(languages=("th",)))
    campaign = _campaign()
    campaign_send_start(campaign=campaign)
    with pytest.raises(CampaignNotSendable):
        campaign_send_start(campaign=campaign)


def test_a_scheduled_campaign_starts_when_due(batches):
    from campaigns.services import campaigns_scheduled_start

    _customers(2, state=ConsentState.MARKETING)
    campaign = _campaign()
    later = timezone.now() + dt.timedelta(hours=2)
    assert campaign_send_start(campaign=campaign, at=later).status == Campaign.Status.SCHEDULED
    assert campaigns_scheduled_start() == 0
    assert campaigns_scheduled_start(now=later + dt.timedelta(minutes=1)) == 1
    campaign.refresh_from_db()
    assert campaign.status in (Campaign.Status.SENDING, Campaign.Status.SENT)


# --- unsubscribe and bounces ----------------------------------------------------------


@pytest.fixture
def sent(batches):
    _customers(2, state=ConsentState.MARKETING)
    campaign = _campaign()
    campaign_send_start(campaign=campaign)
    campaign_batch_send({"campaign_id": campaign.pk, "after": 0})
    return campaign


def _consent(email: str) -> str:
    return Consent.objects.get(customer__email=email, channel=ContactChannel.EMAIL).state


def test_the_headers_offer_one_click_unsubscribe(sent):
    message = next(m for m in mail.outbox if m.to == ["c0@example.com"])
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert url in message.body  # the footer's link is the same one


def test_unsubscribe_by_the_link_asks_first_then_counts(client, sent):
    message = next(m for m in mail.outbox if m.to == ["c0@example.com"])
    path = urlsplit(message.extra_headers["List-Unsubscribe"].strip("<>")).path
    page = client.get(path)
    assert page.status_code == 200 and "c***@example.com" in page.content.decode()
    assert _consent("c0@example.com") == ConsentState.MARKETING  # a GET changes nothing
    done = client.post(path)
    assert "You are unsubscribed" in done.content.decode()
    assert _consent("c0@example.com") == ConsentState.NONE
    assert _consent("c1@example.com") == ConsentState.MARKETING
    assert campaign_counts([sent.pk])[sent.pk]["unsubscribed"] == 1


def test_the_mail_clients_one_click_post_needs_no_csrf(sent):
    from django.test import Client

    message = next(m for m in mail.outbox if m.to == ["c1@example.com"])
    path = urlsplit(message.extra_headers["List-Unsubscribe"].strip("<>")).path
    response = Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert _consent("c1@example.com") == ConsentState.NONE
    # Unsubscribed customers are not in the next campaign.
    again = _campaign()
    campaign_send_start(campaign=again)
    assert campaign_batch_send({"campaign_id": again.pk, "after": 0}) == 1


def test_a_forged_unsubscribe_link_is_a_400(client):
    response = client.get("/email/newsletter/1:forged/unsubscribe/")
    assert response.status_code == 400


def test_bounces_are_recorded_by_the_command_and_counted(sent):
    out = io.StringIO()
    call_command("campaign_bounces", "C0@example.com", "nobody@example.com", stdout=out)
    assert "1 of 2" in out.getvalue()
    call_command("campaign_bounces", "c0@example.com", stdout=io.StringIO())  # once only
    assert campaign_counts([sent.pk])[sent.pk] == {"sent": 2, "bounced": 1, "unsubscribed": 0}
