"""Storefront browsing: home, category listings, search and product pages.

``urlpatterns`` are the storefront's (namespace ``catalog``); ``backoffice_urlpatterns`` are
mounted under ``/backoffice/`` by ``project/urls.py`` in the shared ``backoffice`` namespace, so
their names must be unique across apps."""

from django.urls import path

from . import views

app_name = "catalog"

urlpatterns: list = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.category, name="category"),
    path("p/<slug:slug>/", views.product, name="product"),
    path("search/", views.search, name="search"),
]

backoffice_urlpatterns: list = []
