"""Storefront store finder and the back-office location switcher.

``urlpatterns`` are the storefront's (namespace ``stores``); ``backoffice_urlpatterns`` are
mounted under ``/backoffice/`` by ``project/urls.py`` in the shared ``backoffice`` namespace, so
their names must be unique across apps."""

from django.urls import path

from . import backoffice, views

app_name = "stores"

urlpatterns: list = [
    path("stores/", views.store_list, name="list"),
    path("stores/choose/", views.store_choose, name="choose"),
]

backoffice_urlpatterns: list = [
    path("switch-location/", backoffice.location_switch, name="location-switch"),
]
