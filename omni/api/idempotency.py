"""Idempotent POSTs: ``Idempotency-Key: <any string up to 255 characters>``.

A retry with the same key and the same body gets the first response again (status and
body, with ``Idempotent-Replayed: true``) and writes nothing; the same key with another
body (or on another endpoint) is refused with 422 ``idempotency_key_reused``.

How: the record of a key is inserted in the same transaction as the write it guards and
completed with the response before commit. A concurrent duplicate's insert hits the
unique (owner, key) index and waits for the first transaction (PostgreSQL), then sees its
committed record and replays it; if the first takes longer than ``LOCK_WAIT_SECONDS`` the
duplicate gets 409 ``idempotency_key_in_progress`` and may retry. A write that fails (an
error response) rolls back with its record, so the key may be used again: nothing was
written under it. Records are kept ``RETENTION`` (purged by ``idempotency_records_purge``).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.response import Response

from omni.api.errors import ApiError
from omni.api.permissions import api_key_of
from omni.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
LOCK_WAIT_SECONDS = 10
RETENTION = dt.timedelta(hours=24)
REPLAYED_HEADER = "Idempotent-Replayed"


def _owner(request) -> str | None:
    key = api_key_of(request)
    if key is not None:
        return f"key:{key.pk}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def request_fingerprint(request) -> str:
    """SHA-256 of method, path and the parsed body in canonical form (key order and
    whitespace do not make two bodies different)."""
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    raw = f"{request.method} {request.get_full_path()}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _json(data) -> object:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _replay(record: IdempotencyRecord) -> Response:
    return Response(
        record.response_body, status=record.response_status, headers={REPLAYED_HEADER: "true"}
    )


def _reused() -> ApiError:
    return ApiError(
        _("This Idempotency-Key was already used with a different request."),
        code="idempotency_key_reused",
        status_code=422,
    )


def _in_progress() -> ApiError:
    return ApiError(
        _("A request with this Idempotency-Key is still being processed; retry shortly."),
        code="idempotency_key_in_progress",
        status_code=409,
    )


def _claim(*, owner: str, key: str, request, fingerprint: str) -> IdempotencyRecord | Response:
    """Insert the record of this key (a placeholder completed later in the same
    transaction), or the replay of the request that already used it."""
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                connection.cursor().execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT_SECONDS}s'")
            record = IdempotencyRecord.objects.create(
                owner=owner,
                key=key,
                method=request.method,
                path=request.path[:255],
                request_hash=fingerprint,
                response_status=0,
            )
            if connection.vendor == "postgresql":
                connection.cursor().execute("SET LOCAL lock_timeout = DEFAULT")
            return record
    except IntegrityError:
        pass
    except OperationalError:  # waited too long for the first request to finish
        raise _in_progress() from None
    existing = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
    if existing is None or existing.response_status == 0:
        raise _in_progress()
    if existing.request_hash != fingerprint:
        raise _reused()
    return _replay(existing)


def idempotent(view_method: Callable) -> Callable:
    """Make a POST action honour ``Idempotency-Key``. Runs after authentication,
    permissions and throttling (inside DRF's dispatch), around the action itself."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        owner = _owner(request)
        if key is None or owner is None:
            return view_method(self, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise ApiError(
                _("%(header)s must be 1 to %(max)d characters.")
                % {"header": HEADER, "max": MAX_KEY_LENGTH},
                code="invalid_idempotency_key",
                status_code=400,
                type="validation_error",
                errors=[
                    {
                        "field": HEADER,
                        "code": "invalid",
                        "message": _("1 to %(max)d characters.") % {"max": MAX_KEY_LENGTH},
                    }
                ],
            )
        fingerprint = request_fingerprint(request)
        with transaction.atomic():
            claimed = _claim(owner=owner, key=key, request=request, fingerprint=fingerprint)
            if isinstance(claimed, Response):
                return claimed
            response = view_method(self, request, *args, **kwargs)
            if not 200 <= response.status_code < 300:
                # Nothing was written; forget the key so a corrected retry can use it.
                transaction.set_rollback(True)
                return response
            claimed.response_status = response.status_code
            claimed.response_body = _json(response.data)
            claimed.save(update_fields=["response_status", "response_body"])
            return response

    wrapper.idempotent = True
    return wrapper


def idempotency_records_purge(*, older_than: dt.timedelta = RETENTION) -> int:
    """Forget keys older than ``older_than``; returns how many."""
    deleted, _by_model = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
