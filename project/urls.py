"""Root URLs: the only module (with settings) that knows every surface.

The storefront's pages come from each app's ``urls.urlpatterns`` (mounted at the root, in the
app's namespace, behind a language prefix for every language but the default: ``/th/cart/``,
``/cart/`` — docs/i18n.md); so do allauth's account pages. The associate screens come from
each app's ``urls.backoffice_urlpatterns``, gathered under ``/backoffice/`` in one
``backoffice`` namespace.
"""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

import campaigns.urls
import catalog.urls
import customers.urls
import giftcards.urls
import inventory.urls
import messaging.urls
import orders.urls
import reporting.urls
import returns.urls
import stores.urls
import till.urls
from omni import i18n, views
from reporting.views import numbers_network

STOREFRONT_APPS = (
    catalog.urls,
    stores.urls,
    orders.urls,
    customers.urls,
    returns.urls,
    giftcards.urls,
    messaging.urls,
    campaigns.urls,
)
BACKOFFICE_APPS = (
    stores.urls,
    customers.urls,
    inventory.urls,
    orders.urls,
    returns.urls,
    giftcards.urls,
    messaging.urls,
    campaigns.urls,
    reporting.urls,
    till.urls,
)

backoffice_urlpatterns = [p for app in BACKOFFICE_APPS for p in app.backoffice_urlpatterns]

urlpatterns = [
    # The network's numbers for merchandisers (staff), linked from the admin index.
    path("admin/numbers/", numbers_network, name="numbers-network"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("project.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("healthz/", views.healthz, name="healthz"),
    path("healthz/live/", views.healthz_live, name="healthz-live"),
    path("metrics", views.metrics, name="metrics"),
    path("backoffice/", include((backoffice_urlpatterns, "backoffice"))),
    # The SMS provider's signed callbacks (delivery receipts, inbound texts).
    path("webhooks/sms/", include(messaging.urls.webhook_urlpatterns)),
    path("i18n/set/", i18n.language_set, name="set_language"),
    # gettext() for static/js/*.js, in the active language (the layouts load it).
    path("i18n/js/", i18n.javascript_catalog, name="javascript-catalog"),
]
urlpatterns += i18n_patterns(
    path("accounts/", include("allauth.urls")),
    *[path("", include(app)) for app in STOREFRONT_APPS],
    prefix_default_language=False,
)

handler400 = "omni.views.bad_request"
handler403 = "omni.views.permission_denied"
handler404 = "omni.views.page_not_found"
handler500 = "omni.views.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
