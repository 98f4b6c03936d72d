"""Transactional and marketing email, sent at most once per (kind, object, stage).

The EmailLog row is inserted in the same transaction as the send: a second worker trying
the same (kind, object, stage) blocks on the unique index until the first commits, then
gets an IntegrityError and skips. If sending fails the row rolls back and a retry may
send. Templates live in ``templates/emails/<kind>.html`` and ``<kind>.txt`` (plain-text
alternative); ``<kind>_subject.txt`` gives the subject.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from omni.models import EmailLog

logger = logging.getLogger(__name__)


def absolute_url(path: str) -> str:
    """An absolute link for an email, from SITE_URL."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL}/{path.lstrip('/')}"


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
) -> EmailLog | None:
    """Render ``templates/emails/<kind>.*`` and send it, unless this (kind, object, stage)
    was already sent. Returns the log row, or None when it had been sent before."""
    context = {"site_url": settings.SITE_URL, **context}
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
                headers=headers or {},
            )
            message.attach_alternative(html_body, "text/html")
            message.send()
            log.sent_at = timezone.now()
            log.save(update_fields=["sent_at"])
    except IntegrityError:
        logger.info("email %s for %s:%s stage %r already sent", kind, object_type, object_id, stage)
        return None
    return log
