from django.apps import AppConfig


class OmniConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "omni"
    verbose_name = "Omni platform"

    def ready(self) -> None:
        # Webhook delivery is an outbox side effect; order events fan out to webhooks.
        from omni.api import tasks  # noqa: F401  (registers the API's Celery tasks)
        from omni.api.webhooks import register_webhook_handlers

        register_webhook_handlers()
