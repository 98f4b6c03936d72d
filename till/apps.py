from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TillConfig(AppConfig):
    """The store's point of sale: registers, shifts, cash moves, carry-out sales paid by
    one or more tenders, receipts, X and Z reports."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "till"
    verbose_name = _("Till")

    def ready(self) -> None:
        from orders.models import Payment
        from orders.services import payments

        # Cash taken at a till is refunded from the drawer ("paid out in store"), unless
        # orders' own tenders module registered its cash provider already.
        try:
            payments.payment_provider_for(Payment.Provider.CASH)
        except payments.PaymentFailed:
            payments.payment_provider_register(Payment.Provider.CASH, payments.InStoreProvider())
