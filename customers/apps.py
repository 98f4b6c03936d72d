from django.apps import AppConfig


class CustomersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "customers"

    def ready(self) -> None:
        from customers.emails import list_item_added_email_send
        from omni.outbox import register_handler

        register_handler("email.list_item_added", list_item_added_email_send)
