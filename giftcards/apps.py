from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GiftCardsConfig(AppConfig):
    """Gift cards: a code shown once and stored hashed, an append-only ledger, spent as a
    tender online, at the till and through the API."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "giftcards"
    verbose_name = _("Gift cards")
