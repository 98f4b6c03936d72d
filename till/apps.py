from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TillConfig(AppConfig):
    """The store's point of sale: registers, shifts, cash moves, carry-out sales paid by
    one or more tenders, receipts, X and Z reports."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "till"
    verbose_name = _("Till")
