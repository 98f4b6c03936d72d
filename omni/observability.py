"""What an operator sees: one JSON log line per request, a request id that follows the work
it causes into Celery, and request latency for the metrics scraper.

- ``RequestIdMiddleware`` (first in ``MIDDLEWARE``) takes the caller's ``X-Request-ID``
  when it is a sane token (a load balancer's), else makes one; returns it in the
  response's ``X-Request-ID``; logs ``{"event": "request", ...}`` with method, path, view,
  status and duration once per request (logger ``omni.request``); and observes
  ``omni_http_request_duration_seconds`` per view.
- Every log line made while the request (or a task it caused) runs carries
  ``request_id`` (``JsonFormatter`` reads ``current_request_id()``).
- Tasks: the id travels in the task message's ``omni_request_id`` header
  (``before_task_publish``), and the outbox stores it on the row
  (``OutboxMessage.request_id``), so a confirmation sent by the sweep an hour later is
  still tagged with the checkout that caused it. ``task_prerun`` restores it in the worker.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
import re
import time
import traceback
import uuid
from typing import Any

from celery import signals

logger = logging.getLogger("omni.request")

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("omni_request_id", default="")
HEADER = "omni_request_id"
SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def current_request_id() -> str:
    """The id of the request (or task) this code runs for, or ""."""
    return _request_id.get()


def request_id_set(value: str) -> contextvars.Token:
    return _request_id.set(value)


def request_id_reset(token: contextvars.Token) -> None:
    _request_id.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex


# --- the request ---------------------------------------------------------------------------


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if SANE_ID.match(incoming) else new_request_id()
        request.request_id = request_id
        token = request_id_set(request_id)
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = request_id
            return response
        finally:
            elapsed = time.perf_counter() - started
            match = getattr(request, "resolver_match", None)
            view = (match.view_name or match._func_path) if match else "unresolved"
            _latency_observed(view=view, method=request.method, status=status, seconds=elapsed)
            user = getattr(request, "user", None)
            logger.info(
                "%s %s %s %.1fms",
                request.method,
                request.path,
                status,
                elapsed * 1000,
                extra={
                    "event": "request",
                    "method": request.method,
                    "path": request.path,
                    "view": view,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 1),
                    "user_id": getattr(user, "pk", None) if user is not None else None,
                },
            )
            request_id_reset(token)


def _latency_observed(*, view: str, method: str, status: int, seconds: float) -> None:
    from omni.metrics import REQUEST_LATENCY

    REQUEST_LATENCY.labels(view=view, method=method, status=str(status)).observe(seconds)


# --- logs ------------------------------------------------------------------------------------

# Attributes every LogRecord has; anything else on a record came from ``extra=`` (or from
# the factory below).
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_previous_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args, **kwargs) -> logging.LogRecord:
    """Every record made while a request or task runs carries its id (and the task), taken
    when the record is made, so a handler that formats it later still has it."""
    record = _previous_factory(*args, **kwargs)
    request_id = _request_id.get()
    if request_id:
        record.request_id = request_id
    for key, value in _current_task().items():
        setattr(record, key, value)
    return record


logging.setLogRecordFactory(_record_with_request_id)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, task, and every
    ``extra=`` field of the call."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(entry, default=str, ensure_ascii=False)


def _current_task() -> dict[str, str]:
    try:
        from celery import current_task
    except ImportError:  # pragma: no cover
        return {}
    task = current_task
    if task is None or not getattr(task, "request", None) or task.request.id is None:
        return {}
    return {"task": task.name, "task_id": task.request.id}


# --- tasks -----------------------------------------------------------------------------------


@signals.before_task_publish.connect
def _request_id_into_headers(headers=None, **kwargs) -> None:
    if headers is not None and not headers.get(HEADER):
        request_id = current_request_id()
        if request_id:
            headers[HEADER] = request_id


_task_tokens: dict[str, contextvars.Token] = {}


@signals.task_prerun.connect
def _request_id_from_headers(task_id=None, task=None, **kwargs) -> None:
    incoming = getattr(task.request, HEADER, None) if task is not None else None
    # Eager tasks run inside the request: keep its id. A task from beat starts its own.
    request_id = incoming or current_request_id() or f"task-{task_id}"
    if task_id:
        _task_tokens[task_id] = request_id_set(request_id)


@signals.task_postrun.connect
def _request_id_cleared(task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None) if task_id else None
    if token is not None:
        # ValueError: set in another context (an eager task run elsewhere).
        with contextlib.suppress(ValueError):
            request_id_reset(token)


@signals.task_failure.connect
def _task_failure_counted(sender=None, task_id=None, exception=None, **kwargs) -> None:
    from omni.metrics import TASK_FAILURES

    name = getattr(sender, "name", "unknown")
    TASK_FAILURES.labels(task=name).inc()
    logging.getLogger("omni.tasks").error(
        "task %s failed: %r",
        name,
        exception,
        extra={"event": "task_failed", "celery_task_id": task_id},
    )


@signals.task_retry.connect
def _task_retry_counted(sender=None, reason=None, **kwargs) -> None:
    from omni.metrics import TASK_RETRIES

    name = getattr(sender, "name", "unknown")
    TASK_RETRIES.labels(task=name).inc()
    logging.getLogger("omni.tasks").warning(
        "task %s will be retried: %s", name, reason, extra={"event": "task_retry"}
    )
