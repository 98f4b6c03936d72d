"""Inventory's Celery tasks: thin, take ids, call one service, safe to run twice."""

from celery import shared_task

from inventory import services


@shared_task
def reservations_expire() -> int:
    """Beat, every minute: release holds past their expiry (batched, skip-locked)."""
    return services.reservations_expire()


@shared_task
def availability_refresh_variant(variant_id: int) -> int:
    """Debounced after a stock change: recompute one variant's nearest availability."""
    return services.availability_refresh_scheduled(variant_id=variant_id)


@shared_task
def availability_recompute_all() -> int:
    """Beat, nightly: recompute nearest availability for every variant."""
    return services.availability_recompute_all().rows
