from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "inventory"
    verbose_name = _("Inventory")

    def ready(self) -> None:
        # Catalog sits below inventory: it announces what went on or off sale, and the
        # availability of those variants is refreshed after commit.
        from catalog.services import variants_sellability_changed

        variants_sellability_changed.connect(
            _sellability_changed, dispatch_uid="inventory.availability.sellability"
        )
        # A location added or moved changes which store is nearest for everyone.
        from inventory import receivers
        from stores.signals import location_moved

        location_moved.connect(receivers.location_moved, dispatch_uid="inventory.location_moved")


def _sellability_changed(sender, *, variant_ids, **kwargs) -> None:
    from inventory.services import availability_refresh_later

    availability_refresh_later(variant_ids=variant_ids)
