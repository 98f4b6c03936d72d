"""Transactional and marketing email, sent at most once per (kind, object, stage).

The EmailLog row is inserted in the same transaction as the send and marked sent in the
same step (``sent_at``, right after the mail server accepted the message): a second worker
trying the same (kind, object, stage) blocks on the unique index until the first commits,
then gets an IntegrityError and skips. If sending fails the row rolls back and a retry may
send. Everything is rendered before the row is taken, so the transaction holds the unique
index only for the send itself.

The one window left: a process killed after the mail server accepted the message and
before the transaction commits (a few database statements: the log's ``sent_at``, the
timeline entry, the outbox row marked done, COMMIT — milliseconds) sends it again on the
retry. That copy carries the same ``Message-ID`` (derived from kind, object and stage, see
``email_message_id``), so mail systems that drop duplicates by Message-ID drop it.

Templates live in ``templates/emails/<kind>.html`` and ``<kind>.txt`` (plain-text
alternative); ``<kind>_subject.txt`` gives the subject. All three are rendered in the
recipient's language (``language``: the customer's), whatever language the worker or the
request that sends it happens to speak; the layout's ``<html lang dir>`` follows it.

The log keeps the subject as sent, the language it was sent in, and ``subject_params``:
the plain values (JSON) the subject template reads, passed by the caller. The subject is
rendered from those values alone, so ``EmailLog.subject_text`` (``email_subject_render``)
can render the same template again in a reader's language, e.g. on the timeline's
"Email sent: …" entry (``email_sent_text``).
"""

from __future__ import annotations

import logging
import re
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from omni import stored_text
from omni.models import EmailLog

logger = logging.getLogger(__name__)


def absolute_url(path: str) -> str:
    """An absolute link for an email, from SITE_URL."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL}/{path.lstrip('/')}"


def _message_id_domain() -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2]
    return domain or urlsplit(settings.SITE_URL).hostname or "omni.invalid"


def email_message_id(*, kind: str, object_type: str, object_id: str | int, stage: str) -> str:
    """The stable ``Message-ID`` of one (kind, object, stage): every attempt at the same
    email carries the same id, so a duplicate can be recognised downstream."""
    local = ".".join(
        re.sub(r"[^A-Za-z0-9_-]+", "-", str(part)) or "0"
        for part in ("omni", kind, object_type, object_id, stage or "0")
    )
    return f"<{local}@{_message_id_domain()}>"


def email_send_once(
    *,
    kind: str,
    object_type: str,
    object_id: str | int,
    to: str,
    context: dict[str, Any],
    stage: str = "",
    customer_id: int | None = None,
    headers: dict[str, str] | None = None,
    language: str | None = None,
    subject_params: dict[str, Any] | None = None,
) -> EmailLog | None:
    """Render ``templates/emails/<kind>.*`` in ``language`` (the recipient's; None: the
    shop's default) and send it, unless this (kind, object, stage) was already sent.
    ``subject_params``: the JSON values the subject template reads (the subject is then
    rendered from them alone, and they are logged); None: from ``context``, not logged.
    Returns the log row, or None when it had been sent before."""
    context = {"site_url": settings.SITE_URL, "site_name": settings.OMNI_SITE_NAME, **context}
    message_id = email_message_id(
        kind=kind, object_type=object_type, object_id=object_id, stage=stage
    )
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = render_to_string(
            f"emails/{kind}_subject.txt",
            context if subject_params is None else _subject_context(subject_params),
        ).strip()
        text_body = render_to_string(f"emails/{kind}.txt", context)
        html_body = render_to_string(f"emails/{kind}.html", context)
    try:
        with transaction.atomic():
            log = EmailLog.objects.create(
                kind=kind,
                object_type=object_type,
                object_id=str(object_id),
                stage=stage,
                to=to,
                subject=subject[:255],
                language=language,
                subject_params=subject_params or {},
                customer_id_ref=customer_id,
            )
            message = EmailMultiAlternatives(
                subject=subject,
                body=text_body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[to],
                headers={
                    **(headers or {}),
                    "Message-ID": message_id,
                    "Content-Language": language,
                },
            )
            message.attach_alternative(html_body, "text/html")
            message.send()
            # Marked sent in the same step: nothing but this update and the caller's
            # commit lies between the mail server's acceptance and the durable log.
            log.sent_at = timezone.now()
            log.save(update_fields=["sent_at"])
    except IntegrityError:
        logger.info("email %s for %s:%s stage %r already sent", kind, object_type, object_id, stage)
        return None
    _emails_sent_counted(kind)
    logger.info(
        "email %s sent for %s:%s stage %r",
        kind,
        object_type,
        object_id,
        stage,
        extra={"event": "email_sent", "email_kind": kind, "message_id": message_id},
    )
    return log


def _emails_sent_counted(kind: str) -> None:
    from omni.metrics import EMAILS_SENT

    EMAILS_SENT.labels(kind=kind).inc()


def subject_values(context: dict[str, Any], *names: str) -> dict[str, Any]:
    """The values ``names`` (dotted: ``"return.number"``) of ``context``, as the plain
    JSON ``subject_params`` of ``email_send_once`` (nested dicts for dotted names)."""
    values: dict[str, Any] = {}
    for name in names:
        head, *path = name.split(".")
        value = context.get(head)
        for attribute in path:
            value = value.get(attribute) if isinstance(value, dict) else getattr(value, attribute)
        if value is None:
            continue
        if not isinstance(value, (str, int, float, bool)):
            value = str(value)
        target = values
        for part in [head, *path][:-1]:
            target = target.setdefault(part, {})
        target[[head, *path][-1]] = value
    return values


def _subject_context(params: dict[str, Any]) -> dict[str, Any]:
    return {"site_url": settings.SITE_URL, "site_name": settings.OMNI_SITE_NAME, **params}


def email_subject_render(*, kind: str, params: dict[str, Any] | None, legacy: str) -> str:
    """The subject of a ``kind`` email with the logged ``params``, in the active language;
    ``legacy`` (the subject as sent) for a log without params or a template that fails."""
    if not params:
        return legacy
    try:
        rendered = render_to_string(f"emails/{kind}_subject.txt", _subject_context(params))
    except Exception:  # a log row must not break the page that shows it
        logger.warning("subject of %s could not be rendered with %r", kind, params)
        return legacy
    return rendered.strip() or legacy


def _email_subject(value: Any) -> str:
    """Converter of the "email.sent" entry: ``{"kind", "params", "legacy"}``."""
    if not isinstance(value, dict):
        return str(value)
    return email_subject_render(
        kind=str(value.get("kind", "")),
        params=value.get("params"),
        legacy=str(value.get("legacy", "")),
    )


TIMELINE = stored_text.register(
    {"email.sent": stored_text.Template(_("Email sent: %(subject)s"), subject=_email_subject)}
)


def email_sent_text(log: EmailLog) -> stored_text.StoredText:
    """The timeline entry of a sent email: its subject, rendered in the reader's language."""
    return stored_text.text(
        "email.sent",
        subject={"kind": log.kind, "params": log.subject_params, "legacy": log.subject},
    )
