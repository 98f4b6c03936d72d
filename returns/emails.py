"""Returns' emails, sent by the outbox after commit (handlers registered in
``ReturnsConfig.ready``): transactional, so no marketing consent is needed, and each
goes out once per return."""

from __future__ import annotations

from typing import Any

from customers.models import Channel, Interaction
from customers.services import interaction_record
from messaging.services import service_message_send
from omni.email import absolute_url, email_send_once, email_sent_text, subject_values
from omni.money import format_money_lazy
from returns.models import Return, ReturnLine


def _return_with_lines(return_id: int) -> Return | None:
    return (
        Return.objects.select_related("order", "customer", "location")
        .prefetch_related("lines__order_line")
        .filter(pk=return_id)
        .first()
    )


def _send(kind: str, return_request: Return, context: dict[str, Any]) -> None:
    to = return_request.order.email or return_request.customer.email
    if not to:
        return
    lines: list[ReturnLine] = [*return_request.lines.all()]
    for line in lines:
        line.refund_label = format_money_lazy(line.refund_amount, return_request.currency)
    context = {
        "return": return_request,
        "order": return_request.order,
        "customer": return_request.customer,
        "lines": lines,
        "returns_url": absolute_url("/account/returns/"),
        **context,
    }
    log = email_send_once(
        kind=kind,
        object_type="returns.return",
        object_id=return_request.pk,
        to=to,
        customer_id=return_request.customer_id,
        language=return_request.customer.language,
        context=context,
        subject_params=subject_values(
            context, "return.number", "return.refund_method", "order.number", "refund_total"
        ),
    )
    if log is not None:
        interaction_record(
            customer=return_request.customer,
            kind=Interaction.Kind.EMAIL,
            channel=Channel.EMAIL,
            summary=email_sent_text(log),
            subject=return_request,
        )


def return_requested_email_send(payload: dict[str, Any]) -> None:
    """The return code and how to send or bring the items back."""
    return_request = _return_with_lines(payload["return_id"])
    if return_request is None or return_request.status == Return.Status.CANCELLED:
        return
    expected = sum((line.refund_amount for line in return_request.lines.all()), 0)
    _send(
        "return_requested",
        return_request,
        {
            "expected_refund": format_money_lazy(expected, return_request.currency),
            "by_post": return_request.method == "by_post",
        },
    )


def return_received_email_send(payload: dict[str, Any]) -> None:
    """What came back, where, and how much went back how."""
    return_request = _return_with_lines(payload["return_id"])
    if return_request is None:
        return
    # One channel, the customer's choice: a text instead of the email, never both.
    if (
        service_message_send(
            kind="return_received",
            customer=return_request.customer,
            params={"number": return_request.number},
            location=return_request.location,
            dedupe_key=f"sms.return_received:returns.return:{return_request.pk}",
        )
        is not None
    ):
        return
    _send(
        "return_received",
        return_request,
        {
            "refund_total": format_money_lazy(return_request.refund_total, return_request.currency),
            "refund_method": return_request.get_refund_method_display(),
        },
    )
