from django.apps import AppConfig


class InventoryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "inventory"

    def ready(self) -> None:
        # Catalog sits below inventory: it announces what went on or off sale, and the
        # availability of those variants is refreshed after commit.
        from catalog.services import variants_sellability_changed

        variants_sellability_changed.connect(
            _sellability_changed, dispatch_uid="inventory.availability.sellability"
        )
        # Stores sits below inventory too: customers' list pages ask it what a store can
        # sell, and inventory answers, so customers never imports inventory.
        from inventory.receivers import salable_at_location
        from stores.signals import salable_at_location as salable_at_location_asked

        salable_at_location_asked.connect(
            salable_at_location, dispatch_uid="inventory.salable_at_location"
        )
        # Customers' back-office holds a list for a visit through stores' signal too.
        from inventory import receivers
        from stores.signals import hold_for_visit

        hold_for_visit.connect(receivers.hold_for_visit, dispatch_uid="inventory.hold_for_visit")
        # A location added or moved changes which store is nearest for everyone.
        from stores.signals import location_moved

        location_moved.connect(receivers.location_moved, dispatch_uid="inventory.location_moved")
        # And catalog: its product page and listings ask what can be sold.
        from catalog.signals import listing_in_stock, product_stock

        product_stock.connect(receivers.product_stock, dispatch_uid="inventory.product_stock")
        listing_in_stock.connect(
            receivers.listing_in_stock, dispatch_uid="inventory.listing_in_stock"
        )


def _sellability_changed(sender, *, variant_ids, **kwargs) -> None:
    from inventory.services import availability_refresh_later

    availability_refresh_later(variant_ids=variant_ids)
