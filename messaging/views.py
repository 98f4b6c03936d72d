"""The provider's callbacks (delivery receipts and inbound texts, signed) and the
storefront's message to an associate from a shared list."""

from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from customers import selectors as customer_selectors
from customers.errors import CustomerNotFound
from messaging import selectors, services
from messaging.errors import MessagingError
from messaging.providers import SmsProvider, sms_provider
from omni.email import absolute_url
from omni.http import domain_error_on_form

logger = logging.getLogger(__name__)

# Twilio reads the answer to an inbound text as TwiML: an empty response sends nothing.
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _verified(request: HttpRequest) -> tuple[SmsProvider, dict[str, str]] | None:
    """The provider and the form fields of a callback whose signature is valid; None
    otherwise. The signed URL is the one the provider was given (SITE_URL + path)."""
    provider = sms_provider()
    params = {key: request.POST.get(key, "") for key in request.POST}
    url = absolute_url(request.get_full_path())
    signature = request.headers.get("X-Twilio-Signature", "")
    if not provider.signature_valid(url=url, params=params, signature=signature):
        logger.warning("SMS callback with a bad signature", extra={"event": "sms_bad_signature"})
        return None
    return provider, params


@csrf_exempt
@require_POST
def sms_status(request: HttpRequest) -> HttpResponse:
    """Delivery receipts: the message's status moves to sent, delivered or failed."""
    verified = _verified(request)
    if verified is None:
        return HttpResponse(_("The signature is not valid."), status=403, content_type="text/plain")
    provider, params = verified
    status = provider.status_parse(params)
    if status is None:
        return HttpResponse(
            _("No message status in the callback."), status=400, content_type="text/plain"
        )
    services.message_status_update(provider=provider.name, status=status)
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    """A text someone sent us: a reply lands in the customer's thread; STOP (or a local
    equivalent) turns their SMS consent to none before this answers."""
    verified = _verified(request)
    if verified is None:
        return HttpResponse(_("The signature is not valid."), status=403, content_type="text/plain")
    provider, params = verified
    inbound = provider.inbound_parse(params)
    if inbound is None:
        return HttpResponse(_("No message in the callback."), status=400, content_type="text/plain")
    services.message_receive_sms(provider=provider.name, inbound=inbound)
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


# --- the shared list's "Message … at …" ----------------------------------------------------


class ListMessageForm(forms.Form):
    associate = forms.IntegerField(widget=forms.HiddenInput)
    body = forms.CharField(
        label=gettext_lazy("Your message"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    contact = forms.CharField(
        label=gettext_lazy("Your name (optional)"), max_length=120, required=False
    )


@require_http_methods(["GET", "POST"])
def list_message(request: HttpRequest, token: str) -> HttpResponse:
    """The form under a shared list for writing to the associate who added its items; the
    message lands in that associate's inbox, in the thread with the list's owner."""
    try:
        shopping_list = customer_selectors.list_shared(token=token)
    except CustomerNotFound:
        raise Http404("This list is not shared.") from None
    contacts = {c.associate.pk: c for c in selectors.list_contacts(shopping_list=shopping_list)}
    if not contacts:
        raise Http404("Nobody to write to about this list.")
    wanted = request.POST.get("associate") or request.GET.get("associate") or ""
    contact = contacts.get(int(wanted)) if wanted.isdigit() else None
    contact = contact or next(iter(contacts.values()))
    form = ListMessageForm(initial={"associate": contact.associate.pk})
    status = 200
    if request.method == "POST":
        form = ListMessageForm(request.POST)
        if form.is_valid() and form.cleaned_data["associate"] in contacts:
            try:
                services.message_receive_web(
                    customer=shopping_list.customer,
                    body=form.cleaned_data["body"],
                    location=contact.location,
                    associate=contact.associate,
                    sender=form.cleaned_data["contact"],
                )
            except MessagingError as error:
                domain_error_on_form(form, error)
            else:
                messages.success(
                    request,
                    _("Sent to %(associate)s at %(store)s. They will answer you soon.")
                    % {"associate": contact.associate.display_name, "store": contact.location.name},
                )
                return redirect("customers:list-shared", token=token)
        elif form.is_valid():
            form.add_error(None, _("Choose who to write to."))
        status = 400
    return render(
        request,
        "storefront/lists/message.html",
        {"list": shopping_list, "contact": contact, "form": form},
        status=status,
    )
