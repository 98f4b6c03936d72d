"""Storefront online returns; back-office returns desk and the 'today' page.

``urlpatterns`` are the storefront's (namespace ``returns``); ``backoffice_urlpatterns`` are
mounted under ``/backoffice/`` by ``project/urls.py`` in the shared ``backoffice`` namespace, so
their names must be unique across apps."""

from django.urls import path

from returns import backoffice, views

app_name = "returns"

urlpatterns: list = [
    path("account/orders/<str:number>/return/", views.return_start, name="start"),
    path("account/returns/", views.return_list, name="list"),
    path("account/returns/<int:pk>/", views.return_detail, name="detail"),
    path("account/returns/<int:pk>/cancel/", views.return_cancel_view, name="cancel"),
]

backoffice_urlpatterns: list = [
    path("", backoffice.today, name="today"),
    path("returns/", backoffice.returns_desk, name="returns-desk"),
    path("returns/order/<str:number>/", backoffice.return_form, name="return-form"),
    path("returns/<str:number>/receipt/", backoffice.return_receipt, name="return-receipt"),
]
