"""``/api/v1/``: one router for every app's viewsets. Like ``project/urls.py``, this module is
a composition root: it knows every app's ``api`` module."""

from django.http import JsonResponse
from django.urls import path, re_path
from django.utils.translation import gettext as _
from rest_framework.routers import SimpleRouter

from catalog.api import ProductViewSet, VariantViewSet
from customers.api import CustomerViewSet
from inventory.api import AvailabilityViewSet, StockViewSet
from inventory.api_transfers import TransferViewSet
from omni.api import schema  # noqa: F401  (registers the OpenAPI security schemes)
from omni.api.errors import error_body
from omni.api.views import WebhookSubscriptionViewSet
from orders.api import FulfilmentViewSet, OrderViewSet, QrPaymentCallbackView
from promotions.api import PromotionViewSet, VoucherViewSet
from reporting.api import (
    AssociatesReportViewSet,
    CategoriesReportViewSet,
    ReturnsReportViewSet,
    SalesReportViewSet,
)
from returns.api import ReturnViewSet
from stores.api import LocationViewSet

router = SimpleRouter(trailing_slash=True)
router.register("products", ProductViewSet, basename="product")
router.register("variants", VariantViewSet, basename="variant")
router.register("locations", LocationViewSet, basename="location")
router.register("stock", StockViewSet, basename="stock")
router.register("availability", AvailabilityViewSet, basename="availability")
router.register("transfers", TransferViewSet, basename="transfer")
router.register("customers", CustomerViewSet, basename="customer")
router.register("orders", OrderViewSet, basename="order")
router.register("fulfilments", FulfilmentViewSet, basename="fulfilment")
router.register("returns", ReturnViewSet, basename="return")
router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")
router.register("reports/sales", SalesReportViewSet, basename="report-sales")
router.register("reports/returns", ReturnsReportViewSet, basename="report-returns")
router.register("reports/categories", CategoriesReportViewSet, basename="report-categories")
router.register("reports/associates", AssociatesReportViewSet, basename="report-associates")
router.register("promotions", PromotionViewSet, basename="promotion")
router.register("vouchers", VoucherViewSet, basename="voucher")


def unknown_endpoint(request, *args, **kwargs):
    """Anything else under /api/v1/ answers 404 in the API's error body, not HTML."""
    return JsonResponse(
        error_body(type="not_found", code="not_found", detail=_("No such endpoint.")), status=404
    )


app_name = "api"
urlpatterns = [
    *router.urls,
    path("payments/qr/callback/", QrPaymentCallbackView.as_view(), name="qr-payment-callback"),
    re_path(r"^.*$", unknown_endpoint, name="unknown"),
]
