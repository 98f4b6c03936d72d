from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


def move_rows_to_surviving_customer(sender, *, source_id: int, target_id: int, **kwargs) -> None:
    """``customers.signals.customer_merged`` receiver: the rows of the apps above customers
    follow the merge, inside its transaction. Orders and carts move here too: orders was
    being written by another engineer when merging was built, and returns may import
    orders (it sits above it). If orders later moves its own rows, both are harmless:
    an UPDATE of rows already moved matches nothing."""
    from orders.models import Cart, Order
    from returns.models import Return

    Order.objects.filter(customer_id=source_id).update(customer_id=target_id)
    Cart.objects.filter(customer_id=source_id).update(customer_id=target_id)
    Return.objects.filter(customer_id=source_id).update(customer_id=target_id)


def orders_with_open_return(sender, *, order_ids: list[int], **kwargs) -> set[int]:
    """``orders.services.followups.post_purchase_blocked`` receiver: no thank-you email
    while a return of the order is still being handled."""
    from returns.models import Return

    return set(
        Return.objects.filter(
            order_id__in=order_ids, status__in=[Return.Status.REQUESTED, Return.Status.RECEIVED]
        ).values_list("order_id", flat=True)
    )


class ReturnsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "returns"
    verbose_name = pgettext_lazy("noun, plural", "Returns")

    def ready(self) -> None:
        from customers.signals import customer_merged
        from omni.outbox import register_handler
        from returns import services  # noqa: F401  (declares its timeline texts)
        from returns.emails import return_received_email_send, return_requested_email_send

        register_handler("email.return_requested", return_requested_email_send)
        register_handler("email.return_received", return_received_email_send)
        customer_merged.connect(
            move_rows_to_surviving_customer, dispatch_uid="returns.move_rows_on_customer_merge"
        )
        from orders.services.followups import post_purchase_blocked

        post_purchase_blocked.connect(
            orders_with_open_return, dispatch_uid="returns.post_purchase_blocked"
        )
