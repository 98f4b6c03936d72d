"""Campaigns' storefront: asking for a back-in-stock alert from the product page, the
alert's link (the product with the size and store chosen), and a newsletter's one-click
unsubscribe (RFC 8058). Thin: forms read the input, services write."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaigns.errors import BackInStockInvalid
from campaigns.models import BackInStockRequest, CampaignSend
from campaigns.services import back_in_stock_request, campaign_unsubscribe_record
from campaigns.services.back_in_stock import open_link_read
from campaigns.services.newsletters import unsubscribe_token_read
from catalog.models import Variant
from catalog.surface import size_name
from customers.models import ContactChannel
from customers.surface import customer_of, my_store, my_store_remember
from inventory.selectors import stock_online_salable, stock_salable
from omni.http import safe_next
from stores.models import Location


class BackInStockForm(forms.Form):
    variant = forms.IntegerField(min_value=1, max_value=2**62)
    where = forms.ChoiceField(choices=(("store", "store"), ("online", "online")))
    contact = forms.CharField(max_length=254, required=False, strip=True)


def _salable_there(variant_id: int, location_id: int | None) -> bool:
    if location_id is None:
        return stock_online_salable(variant_ids=[variant_id]).get(variant_id, 0) > 0
    return stock_salable(variant_id=variant_id, location_id=location_id) > 0


@require_POST
def back_in_stock_create(request: HttpRequest) -> HttpResponse:
    """The product page's "Tell me when it's back" form: a size, the shopper's store or
    online, and (for a guest) an email or a phone. Back to the product with a message."""
    next_url = safe_next(request, reverse("catalog:home"))

    def answer(level: int, text: str) -> HttpResponse:
        # HTMX swaps the form for the answer; without JavaScript, back to the page.
        if getattr(request, "htmx", False):
            context = {"text": text, "ok": level == messages.SUCCESS, "next": next_url}
            return render(request, "storefront/catalog/_stock_alert_answer.html", context)
        messages.add_message(request, level, text)
        return redirect(next_url)

    form = BackInStockForm(request.POST)
    if not form.is_valid():
        return answer(messages.ERROR, _("Please choose a size and where you want it."))
    variant = (
        Variant.objects.select_related("product").filter(pk=form.cleaned_data["variant"]).first()
    )
    if variant is None:
        return answer(messages.ERROR, _("Please choose a size and where you want it."))
    store = my_store(request) if form.cleaned_data["where"] == "store" else None
    if form.cleaned_data["where"] == "store" and store is None:
        return answer(messages.ERROR, _("Choose your store first."))
    location = Location.objects.filter(pk=store.id).first() if store else None
    if _salable_there(variant.pk, location.pk if location else None):
        return answer(messages.INFO, _("Good news: this size is available there now."))
    contact = form.cleaned_data["contact"]
    email, phone = (contact, "") if "@" in contact else ("", contact)
    try:
        back_in_stock_request(
            variant=variant,
            location=location,
            customer=customer_of(request) if request.user.is_authenticated else None,
            email=email,
            phone=phone,
            language=get_language(),
        )
    except BackInStockInvalid as exc:
        return answer(messages.ERROR, str(exc))
    size = size_name(variant.size) if variant.size else _("One size")
    if location is not None:
        text = _("We will let you know once when %(size)s is at %(store)s.") % {
            "size": size,
            "store": location.name,
        }
    else:
        text = _("We will let you know once when %(size)s is available online.") % {"size": size}
    return answer(messages.SUCCESS, text)


@require_GET
def back_in_stock_open(request: HttpRequest, token: str) -> HttpResponse:
    """The alert's link: the request's store becomes the shopper's store for this visit
    (the session only) and the product opens with the size chosen."""
    request_id = open_link_read(token)
    found = (
        BackInStockRequest.objects.select_related("variant__product", "location")
        .filter(pk=request_id)
        .first()
        if request_id
        else None
    )
    if found is None:
        return redirect(reverse("catalog:home"))
    location = found.location
    if location is not None and location.is_active:
        my_store_remember(request, location)
    product_url = reverse("catalog:product", kwargs={"slug": found.variant.product.slug})
    return redirect(f"{product_url}?variant={found.variant_id}")


# The token is the credential and mail clients POST without a CSRF token (RFC 8058).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def newsletter_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One-click unsubscribe from a newsletter: GET shows the confirm button (link
    scanners must not unsubscribe anyone), POST (the button or the mail client's
    ``List-Unsubscribe-Post``) sets marketing email consent to none and counts it on the
    campaign."""
    template = "storefront/unsubscribe.html"
    send_id = unsubscribe_token_read(token)
    send = CampaignSend.objects.filter(pk=send_id).first() if send_id else None
    if send is None:
        error = _("This unsubscribe link is not valid.")
        return render(request, template, {"error": error}, status=400)
    label = ContactChannel.EMAIL.label.lower()
    if request.method == "POST":
        campaign_unsubscribe_record(send_id=send.pk)
        return render(request, template, {"done": True, "channel_label": label})
    name, _at, domain = send.email.partition("@")
    return render(
        request,
        template,
        {
            "channel_label": label,
            "masked_email": f"{name[:1]}***@{domain}" if domain else "",
            "action": reverse("campaigns:newsletter-unsubscribe", args=[token]),
        },
    )
