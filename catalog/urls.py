"""Storefront browsing: home, category listings, search and product pages.

``urlpatterns`` are the storefront's (namespace ``catalog``); ``backoffice_urlpatterns`` are
mounted under ``/backoffice/`` by ``project/urls.py`` in the shared ``backoffice`` namespace, so
their names must be unique across apps."""

from django.urls import path, register_converter

from catalog.slugs import UnicodeSlugConverter

from . import views

app_name = "catalog"

# Category and product slugs may be Thai, Persian or Vietnamese (catalog/slugs.py).
register_converter(UnicodeSlugConverter, "uslug")

urlpatterns: list = [
    path("", views.home, name="home"),
    path("c/<uslug:slug>/", views.category, name="category"),
    path("p/<uslug:slug>/", views.product, name="product"),
    path("search/", views.search, name="search"),
]

backoffice_urlpatterns: list = []
