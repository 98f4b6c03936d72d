from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class OrdersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "orders"
    verbose_name = pgettext_lazy("noun, plural", "Orders")

    def ready(self) -> None:
        # Order emails are side effects sent by the outbox after commit.
        from omni.outbox import register_handler
        from orders.emails import HANDLERS
        from orders.services.checkout import SIZES_TOPIC, order_sizes_learn

        for topic, handler in HANDLERS.items():
            register_handler(topic, handler)
        register_handler(SIZES_TOPIC, order_sizes_learn)

        # A transfer a pickup waited for arrived (inventory's one notification to orders).
        from inventory.signals import transfer_received
        from orders.receivers import transfer_received as pickup_transfer_received

        transfer_received.connect(pickup_transfer_received, dispatch_uid="orders.transfer_received")
        # Carts follow the shopper across login (guest cart merged into the member's).
        from orders import signals  # noqa: F401
