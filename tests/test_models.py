"""The shared model: every factory builds a valid row, and the database itself rejects
what must never be stored (asserted on PostgreSQL, where it matters in production)."""

import inspect
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from factory.django import DjangoModelFactory

from inventory.models import Stock
from tests import factories as f

ALL_FACTORIES = [
    cls
    for _, cls in inspect.getmembers(f, inspect.isclass)
    if issubclass(cls, DjangoModelFactory) and cls is not DjangoModelFactory
]


@pytest.mark.django_db
@pytest.mark.parametrize("factory_class", ALL_FACTORIES, ids=lambda c: c.__name__)
def test_every_factory_builds_a_valid_row(factory_class):
    obj = factory_class()
    obj.full_clean(validate_unique=False, validate_constraints=True)
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_every_model_has_a_factory():
    from django.apps import apps

    ours = {"omni", "catalog", "stores", "customers", "inventory", "orders", "returns"}
    models = {m for m in apps.get_models() if m._meta.app_label in ours}
    covered = {cls._meta.model for cls in ALL_FACTORIES}
    assert models - covered == set()


def _rejected(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


@pytest.mark.postgres
@pytest.mark.django_db
class TestDatabaseIntegrity:
    def test_negative_on_hand_is_rejected(self):
        _rejected(lambda: f.StockFactory(on_hand=-1, opening_movement=False))

    def test_reserved_above_on_hand_is_rejected(self):
        _rejected(lambda: f.StockFactory(on_hand=2, reserved=3))

    def test_negative_reserved_is_rejected(self):
        _rejected(lambda: f.StockFactory(on_hand=2, reserved=-1))

    def test_an_update_that_oversells_is_rejected(self):
        stock = f.StockFactory(on_hand=1)
        from django.db.models import F

        _rejected(lambda: Stock.objects.filter(pk=stock.pk).update(reserved=F("reserved") + 2))

    def test_a_second_stock_row_for_the_same_variant_and_location_is_rejected(self):
        stock = f.StockFactory()
        _rejected(lambda: f.StockFactory(variant=stock.variant, location=stock.location))

    def test_duplicate_identity_is_rejected(self):
        identity = f.CustomerIdentityFactory(value="ana@example.com")
        _rejected(lambda: f.CustomerIdentityFactory(kind=identity.kind, value="ana@example.com"))

    def test_negative_price_is_rejected(self):
        _rejected(lambda: f.PriceFactory(amount=Decimal("-1.00")))

    def test_transfer_to_itself_is_rejected(self):
        store = f.LocationFactory()
        _rejected(lambda: f.TransferFactory(source=store, destination=store))

    def test_consent_is_one_row_per_channel(self):
        consent = f.ConsentFactory()
        from customers.models import Consent

        _rejected(
            lambda: Consent.objects.create(customer=consent.customer, channel=consent.channel)
        )

    def test_email_is_logged_once_per_kind_object_and_stage(self):
        log = f.EmailLogFactory(stage="1")
        _rejected(
            lambda: f.EmailLogFactory(
                kind=log.kind, object_type=log.object_type, object_id=log.object_id, stage="1"
            )
        )

    def test_return_override_needs_a_reason(self):
        manager = f.AssociateFactory()
        _rejected(lambda: f.ReturnFactory(policy_override_by=manager, policy_override_reason=""))

    def test_same_variant_twice_in_a_list_is_rejected(self):
        item = f.ListItemFactory()
        _rejected(lambda: f.ListItemFactory(list=item.list, variant=item.variant))

    def test_an_order_line_cannot_be_returned_twice_in_one_return(self):
        line = f.ReturnLineFactory()
        _rejected(
            lambda: f.ReturnLineFactory(
                return_request=line.return_request, order_line=line.order_line
            )
        )

    def test_deleting_a_variant_with_stock_is_refused(self):
        from django.db.models import ProtectedError

        stock = f.StockFactory()
        with pytest.raises(ProtectedError):
            stock.variant.delete()


@pytest.mark.django_db
def test_ledgers_are_append_only():
    entry = f.LoyaltyEntryFactory()
    entry.points = 999
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    credit = f.StoreCreditEntryFactory()
    with pytest.raises(ValueError, match="append-only"):
        credit.delete()
