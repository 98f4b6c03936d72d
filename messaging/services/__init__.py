"""Messages to and from one customer. The door other apps use:

- ``send_message(channel=, purpose=, body=, customer=, to=, subject=, kind=, associate=,
  location=, language=, dedupe_key=) -> Message`` — the ONE entry point to send one
  email or text to one person (associates, service texts, alerts, campaigns); consent,
  the number's country, the segment limit and quiet hours are enforced here, and the
  message goes out through the outbox. Raises ``messaging.errors`` (NoConsent,
  InvalidNumber, NoContact, MessageTooLong, MessageInvalid).
- ``service_message_send`` — a service event (pickup ready, …) by the customer's chosen
  channel: text, or ``None`` so the caller sends its email (never both).
- ``message_deliver`` (the outbox's handler), ``message_status_update`` (delivery
  receipts), ``message_receive_sms`` (replies and STOP), ``message_receive_web``
  (storefront messages), ``thread_mark_read``.
"""

from messaging.services.receiving import (
    STOP_WORDS,
    customer_for_phone,
    message_receive_sms,
    message_receive_web,
    message_status_update,
    stop_word,
)
from messaging.services.sending import (
    TOPIC_SEND,
    consent_allows,
    message_deliver,
    quiet_hours_end,
    recipient_address,
    segments_checked,
    send_message,
)
from messaging.services.service_texts import service_message_send
from messaging.services.threads import thread_mark_read, thread_touch

__all__ = [
    "STOP_WORDS",
    "TOPIC_SEND",
    "consent_allows",
    "customer_for_phone",
    "message_deliver",
    "message_receive_sms",
    "message_receive_web",
    "message_status_update",
    "quiet_hours_end",
    "recipient_address",
    "segments_checked",
    "send_message",
    "service_message_send",
    "stop_word",
    "thread_mark_read",
    "thread_touch",
]
