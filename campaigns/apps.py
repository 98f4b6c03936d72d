from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    """Messages to many: back-in-stock alerts, saved segments and newsletters."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        # Alerts and newsletter batches are outbox side effects, sent after commit.
        from campaigns.services.back_in_stock import ALERT_TOPIC, back_in_stock_alert_send
        from campaigns.services.newsletters import BATCH_TOPIC, campaign_batch_send
        from omni.outbox import register_handler

        register_handler(ALERT_TOPIC, back_in_stock_alert_send)
        register_handler(BATCH_TOPIC, campaign_batch_send)

        # A size became salable somewhere (inventory's one notification to campaigns).
        from campaigns.receivers import availability_gained as back_in_stock_available
        from inventory.signals import availability_gained

        availability_gained.connect(
            back_in_stock_available, dispatch_uid="campaigns.availability_gained"
        )
