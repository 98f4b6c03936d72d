"""Newsletters: a campaign sent to its segment's customers who have marketing consent on
email, in throttled batches through the outbox.

``campaign_send_start`` records the first batch; each batch (``campaign_batch_send``, the
outbox handler of ``campaigns.batch``) locks the campaign, takes the next
``OMNI_CAMPAIGN_BATCH_SIZE`` recipients without a ``CampaignSend`` row (one query: the
segment's queryset, the consent EXISTS and NOT EXISTS of a send), writes their send rows
and email log rows in bulk, hands the messages to one mail connection, and records the
next batch ``OMNI_CAMPAIGN_BATCH_PAUSE_SECONDS`` later (the outbox sweep hands it over
when due). The query count of a batch does not depend on its size or the segment's.

At most once per customer: ``CampaignSend`` is unique on (campaign, customer) and the
email log on (kind, campaign, customer), both written in the batch's transaction; a
retried batch finds those rows and skips them.

Each email carries its own one-click unsubscribe (RFC 8058 ``List-Unsubscribe`` and
``List-Unsubscribe-Post``) naming the send, so the unsubscribe is counted per campaign.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from campaigns.errors import CampaignNotSendable
from campaigns.models import Campaign, CampaignSend, CampaignVersion
from campaigns.segments import marketing_email_allowed, segment_customers
from catalog.selectors import products_for_cards
from customers.models import Channel, ConsentState, ContactChannel, Customer
from customers.services import consent_set
from customers.unsubscribe import unsubscribe_headers
from omni.email import absolute_url, email_message_id
from omni.models import EmailLog
from omni.money import format_money_lazy
from omni.outbox import outbox_record

logger = logging.getLogger(__name__)

BATCH_TOPIC = "campaigns.batch"
NEWSLETTER_KIND = "newsletter"
UNSUBSCRIBE_SALT = "campaigns.newsletter.unsubscribe"


def batch_size() -> int:
    return max(1, int(getattr(settings, "OMNI_CAMPAIGN_BATCH_SIZE", 200)))


def batch_pause() -> dt.timedelta:
    return dt.timedelta(seconds=float(getattr(settings, "OMNI_CAMPAIGN_BATCH_PAUSE_SECONDS", 60)))


def default_language() -> str:
    return settings.OMNI_MARKET_CONFIG.default_language or settings.LANGUAGE_CODE


def campaign_recipients(campaign: Campaign) -> Any:
    """Who the campaign may go to: its segment, with marketing consent on email and an
    address, without a copy of this campaign yet. One queryset."""
    already = CampaignSend.objects.filter(campaign_id=campaign.pk, customer_id=OuterRef("pk"))
    return (
        segment_customers(campaign.segment.rules)
        .filter(marketing_email_allowed())
        .exclude(Exists(already))
    )


def _batch_dedupe(campaign_id: int, after: int) -> str:
    return f"{BATCH_TOPIC}:{campaign_id}:{after}"


@transaction.atomic
def campaign_send_start(*, campaign: Campaign, at: dt.datetime | None = None) -> Campaign:
    """Send now (``at`` None or past) or schedule for ``at``. Locks the campaign. Raises
    CampaignNotSendable when it is already sending or sent, or has no version in the
    market's default language (the fallback every customer can get)."""
    now = timezone.now()
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status in (Campaign.Status.SENDING, Campaign.Status.SENT):
        raise CampaignNotSendable(translation.gettext("This campaign has already been sent."))
    languages = set(campaign.versions.values_list("language", flat=True))
    if default_language() not in languages:
        raise CampaignNotSendable(
            translation.gettext("Write the version in %(language)s first: it is the fallback.")
            % {"language": dict(settings.LANGUAGES).get(default_language(), default_language())}
        )
    if at is not None and at > now:
        campaign.status = Campaign.Status.SCHEDULED
        campaign.scheduled_at = at
        campaign.save(update_fields=["status", "scheduled_at"])
        return campaign
    campaign.status = Campaign.Status.SENDING
    campaign.started_at = now
    campaign.save(update_fields=["status", "started_at"])
    outbox_record(
        topic=BATCH_TOPIC,
        payload={"campaign_id": campaign.pk, "after": 0},
        dedupe_key=_batch_dedupe(campaign.pk, 0),
    )
    return campaign


