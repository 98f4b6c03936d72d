from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """The retailer's numbers: daily rollups per (store, channel, day) and the dashboards
    and API read from them. It reads every app, so it sits above them all."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "reporting"
    verbose_name = _("Numbers")

    def ready(self) -> None:
        from orders.services.events import order_event_recorded
        from reporting import receivers
        from returns.signals import return_changed

        order_event_recorded.connect(
            receivers.order_event_recorded, dispatch_uid="reporting.order_event_recorded"
        )
        return_changed.connect(receivers.return_changed, dispatch_uid="reporting.return_changed")
