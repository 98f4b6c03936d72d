from django.apps import AppConfig


class CustomersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "customers"

    def ready(self) -> None:
        from customers.emails import list_item_added_email_send
        from omni.outbox import register_handler

        register_handler("email.list_item_added", list_item_added_email_send)

        from allauth.account.signals import email_confirmed, user_signed_up

        from customers.receivers import customer_at_email_confirmed, customer_at_signup

        user_signed_up.connect(customer_at_signup, dispatch_uid="customers.customer_at_signup")
        email_confirmed.connect(
            customer_at_email_confirmed, dispatch_uid="customers.customer_at_email_confirmed"
        )

        # The saved language: into the session at login, onto the profile when switched.
        from django.contrib.auth.signals import user_logged_in

        from customers.receivers import language_at_login, language_chosen_save
        from omni.i18n import language_chosen

        user_logged_in.connect(language_at_login, dispatch_uid="customers.language_at_login")
        language_chosen.connect(language_chosen_save, dispatch_uid="customers.language_chosen")

        # The shopper's store is customers'; stores announces the choice (it sits below).
        from customers.receivers import store_chosen_remember
        from stores.signals import store_chosen

        store_chosen.connect(store_chosen_remember, dispatch_uid="customers.store_chosen")

        # Catalog sits below customers: its pages ask who is shopping (store, size, recent
        # views) and customers answers.
        from catalog import signals as catalog_signals
        from customers import receivers

        for signal, receiver in (
            (catalog_signals.shopper_store, receivers.shopper_store),
            (catalog_signals.shopper_size, receivers.shopper_size),
            (catalog_signals.recently_viewed, receivers.shopper_recently_viewed),
            (catalog_signals.product_viewed, receivers.shopper_viewed),
        ):
            signal.connect(receiver, dispatch_uid=f"customers.{receiver.__name__}")