def campaigns_scheduled_start(*, now: dt.datetime | None = None) -> int:
    """Beat: start the scheduled campaigns that are due. Returns how many started."""
    now = now or timezone.now()
    started = 0
    due = Campaign.objects.filter(status=Campaign.Status.SCHEDULED, scheduled_at__lte=now)
    for campaign in due.order_by("scheduled_at", "pk")[:50]:
        try:
            campaign_send_start(campaign=campaign)
            started += 1
        except CampaignNotSendable as exc:
            logger.warning("scheduled campaign %s not started: %s", campaign.pk, exc)
    return started


def unsubscribe_token(send_id: int) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(send_id))


def unsubscribe_token_read(token: str) -> int | None:
    try:
        return int(signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None


def _products(campaign: Campaign) -> list[Any]:
    """The picked products with their price (1 query; names read per language later)."""
    return list(products_for_cards(campaign.products.all()).order_by("pk"))


def _product_cards(products: list[Any]) -> list[dict[str, Any]]:
    """The products as the email shows them, in the active language."""
    return [
        {
            "name": p.name,
            "url": absolute_url(reverse("catalog:product", kwargs={"slug": p.slug})),
            "price": str(format_money_lazy(p.min_price, settings.OMNI_CURRENCY))
            if p.min_price is not None
            else "",
        }
        for p in products
    ]


def _version_for(versions: dict[str, CampaignVersion], language: str) -> CampaignVersion:
    return versions.get(language) or versions[default_language()]


def _message(
    *,
    campaign: Campaign,
    version: CampaignVersion,
    customer: Customer,
    send_id: int,
    products: list[Any],
    connection,
) -> EmailMultiAlternatives:
    with translation.override(version.language):
        path = reverse("campaigns:newsletter-unsubscribe", args=[unsubscribe_token(send_id)])
        url = absolute_url(path)
        context = {
            "site_url": settings.SITE_URL,
            "site_name": settings.OMNI_SITE_NAME,
            "subject": version.subject,
            "paragraphs": [p.strip() for p in version.body.split("\n\n") if p.strip()],
            "products": _product_cards(products),
            "first_name": customer.first_name,
            "unsubscribe_url": url,
        }
        text = render_to_string(f"emails/{NEWSLETTER_KIND}.txt", context)
        html = render_to_string(f"emails/{NEWSLETTER_KIND}.html", context)
    message = EmailMultiAlternatives(
        subject=version.subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[customer.email],
        connection=connection,
        headers={
            **unsubscribe_headers(url),
            "Message-ID": email_message_id(
                kind=NEWSLETTER_KIND,
                object_type="campaigns.campaign",
                object_id=campaign.pk,
                stage=f"c{customer.pk}",
            ),
            "Content-Language": version.language,
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def campaign_batch_send(payload: dict[str, Any]) -> int:
    """Outbox handler of ``campaigns.batch`` {"campaign_id", "after"}: send the next batch
    and record the one after it (or mark the campaign sent). Locks the campaign row, so
    two workers never send one batch twice. Returns the number of emails sent."""
    with transaction.atomic():
        campaign = (
            Campaign.objects.select_for_update()
            .select_related("segment")
            .filter(pk=payload["campaign_id"], status=Campaign.Status.SENDING)
            .first()
        )
        if campaign is None:
            return 0
        size = batch_size()
        customers = list(
            campaign_recipients(campaign)
            .filter(pk__gt=int(payload.get("after", 0)))
            .order_by("pk")
            .only("pk", "email", "first_name", "language")[:size]
        )
        if not customers:
            campaign.status = Campaign.Status.SENT
            campaign.finished_at = timezone.now()
            campaign.save(update_fields=["status", "finished_at"])
            return 0
        versions = {v.language: v for v in campaign.versions.all()}
        products = _products(campaign)
        now = timezone.now()
        chosen = {c.pk: _version_for(versions, c.language) for c in customers}
        sends = CampaignSend.objects.bulk_create(
            [
                CampaignSend(
                    campaign=campaign,
                    customer_id=c.pk,
                    email=c.email,
                    language=chosen[c.pk].language,
                    sent_at=now,
                )
                for c in customers
            ]
        )
        send_ids = {s.customer_id: s.pk for s in sends}
        EmailLog.objects.bulk_create(
            [
                EmailLog(
                    kind=NEWSLETTER_KIND,
                    object_type="campaigns.campaign",
                    object_id=str(campaign.pk),
                    stage=f"c{c.pk}",
                    to=c.email,
                    subject=chosen[c.pk].subject[:255],
                    language=chosen[c.pk].language,
                    customer_id_ref=c.pk,
                    sent_at=now,
                )
                for c in customers
            ]
        )
        connection = get_connection()
        messages = [
            _message(
                campaign=campaign,
                version=chosen[c.pk],
                customer=c,
                send_id=send_ids[c.pk],
                products=products,
                connection=connection,
            )
            for c in customers
        ]
        connection.send_messages(messages)
        last = customers[-1].pk
        if len(customers) == size:
            outbox_record(
                topic=BATCH_TOPIC,
                payload={"campaign_id": campaign.pk, "after": last},
                dedupe_key=_batch_dedupe(campaign.pk, last),
                available_at=now + batch_pause(),
            )
        else:
            campaign.status = Campaign.Status.SENT
            campaign.finished_at = now
            campaign.save(update_fields=["status", "finished_at"])
    logger.info(
        "campaign %s: batch of %s sent",
        campaign.pk,
        len(customers),
        extra={"event": "campaign_batch_sent", "campaign_id": campaign.pk},
    )
    return len(customers)


def campaign_counts(campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    """{campaign id: {"sent", "bounced", "unsubscribed"}}. 1 query for any number."""
    rows = (
        CampaignSend.objects.filter(campaign_id__in=campaign_ids)
        .values("campaign_id")
        .annotate(
            sent=Count("pk"),
            bounced=Count("pk", filter=Q(bounced_at__isnull=False)),
            unsubscribed=Count("pk", filter=Q(unsubscribed_at__isnull=False)),
        )
    )
    counts = {pk: {"sent": 0, "bounced": 0, "unsubscribed": 0} for pk in campaign_ids}
    for row in rows:
        counts[row["campaign_id"]] = {
            "sent": row["sent"],
            "bounced": row["bounced"],
            "unsubscribed": row["unsubscribed"],
        }
    return counts


@transaction.atomic
def campaign_bounce_record(*, email: str, campaign_id: int | None = None) -> int:
    """A bounce for ``email`` (from the mail server's report): the latest send of that
    address (of ``campaign_id``, when given) is marked bounced, once. Returns 1 if a send
    was marked, else 0."""
    sends = CampaignSend.objects.filter(email__iexact=(email or "").strip())
    if campaign_id is not None:
        sends = sends.filter(campaign_id=campaign_id)
    send = sends.select_for_update().order_by("-sent_at", "-pk").first()
    if send is None or send.bounced_at is not None:
        return 0
    send.bounced_at = timezone.now()
    send.save(update_fields=["bounced_at"])
    return 1


@transaction.atomic
def campaign_unsubscribe_record(*, send_id: int) -> CampaignSend | None:
    """The one-click unsubscribe of one newsletter copy: marketing email consent to none
    (``customers.services.consent_set``) and the unsubscribe counted on its campaign."""
    send = (
        CampaignSend.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(pk=send_id)
        .first()
    )
    if send is None:
        return None
    customer = send.customer
    if customer.merged_into_id is not None:
        customer = Customer.objects.filter(pk=customer.merged_into_id).first() or customer
    consent_set(
        customer=customer,
        channel=ContactChannel.EMAIL,
        state=ConsentState.NONE,
        source=Channel.EMAIL,
    )
    if send.unsubscribed_at is None:
        send.unsubscribed_at = timezone.now()
        send.save(update_fields=["unsubscribed_at"])
    return send
