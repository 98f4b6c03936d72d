from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "demo"
    verbose_name = _("Demo data")

    def ready(self) -> None:
        # The demo's timeline keys (store visits), so its rows render in every process.
        from demo import names  # noqa: F401
