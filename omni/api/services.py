"""Writes of the API's own rows: API keys and webhook subscriptions."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.api.authentication import api_key_generate, api_key_hash
from omni.errors import DomainError
from omni.models import ApiKey, ApiScope, WebhookEvent, WebhookSubscription


class InvalidApiKeyRequest(DomainError):
    """The key or subscription cannot be made as asked."""

    code = "invalid"
    http_status = 400
    default_message = gettext_lazy("The key or subscription cannot be made as asked.")


def _scopes_clean(scopes: Iterable[str]) -> list[str]:
    scopes = list(dict.fromkeys(scopes))
    unknown = [s for s in scopes if s not in ApiScope.values]
    if unknown:
        raise InvalidApiKeyRequest(
            _("Unknown scopes: %(scopes)s.") % {"scopes": ", ".join(unknown)}, field="scopes"
        )
    return scopes


@transaction.atomic
def api_key_create(
    *,
    name: str,
    scopes: Iterable[str],
    location_codes: Iterable[str] = (),
    rate_per_minute: int | None = None,
    created_by=None,
) -> tuple[ApiKey, str]:
    """Make a key; returns the row and the raw key, which is never stored and must be
    shown to the person once. Raises InvalidApiKeyRequest (unknown scope)."""
    scopes = _scopes_clean(scopes)
    for _attempt in range(5):
        raw, prefix = api_key_generate()
        try:
            with transaction.atomic():
                key = ApiKey.objects.create(
                    name=name.strip()[:120] or "API key",
                    prefix=prefix,
                    hashed_key=api_key_hash(raw),
                    scopes=scopes,
                    location_codes=sorted({c.strip() for c in location_codes if c.strip()}),
                    rate_per_minute=rate_per_minute,
                    created_by=created_by,
                )
            return key, raw
        except IntegrityError:  # a prefix drawn twice: draw again
            continue
    raise RuntimeError("Could not draw a unique API key prefix.")


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Switch a key off for good (its requests get 401 from now on)."""
    ApiKey.objects.filter(pk=api_key.pk, is_active=True).update(
        is_active=False, revoked_at=timezone.now()
    )
    api_key.refresh_from_db(fields=["is_active", "revoked_at"])
    return api_key


def _events_clean(events: Iterable[str]) -> list[str]:
    events = list(dict.fromkeys(events))
    if not events:
        raise InvalidApiKeyRequest(_("Subscribe to at least one event."), field="events")
    unknown = [e for e in events if e != "*" and e not in WebhookEvent.values]
    if unknown:
        raise InvalidApiKeyRequest(
            _("Unknown events: %(events)s.") % {"events": ", ".join(unknown)}, field="events"
        )
    return events


def webhook_subscription_create(
    *,
    url: str,
    events: Iterable[str],
    description: str = "",
    api_key: ApiKey | None = None,
) -> WebhookSubscription:
    """A new subscription with a fresh signing secret (returned once to its maker)."""
    return WebhookSubscription.objects.create(
        url=url,
        events=_events_clean(events),
        description=description[:200],
        api_key=api_key,
        secret=f"whsec_{secrets.token_urlsafe(32)}",
    )


def webhook_subscription_update(
    *,
    subscription: WebhookSubscription,
    url: str | None = None,
    events: Iterable[str] | None = None,
    description: str | None = None,
    is_active: bool | None = None,
) -> WebhookSubscription:
    changed = []
    if url is not None:
        subscription.url = url
        changed.append("url")
    if events is not None:
        subscription.events = _events_clean(events)
        changed.append("events")
    if description is not None:
        subscription.description = description[:200]
        changed.append("description")
    if is_active is not None:
        subscription.is_active = is_active
        changed.append("is_active")
    if changed:
        subscription.save(update_fields=[*changed, "updated_at"])
    return subscription


def webhook_subscription_delete(*, subscription: WebhookSubscription) -> None:
    subscription.delete()
