"""Cross-cutting views: health for load balancers and operators, metrics for a scraper,
and the branded error pages. (The storefront's home page, ``catalog:home``, is the front
door; its footer links merchandisers, integrators and associates to their surfaces.)"""

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache

from omni.health import database_check, health_report


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The operator's view (``omni.health``): database, cache, broker, outbox backlog,
    worker and beat heartbeats. 200 when all are well, 503 (``"degraded"``) otherwise."""
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


@never_cache
def healthz_live(request: HttpRequest) -> JsonResponse:
    """For the load balancer's rotation: 200 while this process can serve, which needs
    the database only (the cache is best-effort, the broker's work waits in the outbox)."""
    database = database_check()
    healthy = database == "ok"
    return JsonResponse(
        {"status": "ok" if healthy else "down", "database": database},
        status=200 if healthy else 503,
    )


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition (``omni.metrics``). With ``OMNI_METRICS_TOKEN`` set the
    scraper must send ``Authorization: Bearer <token>``."""
    from prometheus_client import CONTENT_TYPE_LATEST

    from omni.metrics import metrics_text

    token = getattr(settings, "OMNI_METRICS_TOKEN", "")
    if token:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(sent.encode(), token.encode()):
            return HttpResponse("metrics need the bearer token\n", status=401)
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)


# --- branded error pages ---------------------------------------------------------------
# The storefront's look for shoppers, the back-office's for /backoffice/ paths. 500 renders
# without context processors: the database may be what failed.


def _error_layout(request: HttpRequest) -> str:
    if request.path.startswith("/backoffice/"):
        return "backoffice/error_base.html"
    return "storefront/base.html"


def _error_page(request: HttpRequest, template: str, status: int) -> HttpResponse:
    return render(request, template, {"layout": _error_layout(request)}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, "400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, "403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, "404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    body = loader.get_template("500.html").render(
        {"backoffice": request.path.startswith("/backoffice/")}
    )
    return HttpResponse(body, status=500)


class BrandedNotFoundMiddleware:
    """A page's ``Http404`` (a missing product, order or customer) renders the branded
    404 even with DEBUG on, so the demo never shows Django's debug page to a shopper or
    an associate. The admin and the API keep their own answers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, Http404) and not request.path.startswith(("/admin/", "/api/")):
            return page_not_found(request, exception)
        return None
