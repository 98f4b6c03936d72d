"""Cross-cutting views: health for load balancers and operators, metrics for a scraper.
(The storefront's home page, ``catalog:home``, is the front door; its footer links
merchandisers, integrators and associates to their surfaces.)"""

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
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
