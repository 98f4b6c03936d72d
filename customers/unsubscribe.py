"""One-click unsubscribe from marketing email, without logging in.

Every marketing email carries ``/email/unsubscribe/<token>/``, where the token is a signed
(customer, contact channel) pair, and the ``List-Unsubscribe`` / ``List-Unsubscribe-Post``
headers pointing at the same URL (RFC 8058), so a mail client's "unsubscribe" button works
too. GET shows a confirm button (link scanners and prefetchers must not unsubscribe
anyone); POST, from that button or from the mail client, sets the consent to none through
``customers.services.consent_set``. The token does not expire: an unsubscribe link in an
old email must still work. A tampered or unknown token gets a clear 400 page.
"""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from customers.models import Channel, ConsentState, ContactChannel, Customer
from customers.services import consent_set

UNSUBSCRIBE_SALT = "omni.customers.unsubscribe"


class UnsubscribeTokenInvalid(ValueError):
    pass


def unsubscribe_token(*, customer_id: int, channel: str = ContactChannel.EMAIL) -> str:
    """A signed token naming the customer and the contact channel to unsubscribe."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object({"c": customer_id, "ch": channel})


def unsubscribe_path(*, customer_id: int, channel: str = ContactChannel.EMAIL) -> str:
    token = unsubscribe_token(customer_id=customer_id, channel=channel)
    return reverse("customers:unsubscribe", kwargs={"token": token})


def unsubscribe_headers(url: str) -> dict[str, str]:
    """The RFC 2369 / RFC 8058 headers that let the mail client unsubscribe in one click."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def unsubscribe_token_read(token: str) -> tuple[Customer, str]:
    """The customer and channel a token names. Raises UnsubscribeTokenInvalid."""
    try:
        data = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
        customer_id, channel = int(data["c"]), str(data["ch"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise UnsubscribeTokenInvalid(gettext("This unsubscribe link is not valid.")) from None
    if channel not in ContactChannel.values:
        raise UnsubscribeTokenInvalid(gettext("This unsubscribe link is not valid."))
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise UnsubscribeTokenInvalid(gettext("This unsubscribe link is not valid."))
    # A customer merged into another: the consent that counts is the survivor's.
    if customer.merged_into_id is not None:
        customer = Customer.objects.filter(pk=customer.merged_into_id).first() or customer
    return customer, channel


# The token is the credential and mail clients POST without a CSRF token (RFC 8058).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    template = "storefront/unsubscribe.html"
    try:
        customer, channel = unsubscribe_token_read(token)
    except UnsubscribeTokenInvalid as exc:
        return render(request, template, {"error": str(exc)}, status=400)
    label = ContactChannel(channel).label.lower()
    if request.method == "POST":
        consent_set(
            customer=customer,
            channel=channel,
            state=ConsentState.NONE,
            source=Channel.EMAIL,
        )
        return render(request, template, {"done": True, "channel_label": label})
    return render(
        request,
        template,
        {"channel_label": label, "masked_email": _masked(customer.email), "token": token},
    )


def _masked(email: str) -> str:
    """ "a***@example.com": enough for the shopper to recognise, not enough to harvest."""
    name, _, domain = (email or "").partition("@")
    if not domain:
        return ""
    return f"{name[:1]}***@{domain}"
