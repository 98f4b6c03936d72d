from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    """Every email or text sent to one customer: providers (SMS), consent gating, threads
    with associates, delivery receipts and inbound replies."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "messaging"
    verbose_name = _("Messages")

    def ready(self) -> None:
        # A message is queued in the sender's transaction and handed to its provider by
        # the outbox after commit (an outage delays it; the outbox retries).
        from messaging.services import TOPIC_SEND, message_deliver
        from omni.outbox import register_handler

        register_handler(TOPIC_SEND, message_deliver)
