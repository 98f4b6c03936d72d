"""Storefront: ``/gift-cards/balance/``. Back-office (mounted under ``/backoffice/``):
``gift-cards/`` (check) and ``gift-cards/issue/`` (managers)."""

from django.urls import path

from . import backoffice, views

app_name = "giftcards"

urlpatterns: list = [
    path("gift-cards/balance/", views.balance, name="balance"),
    path("gift-cards/buy/", views.buy, name="buy"),
]

backoffice_urlpatterns: list = [
    path("gift-cards/", backoffice.desk, name="gift-card-desk"),
    path("gift-cards/issue/", backoffice.issue, name="gift-card-issue"),
]
