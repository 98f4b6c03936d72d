from django.apps import AppConfig


class OrdersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "orders"

    def ready(self) -> None:
        # Order emails are side effects sent by the outbox after commit.
        from omni.outbox import register_handler
        from orders.emails import HANDLERS
        from orders.services.checkout import SIZES_TOPIC, order_sizes_learn

        for topic, handler in HANDLERS.items():
            register_handler(topic, handler)
        register_handler(SIZES_TOPIC, order_sizes_learn)
