"""send_message: consent per channel and purpose, numbers, segments, quiet hours, the
outbox (a provider outage delays and loses nothing), delivery receipts, replies, STOP."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import override_settings

from customers.models import ConsentState, ContactChannel, Interaction
from customers.selectors import consent_state
from messaging import services
from messaging.errors import (
    InvalidNumber,
    MessageInvalid,
    MessageTooLong,
    NoConsent,
    NoContact,
    ProviderUnavailable,
)
from messaging.models import Message, Thread
from messaging.providers import ConsoleProvider, SmsInbound, SmsSent, SmsStatus, sms_segments
from omni.models import OutboxMessage
from tests.messaging.conftest import consent

pytestmark = pytest.mark.django_db

M, OTO, N = ConsentState.MARKETING, ConsentState.ONE_TO_ONE, ConsentState.NONE

# (purpose, consent state, allowed?) for both channels.
MATRIX = [
    ("marketing", M, True),
    ("marketing", OTO, False),
    ("marketing", N, False),
    ("marketing", None, False),
    ("one_to_one", M, True),
    ("one_to_one", OTO, True),
    ("one_to_one", N, False),
    ("one_to_one", None, False),
    ("requested", N, True),
    ("requested", None, True),
]


@pytest.mark.parametrize("channel", ["sms", "email"])
@pytest.mark.parametrize(("purpose", "state", "allowed"), MATRIX)
def test_consent_decides_per_channel_and_purpose(
    customer, associate, store, channel, purpose, state, allowed, django_capture_on_commit_callbacks
):
    if state is not None:
        consent(customer, channel, state)
    kwargs = dict(
        channel=channel,
        purpose=purpose,
        body="Hello Ana",
        subject="Hello",
        customer=customer,
        associate=associate,
        location=store,
    )
    if not allowed:
        with pytest.raises(NoConsent):
            services.send_message(**kwargs)
        assert not Message.objects.exists()
        assert not OutboxMessage.objects.exists()
        return
    with django_capture_on_commit_callbacks(execute=True):
        message = services.send_message(**kwargs)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.sent_at is not None
    if channel == "email":
        assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    else:
        assert message.provider == "console"
        assert message.provider_id.startswith("DEV")
        assert message.to == "+12015550123"


@pytest.mark.parametrize("chosen", ["email", "sms"])
def test_service_text_only_when_the_customer_chose_texts(customer, chosen):
    customer.service_messages_by = chosen
    customer.save()
    if chosen == "sms":
        assert services.send_message(
            channel="sms", purpose="service", body="Ready", customer=customer
        )
    else:
        with pytest.raises(NoConsent):
            services.send_message(channel="sms", purpose="service", body="Ready", customer=customer)
    # Service emails need only the address.
    assert services.send_message(
        channel="email", purpose="service", body="Ready", customer=customer
    )


def test_one_to_one_and_marketing_need_a_customer():
    with pytest.raises(MessageInvalid):
        services.send_message(channel="sms", purpose="one_to_one", body="Hi", to="+12015550123")
    # An alert a guest asked for goes to the number they gave.
    message = services.send_message(
        channel="sms", purpose="requested", body="Back!", to="201-555-0123"
    )
    assert message.to == "+12015550123"


def test_invalid_number_for_its_country_is_refused(textable):
    textable.phone = "+66 12"
    textable.save()
    with pytest.raises(InvalidNumber) as error:
        services.send_message(channel="sms", purpose="one_to_one", body="Hi", customer=textable)
    assert error.value.code == "invalid_number"
    with override_settings(OMNI_MARKET="TH"), pytest.raises(InvalidNumber):
        services.send_message(channel="sms", purpose="requested", body="Hi", to="081 234")
    assert not Message.objects.exists()


def test_no_number_or_address(textable):
    textable.phone = ""
    textable.email = ""
    textable.save()
    for channel in ("sms", "email"):
        with pytest.raises(NoContact):
            services.send_message(
                channel=channel, purpose="one_to_one", body="Hi", customer=textable
            )


def test_empty_unknown_and_too_long(textable):
    with pytest.raises(MessageInvalid):
        services.send_message(channel="sms", purpose="one_to_one", body="  ", customer=textable)
    with pytest.raises(MessageInvalid):
        services.send_message(channel="fax", purpose="one_to_one", body="Hi", customer=textable)
    with pytest.raises(MessageInvalid):
        services.send_message(channel="sms", purpose="spam", body="Hi", customer=textable)
    with pytest.raises(MessageInvalid):
        services.send_message(
            channel="sms", purpose="one_to_one", body="x" * 1601, customer=textable
        )


def test_segments_gsm_and_unicode():
    assert sms_segments("a" * 160) == 1
    assert sms_segments("a" * 161) == 2
    assert sms_segments("€" * 80) == 1  # extension characters count twice
    assert sms_segments("€" * 81) == 2
    assert sms_segments("ก" * 70) == 1  # Thai: UCS-2
    assert sms_segments("ก" * 71) == 2
    assert sms_segments("ก" * 134) == 2


def test_a_long_text_is_split_or_refused_by_setting(textable):
    long_text = "Your size is back. " * 12  # 228 characters: two segments
    message = services.send_message(
        channel="sms", purpose="one_to_one", body=long_text, customer=textable
    )
    assert message.segments == 2
    with override_settings(OMNI_SMS_LONG_TEXTS="refuse"), pytest.raises(MessageTooLong):
        services.send_message(
            channel="sms", purpose="one_to_one", body=long_text, customer=textable
        )
    with override_settings(OMNI_SMS_MAX_SEGMENTS=1), pytest.raises(MessageTooLong):
        services.send_message(
            channel="sms", purpose="one_to_one", body=long_text, customer=textable
        )


def test_quiet_hours_delay_to_the_morning_in_the_stores_zone(textable, store, associate):
    zone = ZoneInfo("America/New_York")
    late = dt.datetime(2026, 3, 10, 22, 30, tzinfo=zone)
    with override_settings(OMNI_MESSAGE_QUIET_HOURS="21:00-08:00"):
        assert services.quiet_hours_end(now=late, zone=zone) == dt.datetime(
            2026, 3, 11, 8, 0, tzinfo=zone
        )
        early = dt.datetime(2026, 3, 10, 6, 0, tzinfo=zone)
        assert services.quiet_hours_end(now=early, zone=zone) == dt.datetime(
            2026, 3, 10, 8, 0, tzinfo=zone
        )
        assert services.quiet_hours_end(now=late.replace(hour=12), zone=zone) is None
        from unittest import mock

        with mock.patch("messaging.services.sending.timezone.now", return_value=late):
            message = services.send_message(
                channel="sms",
                purpose="one_to_one",
                body="Hi",
                customer=textable,
                location=store,
                associate=associate,
            )
            service = services.send_message(
                channel="email", purpose="service", body="Ready", customer=textable, location=store
            )
    outbox = OutboxMessage.objects.get(payload__message_id=message.pk)
    assert message.send_after == dt.datetime(2026, 3, 11, 8, 0, tzinfo=zone)
    assert outbox.available_at == message.send_after  # delayed, not dropped
    assert message.status == Message.Status.QUEUED
    assert service.send_after is None


class Flaky(ConsoleProvider):
    """Down for the first ``down`` sends."""

    name = "flaky"

    def __init__(self, down):
        self.down = down

    def send(self, *, to, body, status_callback):
        if self.down:
            self.down -= 1
            raise ProviderUnavailable()
        return SmsSent(provider_id="FLAKY1")


def test_a_provider_outage_delays_and_loses_nothing(
    textable, store, associate, monkeypatch, django_capture_on_commit_callbacks
):
    from omni.outbox import outbox_deliver

    flaky = Flaky(down=2)
    monkeypatch.setattr("messaging.services.sending.sms_provider", lambda: flaky)
    with django_capture_on_commit_callbacks(execute=True):
        message = services.send_message(
            channel="sms",
            purpose="one_to_one",
            body="Hi",
            customer=textable,
            location=store,
            associate=associate,
        )
    row = OutboxMessage.objects.get(payload__message_id=message.pk)
    assert row.status == OutboxMessage.Status.PENDING and row.attempts == 1
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED
    assert outbox_deliver(message_id=row.pk) is False  # still down
    assert outbox_deliver(message_id=row.pk) is True  # back
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.provider_id == "FLAKY1"
    assert outbox_deliver(message_id=row.pk) is False  # once only


def test_consent_withdrawn_while_queued_stops_the_text(textable, store, associate):
    from omni.outbox import outbox_deliver

    message = services.send_message(
        channel="sms",
        purpose="one_to_one",
        body="Hi",
        customer=textable,
        location=store,
        associate=associate,
    )
    consent(textable, ContactChannel.SMS, N)
    row = OutboxMessage.objects.get(payload__message_id=message.pk)
    outbox_deliver(message_id=row.pk)
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert "consent" in message.error


def test_thread_and_timeline_for_an_associates_text(textable, store, associate):
    message = services.send_message(
        channel="sms",
        purpose="one_to_one",
        body="Your size is back",
        customer=textable,
        location=store,
        associate=associate,
    )
    thread = Thread.objects.get()
    assert message.thread == thread and thread.associate == associate and thread.unread == 0
    entry = Interaction.objects.get(customer=textable, kind=Interaction.Kind.OUTREACH)
    assert entry.summary_text == "Caleb texted Ana: “Your size is back”"


def _sent(customer, store, associate):
    message = services.send_message(
        channel="sms",
        purpose="one_to_one",
        body="Hi Ana",
        customer=customer,
        location=store,
        associate=associate,
    )
    message.status, message.provider, message.provider_id = Message.Status.SENT, "console", "SM1"
    message.save()
    return message


def test_delivery_receipts_move_forward_only(textable, store, associate):
    message = _sent(textable, store, associate)
    services.message_status_update(provider="console", status=SmsStatus("SM1", "delivered"))
    services.message_status_update(provider="console", status=SmsStatus("SM1", "sent"))
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED and message.delivered_at
    assert (
        services.message_status_update(provider="console", status=SmsStatus("NOPE", "delivered"))
        is None
    )
    assert Interaction.objects.filter(summary_key="message.sms_delivered").count() == 1


def test_a_reply_lands_in_the_thread_matched_by_phone(textable, store, associate):
    _sent(textable, store, associate)
    reply = services.message_receive_sms(
        provider="console",
        inbound=SmsInbound("SMin1", "+1 201-555-0123", "+16175550000", "Yes please!"),
    )
    again = services.message_receive_sms(
        provider="console",
        inbound=SmsInbound("SMin1", "+12015550123", "+16175550000", "Yes please!"),
    )
    assert again == reply  # a retried callback is the same message
    assert reply.customer == textable and reply.thread.location == store
    assert Thread.objects.get().unread == 1
    assert Interaction.objects.filter(summary_key="message.sms_reply").count() == 1


def test_an_unknown_number_is_kept_without_a_customer(db):
    message = services.message_receive_sms(
        provider="console", inbound=SmsInbound("SMx", "+12015559999", "", "who is this")
    )
    assert message.customer is None and message.thread is None


@pytest.mark.parametrize(
    "word",
    [
        "STOP",
        "stop",
        " Stop. ",
        "หยุด",
        "DUNG",
        "DỪNG",
        "dừng",
        "HUY",
        "Hủy",
        "لغو",
        "TIGIL",
        "tigil",
    ],
)
def test_stop_and_local_equivalents_turn_sms_consent_to_none(textable, word):
    textable.service_messages_by = "sms"
    textable.save()
    services.message_receive_sms(
        provider="console", inbound=SmsInbound("SMs", "+12015550123", "", word)
    )
    assert consent_state(customer=textable, channel=ContactChannel.SMS) == N
    textable.refresh_from_db()
    assert textable.service_messages_by == "email"
    with pytest.raises(NoConsent):
        services.send_message(channel="sms", purpose="one_to_one", body="Hi", customer=textable)


@pytest.mark.parametrize("text", ["Stop by tomorrow?", "STOPPED", "don't stop"])
def test_a_sentence_with_stop_in_it_is_a_reply(textable, text):
    services.message_receive_sms(
        provider="console", inbound=SmsInbound("SMr", "+12015550123", "", text)
    )
    assert consent_state(customer=textable, channel=ContactChannel.SMS) == OTO


def test_web_message_lands_in_the_associates_thread(customer, store, associate):
    message = services.message_receive_web(
        customer=customer, body="Is the blazer in 38?", location=store, associate=associate
    )
    thread = Thread.objects.get()
    assert message.thread == thread and thread.associate == associate and thread.unread == 1
    with pytest.raises(MessageInvalid):
        services.message_receive_web(
            customer=customer, body=" ", location=store, associate=associate
        )


def test_dedupe_key_sends_once(textable):
    first = services.send_message(
        channel="email", purpose="service", body="Ready", customer=textable, dedupe_key="k1"
    )
    second = services.send_message(
        channel="email", purpose="service", body="Ready", customer=textable, dedupe_key="k1"
    )
    assert first == second and Message.objects.count() == 1


def test_message_in_the_customers_language(
    textable, associate, store, django_capture_on_commit_callbacks
):
    textable.language = "th"
    textable.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.send_message(
            channel="email",
            purpose="one_to_one",
            subject="Hi",
            body="สวัสดี",
            customer=textable,
            associate=associate,
            location=store,
        )
    assert mail.outbox[0].extra_headers["Content-Language"] == "th"


def test_interactions_are_not_written_for_marketing(customer):
    consent(customer, ContactChannel.EMAIL, M)
    services.send_message(
        channel="email", purpose="marketing", subject="News", body="News", customer=customer
    )
    assert not Interaction.objects.filter(kind=Interaction.Kind.OUTREACH).exists()


def test_a_mistyped_quiet_hours_setting_does_not_stop_texts():
    zone = ZoneInfo("Asia/Bangkok")
    with override_settings(OMNI_MESSAGE_QUIET_HOURS="late-early"):
        assert (
            services.quiet_hours_end(now=dt.datetime(2026, 1, 1, 23, tzinfo=zone), zone=zone)
            is None
        )
