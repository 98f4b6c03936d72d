from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """The retailer's numbers: daily rollups per (store, channel, day) and the dashboards
    and API read from them. It reads every app, so it sits above them all."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "reporting"
    verbose_name = _("Numbers")
