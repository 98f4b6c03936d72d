"""API keys sent as ``Authorization: Bearer <key>``.

A key reads ``omni_<prefix>_<secret>``. The prefix is stored in clear and indexed (it
finds the row); the whole key is stored only as its SHA-256 and compared in constant time,
so a database dump gives nobody a usable key. A key is shown once, when it is made.

Authentication reads only the database; the cache (best-effort) merely spares the
``last_used_at`` write on most calls, so a cache outage costs one UPDATE per call and
refuses nobody.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from omni.models import ApiKey

KEY_PREFIX = "omni_"
# last_used_at is written at most this often per key, not on every request.
LAST_USED_EVERY_SECONDS = 60


def api_key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_key_generate() -> tuple[str, str]:
    """A new raw key and its lookup prefix."""
    prefix = secrets.token_hex(5)
    return f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}", prefix


def api_key_prefix_of(raw: str) -> str | None:
    if not raw.startswith(KEY_PREFIX):
        return None
    prefix, sep, secret = raw[len(KEY_PREFIX) :].partition("_")
    if not sep or not secret or not (prefix.isascii() and prefix.isalnum()) or len(prefix) > 16:
        return None
    return prefix


def api_key_for(raw: str) -> ApiKey | None:
    """The active key this raw key is, or None. One indexed query."""
    prefix = api_key_prefix_of(raw)
    if prefix is None:
        return None
    key = ApiKey.objects.filter(prefix=prefix).first()
    # Compared even when no row matched, so timing does not tell a real prefix apart.
    expected = key.hashed_key if key is not None else api_key_hash("")
    if not hmac.compare_digest(api_key_hash(raw), expected):
        return None
    if key is None or not key.is_active:
        return None
    return key


def _touch(key: ApiKey) -> None:
    if cache.add(f"api-key-used:{key.pk}", 1, timeout=LAST_USED_EVERY_SECONDS):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())


@dataclass(frozen=True)
class ApiClient:
    """``request.user`` for a request made with an API key (``request.auth`` is the
    ApiKey). Not a Django user: it has no password, no session, no admin access."""

    api_key: ApiKey

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    is_active = True
    pk = None

    def __str__(self) -> str:
        return f"api key {self.api_key.prefix}"

    @property
    def actor(self) -> str:
        """How ledgers name who did it (StockMovement.actor)."""
        return f"api:{self.api_key.name}"[:120]


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the key as 'Authorization: Bearer <key>'."), code="invalid_api_key"
            )
        try:
            raw = header[1].decode("ascii")
        except UnicodeError:
            raw = ""
        key = api_key_for(raw) if raw else None
        if key is None:
            raise exceptions.AuthenticationFailed(
                _("This API key is not valid or was revoked."), code="invalid_api_key"
            )
        _touch(key)
        return ApiClient(key), key

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


class StaffSessionAuthentication(authentication.SessionAuthentication):
    """The admin's session, for the browsable API and the docs' "try it out". CSRF is
    enforced as usual for unsafe methods."""
