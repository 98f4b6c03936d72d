"""The Twilio adapter against a local fake of its REST API (a thread running
http.server): send, delivery receipt, inbound reply, STOP, a bad signature, an outage."""

import base64
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.test import override_settings

from customers.models import ConsentState, ContactChannel
from customers.selectors import consent_state
from messaging import services
from messaging.models import Message, Thread
from messaging.providers import _twilio_signature
from omni.models import OutboxMessage

pytestmark = pytest.mark.django_db

SID, TOKEN = "AC0123456789", "secret-token"


class FakeTwilio(BaseHTTPRequestHandler):
    received: list[dict] = []
    down = 0  # answer 503 this many times

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            return self._answer(401, {"code": 20003, "message": "Authenticate"})
        if self.path != f"/2010-04-01/Accounts/{SID}/Messages.json":
            return self._answer(404, {"code": 20404})
        if FakeTwilio.down:
            FakeTwilio.down -= 1
            return self._answer(503, {"message": "Service unavailable"})
        if form.get("To") == "+12015550000":
            return self._answer(400, {"code": 21211, "message": "Invalid 'To' Phone Number"})
        FakeTwilio.received.append(form)
        sid = f"SM{len(FakeTwilio.received):032d}"
        self._answer(201, {"sid": sid, "status": "queued", "num_segments": "1"})

    def _answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture
def fake_twilio():
    FakeTwilio.received = []
    FakeTwilio.down = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTwilio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"twilio+http://{SID}:{TOKEN}@127.0.0.1:{server.server_port}?from=%2B16175550000"
    with override_settings(SMS_URL=url):
        yield FakeTwilio
    server.shutdown()
    server.server_close()


def signed_post(client, path, params, token=TOKEN):
    signature = _twilio_signature(token, f"{settings.SITE_URL}{path}", params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_send_receipt_reply_and_stop_through_the_fake(
    fake_twilio, client, textable, store, associate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.send_message(
            channel="sms",
            purpose="one_to_one",
            body="Hi Ana, your size is back",
            customer=textable,
            associate=associate,
            location=store,
        )
    message.refresh_from_db()
    [form] = fake_twilio.received
    assert form["To"] == "+12015550123" and form["From"] == "+16175550000"
    assert form["Body"] == "Hi Ana, your size is back"
    assert form["StatusCallback"] == f"{settings.SITE_URL}/webhooks/sms/status/"
    assert message.status == Message.Status.SENT and message.provider == "twilio"
    assert message.provider_id == "SM" + "1".zfill(32)

    receipt = {"MessageSid": message.provider_id, "MessageStatus": "delivered", "AccountSid": SID}
    assert signed_post(client, "/webhooks/sms/status/", receipt).status_code == 204
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED

    reply = {"MessageSid": "SMreply1", "From": "+12015550123", "To": "+16175550000", "Body": "Yes!"}
    response = signed_post(client, "/webhooks/sms/inbound/", reply)
    assert response.status_code == 200 and b"<Response>" in response.content
    thread = Thread.objects.get()
    assert [m.body for m in thread.messages.order_by("created_at")] == [
        "Hi Ana, your size is back",
        "Yes!",
    ]

    stop = {"MessageSid": "SMstop1", "From": "+12015550123", "To": "+16175550000", "Body": "STOP"}
    assert signed_post(client, "/webhooks/sms/inbound/", stop).status_code == 200
    # Within that one request: the consent is none when it answered.
    assert consent_state(customer=textable, channel=ContactChannel.SMS) == ConsentState.NONE


def test_a_bad_signature_changes_nothing(fake_twilio, client, textable):
    stop = {"MessageSid": "SMstop1", "From": "+12015550123", "Body": "STOP"}
    assert signed_post(client, "/webhooks/sms/inbound/", stop, token="wrong").status_code == 403
    assert client.post("/webhooks/sms/inbound/", stop).status_code == 403
    assert consent_state(customer=textable, channel=ContactChannel.SMS) == ConsentState.ONE_TO_ONE
    assert not Message.objects.exists()
    receipt = {"MessageSid": "SMx", "MessageStatus": "delivered"}
    assert signed_post(client, "/webhooks/sms/status/", receipt, token="wrong").status_code == 403


def test_a_callback_without_its_fields_is_a_400(fake_twilio, client):
    assert signed_post(client, "/webhooks/sms/status/", {"Foo": "1"}).status_code == 400
    assert signed_post(client, "/webhooks/sms/inbound/", {"Body": "hi"}).status_code == 400
    assert client.get("/webhooks/sms/inbound/").status_code == 405


def test_an_outage_is_retried_and_a_refusal_fails_the_message(
    fake_twilio, textable, store, associate, django_capture_on_commit_callbacks
):
    from omni.outbox import outbox_deliver

    fake_twilio.down = 1
    with django_capture_on_commit_callbacks(execute=True):
        message = services.send_message(
            channel="sms", purpose="one_to_one", body="Hi", customer=textable, location=store
        )
    row = OutboxMessage.objects.get(payload__message_id=message.pk)
    assert row.status == OutboxMessage.Status.PENDING and "ProviderUnavailable" in row.last_error
    assert Message.objects.get(pk=message.pk).status == Message.Status.QUEUED
    assert outbox_deliver(message_id=row.pk) is True
    assert Message.objects.get(pk=message.pk).status == Message.Status.SENT

    textable.phone = "+12015550000"  # the fake refuses this number for good
    textable.save()
    with django_capture_on_commit_callbacks(execute=True):
        refused = services.send_message(
            channel="sms", purpose="one_to_one", body="Hi", customer=textable, location=store
        )
    refused.refresh_from_db()
    assert refused.status == Message.Status.FAILED and "21211" in refused.error


def test_sms_url_configures_the_provider(settings):
    from messaging.providers import ConsoleProvider, FileProvider, TwilioProvider, sms_provider

    settings.SMS_URL = "twilio://AC1:tok%2Fen@api.twilio.com?from=+6621234567"
    provider = sms_provider()
    assert isinstance(provider, TwilioProvider)
    assert (provider.account_sid, provider.auth_token) == ("AC1", "tok/en")
    assert provider.sender == "+6621234567" and provider.base_url == "https://api.twilio.com"
    settings.SMS_URL = "twilio://AC1:tok@api.twilio.com?service=MG123"
    assert sms_provider().messaging_service == "MG123"
    settings.SMS_URL = "file://var/sms"
    assert isinstance(sms_provider(), FileProvider)
    settings.SMS_URL = ""
    assert isinstance(sms_provider(), ConsoleProvider)
    settings.SMS_URL = "carrier-pigeon://x"
    with pytest.raises(Exception, match="not available"):
        sms_provider()
