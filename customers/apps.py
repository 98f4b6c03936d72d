from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "customers"
    verbose_name = _("Customers")

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
