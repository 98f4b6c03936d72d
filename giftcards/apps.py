from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GiftCardsConfig(AppConfig):
    """Gift cards: a code shown once and stored hashed, an append-only ledger, spent as a
    tender online, at the till and through the API."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "giftcards"
    verbose_name = _("Gift cards")

    def ready(self) -> None:
        # The emailed card's code is sent by the outbox after the sale commits.
        from giftcards.emails import gift_card_email_send
        from giftcards.services import GIFT_CARD_EMAIL_TOPIC
        from omni.outbox import register_handler

        register_handler(GIFT_CARD_EMAIL_TOPIC, gift_card_email_send)
