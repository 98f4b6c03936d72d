"""The timeline entries messages write, read in the reader's language (omni.stored_text)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from messaging.models import Message, MessageChannel
from omni import stored_text

PREVIEW = 120

TIMELINE = stored_text.register(
    {
        "message.sms_queued": gettext_lazy("%(associate)s texted %(customer)s: “%(body)s”"),
        "message.email_queued": gettext_lazy("%(associate)s emailed %(customer)s: “%(subject)s”"),
        "message.service_sms_queued": gettext_lazy("Text sent: “%(body)s”"),
        "message.sms_delivered": gettext_lazy("Text delivered: “%(body)s”"),
        "message.sms_failed": gettext_lazy("Text not delivered: “%(body)s”"),
        "message.email_failed": gettext_lazy("Email not sent: “%(subject)s”"),
        "message.sms_reply": gettext_lazy("%(customer)s replied by text: “%(body)s”"),
        "message.web_reply": gettext_lazy("%(customer)s wrote from the web: “%(body)s”"),
        "message.stop": gettext_lazy("%(customer)s replied “%(word)s”: no more text messages"),
    }
)


def preview(text: str, length: int = PREVIEW) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"


def timeline_text(message: Message, *, event: str, word: str = "") -> stored_text.StoredText:
    """The entry for ``event`` (queued, delivered, failed, reply, stop) of ``message``."""
    customer = message.customer
    params = {
        "customer": (customer.first_name or str(customer)) if customer else "",
        "associate": message.associate.display_name if message.associate else "",
        "body": preview(message.body),
        "subject": preview(message.subject),
    }
    if event == "stop":
        return stored_text.text("message.stop", customer=params["customer"], word=word)
    if event == "reply":
        key = "message.web_reply" if message.channel == MessageChannel.WEB else "message.sms_reply"
        return stored_text.text(key, customer=params["customer"], body=params["body"])
    if event == "queued":
        if message.purpose != "one_to_one":
            return stored_text.text("message.service_sms_queued", body=params["body"])
        if message.channel == MessageChannel.EMAIL:
            return stored_text.text(
                "message.email_queued",
                associate=params["associate"],
                customer=params["customer"],
                subject=params["subject"],
            )
        return stored_text.text(
            "message.sms_queued",
            associate=params["associate"],
            customer=params["customer"],
            body=params["body"],
        )
    if message.channel == MessageChannel.EMAIL:
        return stored_text.text("message.email_failed", subject=params["subject"])
    return stored_text.text(f"message.sms_{event}", body=params["body"])
