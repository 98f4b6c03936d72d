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
) -> EmailLog | None:
    """Render ``templates/emails/<kind>.*`` in ``language`` (the recipient's; None: the
    shop's default) and send it, unless this (kind, object, stage) was already sent.
    Returns the log row, or None when it had been sent before."""
    context = {"site_url": settings.SITE_URL, "site_name": settings.OMNI_SITE_NAME, **context}
    message_id = email_message_id(
        kind=kind, object_type=object_type, object_id=object_id, stage=stage
    )
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{kind}_subject.txt", context).strip()
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
                    "Content-Language": language or settings.LANGUAGE_CODE,
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
