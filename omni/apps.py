from django.apps import AppConfig


class OmniConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "omni"
    verbose_name = "Omni platform"
