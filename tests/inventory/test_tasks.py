"""Inventory's Celery tasks: the names beat schedules, thin and safe to run twice."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from inventory import services, tasks
from inventory.models import NearestAvailability, Reservation, Stock
from project.celery import app
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_beat_schedules_tasks_that_exist():
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        if entry["task"].startswith("inventory."):
            assert entry["task"] in app.tasks


def test_expiry_task_releases_expired_holds_and_is_safe_to_repeat(places):
    stock = f.StockFactory(location=places["springfield"], on_hand=5)
    services.reservation_create(
        variant_id=stock.variant_id,
        location_id=stock.location_id,
        quantity=2,
        kind=Reservation.Kind.CART,
        expires_at=timezone.now() - dt.timedelta(seconds=1),
    )
    assert tasks.reservations_expire.delay().get() == 1
    assert tasks.reservations_expire.delay().get() == 0
    assert Stock.objects.get(pk=stock.pk).reserved == 0


def test_recompute_and_refresh_tasks(places):
    stock = f.StockFactory(location=places["chicago"], on_hand=5)
    assert tasks.availability_recompute_all.delay().get() == 4  # one row per active store
    tasks.availability_recompute_all.delay().get()  # again: same rows (PostgreSQL writes none)
    assert NearestAvailability.objects.count() == 4
    NearestAvailability.objects.all().delete()
    assert tasks.availability_refresh_variant.delay(stock.variant_id).get() == 4
    tasks.availability_refresh_variant.delay(stock.variant_id).get()
    assert NearestAvailability.objects.count() == 4
    assert tasks.availability_refresh_variant.delay(999_999).get() == 0
