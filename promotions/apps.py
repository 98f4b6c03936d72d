from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    """Automatic promotions and vouchers (codes): the offers the one pricing function
    (orders.services.totals) applies to a basket in every channel."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "promotions"
    verbose_name = _("Promotions")
