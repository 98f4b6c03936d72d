"""The till's back-office screens, mounted under ``/backoffice/`` by project/urls.py in
the shared ``backoffice`` namespace."""

from django.urls import path

from till import backoffice

urlpatterns: list = []

backoffice_urlpatterns: list = [
    path("till/", backoffice.till_home, name="till"),
    path("till/sw.js", backoffice.till_service_worker, name="till-sw"),
    path("till/<int:register_id>/", backoffice.till_sell, name="till-sell"),
    path("till/<int:register_id>/basket/", backoffice.till_basket, name="till-basket"),
    path("till/<int:register_id>/pay/", backoffice.till_pay, name="till-pay"),
    path("till/<int:register_id>/shift/", backoffice.till_shift, name="till-shift"),
    path("till/<int:register_id>/catalogue.json", backoffice.till_catalogue, name="till-catalogue"),
    path("till/<int:register_id>/sync/", backoffice.till_sync, name="till-sync"),
    path("till/shift/<int:shift_id>/", backoffice.till_report, name="till-report"),
    path("till/receipt/<str:number>/", backoffice.till_receipt, name="till-receipt"),
    path("till/receipt/<str:number>/text/", backoffice.till_receipt_text, name="till-receipt-text"),
    path("till/flagged/<int:sale_id>/", backoffice.till_flagged_resolve, name="till-flagged"),
]
