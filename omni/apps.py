from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OmniConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "omni"
    verbose_name = _("Omni platform")

    def ready(self) -> None:
        # Webhook delivery is an outbox side effect; order events fan out to webhooks.
        from omni.api import tasks  # noqa: F401  (registers the API's Celery tasks)
        from omni.api.webhooks import register_webhook_handlers

        register_webhook_handlers()

        # Sites' own post_migrate handler (run first: it is listed before omni) recreates
        # "example.com" after a flush; name the shop again after it.
        from django.db.models.signals import post_migrate

        post_migrate.connect(_site_name_after_migrate, sender=self)


def _site_name_after_migrate(sender, **kwargs) -> None:
    from omni.sites import site_sync

    site_sync()
