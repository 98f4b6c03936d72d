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

        # The back-office customer screens (customers') ask orders what it knows about a
        # customer through signals: customers never imports orders.
        from customers.signals import customer_lookup, customer_record
        from orders.selectors import customer_ids_for_order_query, customer_record_orders

        customer_lookup.connect(customer_ids_for_order_query, dispatch_uid="orders.lookup")
        customer_record.connect(customer_record_orders, dispatch_uid="orders.record")
        # The storefront account home (customers') shows recent orders the same way.
        from customers.signals import account_sections
        from orders.views.account import account_orders_panel

        account_sections.connect(account_orders_panel, dispatch_uid="orders.account_orders")
        # A transfer a pickup waited for arrived (inventory's one notification to orders).
        from inventory.signals import transfer_received
        from orders.receivers import transfer_received as pickup_transfer_received

        transfer_received.connect(pickup_transfer_received, dispatch_uid="orders.transfer_received")
        # Carts follow the shopper across login (guest cart merged into the member's).
        from orders import signals  # noqa: F401
