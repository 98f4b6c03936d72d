"""``sms_show``: the development backends' texts, readable from the shell."""

import io

import pytest
from django.core.management import call_command
from django.test import override_settings

from messaging import services
from messaging.providers import _twilio_signature

pytestmark = pytest.mark.django_db


def test_sms_show_lists_sent_texts(textable, store, associate, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.send_message(
            channel="sms",
            purpose="one_to_one",
            body="Your size is back",
            customer=textable,
            location=store,
            associate=associate,
        )
    out = io.StringIO()
    call_command("sms_show", "--last", "3", stdout=out)
    text = out.getvalue()
    assert "+12015550123" in text and "Your size is back" in text and "[sent]" in text


def test_the_file_backend_writes_and_sms_show_reads(
    tmp_path, textable, django_capture_on_commit_callbacks
):
    with override_settings(SMS_URL=f"file://{tmp_path}"):
        with django_capture_on_commit_callbacks(execute=True):
            services.send_message(
                channel="sms", purpose="one_to_one", body="Hello file", customer=textable
            )
        out = io.StringIO()
        call_command("sms_show", "--file", stdout=out)
    assert (tmp_path / "sms.jsonl").exists()
    assert "Hello file" in out.getvalue()


def test_sms_show_signs_a_callback_for_curl(settings):
    out = io.StringIO()
    url = "http://127.0.0.1:8000/webhooks/sms/inbound/"
    call_command("sms_show", "--sign", url, "MessageSid=SM1", "Body=STOP", stdout=out)
    assert out.getvalue().strip() == _twilio_signature(
        settings.SECRET_KEY, url, {"MessageSid": "SM1", "Body": "STOP"}
    )
