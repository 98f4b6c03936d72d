"""What messaging lends to other apps' screens: the message form and the "Messages" card
of the customer 360 (``customers/backoffice/record.py`` shows it)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.models import Customer
from messaging import selectors
from messaging.models import MessageChannel, Purpose
from messaging.services import consent_allows
from messaging.wording import outreach_choices

CARD_MESSAGES = 8


class MessageForm(forms.Form):
    """An associate's email or text to one customer: written, or started from a
    template (rendered in the customer's language when the body is left empty)."""

    channel = forms.ChoiceField(
        label=_("Send as"),
        choices=[
            (MessageChannel.SMS, _("Text message")),
            (MessageChannel.EMAIL, pgettext_lazy("channel", "Email")),
        ],
    )
    template = forms.ChoiceField(label=_("Start from"), required=False)
    subject = forms.CharField(label=_("Subject (email)"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Message"),
        max_length=1600,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [("", _("— write your own —")), *outreach_choices()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("body") or "").strip() and not data.get("template"):
            self.add_error("body", _("Write the message, or start from a template."))
        return data


def message_card(*, customer: Customer, form: MessageForm | None = None) -> dict[str, Any]:
    """The 360's "Messages" card: the last messages (any channel, with their status), what
    the customer's consent allows an associate to send, and the form. 3 queries."""
    allowed = {
        channel: consent_allows(customer=customer, channel=channel, purpose=Purpose.ONE_TO_ONE)
        for channel in (MessageChannel.SMS, MessageChannel.EMAIL)
    }
    reachable = {
        MessageChannel.SMS: bool(customer.phone),
        MessageChannel.EMAIL: bool(customer.email),
    }
    initial = (
        MessageChannel.SMS
        if allowed[MessageChannel.SMS] and customer.phone
        else MessageChannel.EMAIL
    )
    return {
        "card_messages": selectors.customer_messages(customer=customer, limit=CARD_MESSAGES),
        "message_allowed": {c: allowed[c] and reachable[c] for c in allowed},
        "message_consent": allowed,
        "message_reachable": reachable,
        "message_form": form or MessageForm(initial={"channel": initial}),
    }
