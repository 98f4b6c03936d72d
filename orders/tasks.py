"""Orders' Celery tasks: thin, take ids (or nothing), call one service, safe to run twice.

Beat entries (``CELERY_BEAT_SCHEDULE``): ``orders.tasks.pickups_expire`` every 15 minutes,
``orders.tasks.pickups_remind`` every hour, ``orders.tasks.carts_recover`` every
``OMNI_ABANDONED_CART_SCAN_SECONDS`` (5 minutes), ``orders.tasks.orders_follow_up`` every
hour, ``orders.tasks.qr_payments_expire`` every minute."""

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


@shared_task(name="orders.tasks.carts_recover", ignore_result=True)
def carts_recover() -> int:
    """Beat: follow up abandoned carts whose next stage is due (emails, store tasks)."""
    run = services.carts_recover()
    return run.emailed + run.tasks


@shared_task(name="orders.tasks.orders_follow_up", ignore_result=True)
def orders_follow_up() -> int:
    """Beat: the post-purchase thank-you, a few days after each order."""
    return services.orders_follow_up().emailed


@shared_task(name="orders.tasks.qr_payments_expire", ignore_result=True)
def qr_payments_expire() -> int:
    """Beat: cancel orders whose QR code was not paid in time (stock back on sale)."""
    return services.qr_payments_expire()
