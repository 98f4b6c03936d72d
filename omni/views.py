"""Cross-cutting views: a health check for load balancers, and the branded error pages.
(The storefront's home page, ``catalog:home``, is the front door; its footer links
merchandisers, integrators and associates to their surfaces.)"""

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader


def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database (and Redis, when configured) answer; 503 otherwise."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # a health check reports, it does not raise
        checks["database"] = f"error: {exc.__class__.__name__}"
    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1).ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", **checks}, status=200 if healthy else 503
    )


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
