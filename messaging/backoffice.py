"""Associate screens for messages: send from the customer 360, the inbox of
conversations per store, a thread and its replies."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from customers import selectors as customer_selectors
from customers import services as customer_services
from customers.models import Channel, Customer
from messaging import selectors, services
from messaging.errors import MessagingError
from messaging.models import MessageChannel, Purpose, Thread
from messaging.surface import MessageForm, message_card
from messaging.wording import OUTREACH, wording_render
from omni.errors import DomainError
from omni.http import domain_error_message, domain_error_on_form
from stores.surface import backoffice_render, backoffice_view

TIMELINE_PAGE = 10


def _customer_or_404(customer_id: int) -> Customer:
    customer = (
        Customer.objects.filter(pk=customer_id, is_active=True)
        .select_related("home_store", "primary_associate")
        .first()
    )
    if customer is None:
        raise Http404("No such customer.")
    return customer


def _template_text(request: HttpRequest, customer: Customer, key: str, part: str) -> str:
    """A template's words for this customer, in the customer's language."""
    return wording_render(
        key=key,
        language=customer.language,
        part=part,
        params={
            "name": customer.first_name or str(customer),
            "associate": request.associate.display_name,
            "store": request.location.name,
        },
    )


def _send(request: HttpRequest, customer: Customer, form: MessageForm, location) -> bool:
    """Send the form's message; False (with the error on the form) when refused."""
    data = form.cleaned_data
    body = (data.get("body") or "").strip()
    subject = (data.get("subject") or "").strip()
    key = data.get("template") or ""
    if key in OUTREACH:
        body = body or _template_text(request, customer, key, "body")
        subject = subject or _template_text(request, customer, key, "subject")
    try:
        services.send_message(
            channel=data["channel"],
            purpose=Purpose.ONE_TO_ONE,
            body=body,
            subject=subject,
            kind=key,
            customer=customer,
            associate=request.associate,
            location=location,
        )
    except MessagingError as error:
        domain_error_on_form(form, error)
        return False
    return True


def _card_response(
    request: HttpRequest, customer: Customer, *, form: MessageForm | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "customer": customer,
        **message_card(customer=customer, form=form),
        "timeline": customer_selectors.customer_timeline(customer=customer, limit=TIMELINE_PAGE),
        "refresh_timeline": True,
        "oob_messages": True,
    }
    if request.htmx:
        return backoffice_render(
            request,
            "backoffice/messages/compose.html",
            context,
            fragment="backoffice/customers/_messages.html",
            status=status,
        )
    if status != 200:
        return backoffice_render(
            request, "backoffice/messages/compose.html", context, status=status
        )
    return redirect(reverse("backoffice:customer-detail", args=[customer.pk]) + "#messages")


@require_POST
@backoffice_view
def customer_message_send(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The 360's Send: an email or a text from the associate, through the outbox. Refused
    here without consent, whatever the screen showed (the service checks)."""
    customer = _customer_or_404(customer_id)
    form = MessageForm(request.POST)
    if not form.is_valid() or not _send(request, customer, form, request.location):
        return _card_response(request, customer, form=form, status=400)
    messages.success(request, _("Message queued; it goes out in a moment."))
    return _card_response(request, customer)


@require_POST
@backoffice_view
def customer_service_channel(request: HttpRequest, customer_id: int) -> HttpResponse:
    """How the customer's service messages go (email or text), set on the 360 with the
    customer's word."""
    customer = _customer_or_404(customer_id)
    try:
        customer_services.service_channel_set(
            customer=customer,
            channel=request.POST.get("service_messages_by", ""),
            source=Channel.STORE,
            associate=request.associate,
            location=request.location,
        )
    except DomainError as error:
        domain_error_message(request, error)
        return _card_response(request, customer, status=400)
    messages.success(request, _("Saved."))
    return _card_response(request, customer)


@require_GET
@backoffice_view
def customer_message_template(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The message box filled with a template's words in the customer's language (HTMX,
    when the associate picks a template)."""
    customer = _customer_or_404(customer_id)
    key = request.GET.get("template", "")
    body = _template_text(request, customer, key, "body") if key in OUTREACH else ""
    subject = _template_text(request, customer, key, "subject") if key in OUTREACH else ""
    form = MessageForm(initial={"body": body, "subject": subject, "template": key})
    return backoffice_render(
        request,
        "backoffice/customers/_message_fields.html",
        {"customer": customer, "message_form": form},
    )


# --- the inbox ------------------------------------------------------------------------


@require_GET
@backoffice_view
def inbox(request: HttpRequest) -> HttpResponse:
    """The conversations of the store the associate works for: a manager sees all of
    them, an associate their own clients' and the unassigned ones. One query for the
    list, whatever the number of threads and messages."""
    threads = selectors.inbox_threads(
        associate=request.associate,
        location=request.location,
        locations=request.allowed_locations,
    )
    return backoffice_render(request, "backoffice/messages/inbox.html", {"threads": threads})


def _thread_or_404(request: HttpRequest, thread_id: int) -> Thread:
    thread = selectors.thread_for_reader(
        thread_id=thread_id, associate=request.associate, locations=request.allowed_locations
    )
    if thread is None:
        raise Http404("No such conversation for you.")
    return thread


def _thread_context(request: HttpRequest, thread: Thread, form: MessageForm | None = None):
    customer = thread.customer
    card = message_card(customer=customer, form=form)
    if form is None:
        # Answer the way they wrote: a text by text (a web message gets the card's choice).
        last = selectors.thread_messages(thread=thread, limit=1)
        if last and not last[0].is_outbound and last[0].channel != MessageChannel.WEB:
            card["message_form"] = MessageForm(initial={"channel": last[0].channel})
    return {
        "thread": thread,
        "customer": customer,
        "thread_messages": selectors.thread_messages(thread=thread),
        **card,
    }


@require_GET
@backoffice_view
def thread_detail(request: HttpRequest, thread_id: int) -> HttpResponse:
    thread = _thread_or_404(request, thread_id)
    services.thread_mark_read(thread=thread)
    return backoffice_render(
        request,
        "backoffice/messages/thread.html",
        _thread_context(request, thread),
        fragment="backoffice/messages/_thread_messages.html",
    )


@require_POST
@backoffice_view
def thread_reply(request: HttpRequest, thread_id: int) -> HttpResponse:
    thread = _thread_or_404(request, thread_id)
    form = MessageForm(request.POST)
    if not form.is_valid() or not _send(request, thread.customer, form, thread.location):
        return backoffice_render(
            request,
            "backoffice/messages/thread.html",
            _thread_context(request, thread, form),
            fragment="backoffice/messages/_thread_messages.html",
            status=400,
        )
    messages.success(request, _("Message queued; it goes out in a moment."))
    if request.htmx:
        return backoffice_render(
            request,
            "backoffice/messages/thread.html",
            _thread_context(request, thread),
            fragment="backoffice/messages/_thread_messages.html",
        )
    return redirect("backoffice:inbox-thread", thread.pk)
