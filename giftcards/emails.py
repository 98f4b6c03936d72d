"""The gift card email: the code, the amount and the sender's message, to the recipient.

``email.gift_card`` {"card_id", "code"} is recorded by ``gift_card_code_send`` when a card
is sold as an emailed card or issued as a refund to a new card. The handler sends it once
(``email_send_once``) and then removes the code from the outbox row, so the only copy
left is in the recipient's mailbox."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from giftcards.models import GiftCard
from omni.email import absolute_url, email_send_once, subject_values
from omni.models import EmailLog, OutboxMessage
from omni.money import format_money_lazy


def gift_card_email_send(payload: dict[str, Any]) -> EmailLog | None:
    card = GiftCard.objects.select_related("customer").filter(pk=payload["card_id"]).first()
    code = payload.get("code", "")
    if card is None or not card.recipient_email or not code:
        return None
    sender = card.customer
    context = {
        "recipient_name": card.recipient_name,
        "sender_name": (sender.first_name if sender else "") or "",
        "amount": format_money_lazy(card.initial_amount, card.currency),
        "code": code,
        "message": card.message,
        "refund": card.source == GiftCard.Source.REFUND,
        "expires_at": card.expires_at,
        "balance_url": absolute_url(reverse("giftcards:balance")),
    }
    log = email_send_once(
        kind="gift_card",
        object_type="giftcards.giftcard",
        object_id=card.pk,
        to=card.recipient_email,
        context=context,
        subject_params=subject_values(context, "amount"),
        customer_id=sender.pk if sender else None,
        language=sender.language if sender else None,
    )
    OutboxMessage.objects.filter(dedupe_key=f"email.gift_card:giftcards.giftcard:{card.pk}").update(
        payload={"card_id": card.pk, "code": ""}
    )
    return log
