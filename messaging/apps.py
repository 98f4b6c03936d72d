from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    """Every email or text sent to one customer: providers (SMS), consent gating, threads
    with associates, delivery receipts and inbound replies."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "messaging"
    verbose_name = _("Messages")
