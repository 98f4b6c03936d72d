"""Campaigns' storefront (namespace ``campaigns``) and back-office screens.

``backoffice_urlpatterns`` are mounted under ``/backoffice/`` by ``project/urls.py`` in the
shared ``backoffice`` namespace, so their names must be unique across apps."""

from django.urls import path

from . import backoffice, views

app_name = "campaigns"

urlpatterns: list = [
    path("back-in-stock/", views.back_in_stock_create, name="back-in-stock"),
    path("back-in-stock/<str:token>/", views.back_in_stock_open, name="back-in-stock-open"),
    path(
        "email/newsletter/<str:token>/unsubscribe/",
        views.newsletter_unsubscribe,
        name="newsletter-unsubscribe",
    ),
]

backoffice_urlpatterns: list = [
    path("demand/", backoffice.demand, name="demand"),
]
