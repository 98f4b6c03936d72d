"""Sets the guest's recently-viewed cookie that ``customers.receivers.shopper_viewed``
prepared during the request (the receiver sees the request, not the response)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from customers.surface import RECENT_COOKIE, RECENT_COOKIE_MAX_AGE, RECENT_COOKIE_SALT


class RecentlyViewedCookieMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        value = getattr(request, "recently_viewed_cookie", None)
        if value is not None and response.status_code < 400:
            response.set_signed_cookie(
                RECENT_COOKIE,
                value,
                salt=RECENT_COOKIE_SALT,
                max_age=RECENT_COOKIE_MAX_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
