"""Campaigns' Celery tasks: thin, call one service, safe to run twice."""

from celery import shared_task

from campaigns import services


@shared_task
def back_in_stock_expire() -> int:
    """Beat, hourly: open back-in-stock requests past their expiry are never alerted."""
    return services.back_in_stock_expire()


@shared_task
def campaigns_scheduled_start() -> int:
    """Beat, every minute: start the scheduled newsletters that are due."""
    return services.campaigns_scheduled_start()
