"""Orders' Celery tasks: thin, take ids (or nothing), call one service, safe to run twice.

Beat entries (``CELERY_BEAT_SCHEDULE``): ``orders.tasks.pickups_expire`` every 15 minutes,
``orders.tasks.pickups_remind`` every hour."""

from celery import shared_task

from orders import services


@shared_task(name="orders.tasks.pickups_expire", ignore_result=True)
def pickups_expire() -> int:
    """Beat: release ready pickups past their hold and tell the shoppers."""
    return services.pickups_expire()


@shared_task(name="orders.tasks.pickups_remind", ignore_result=True)
def pickups_remind() -> int:
    """Beat: remind shoppers the day before their pickup hold ends."""
    return services.pickups_remind()
