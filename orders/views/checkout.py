"""The storefront checkout (ship or pick up at a store), the confirmation and a guest's
order-status page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_htmx.http import HttpResponseClientRedirect

from customers import services as customer_services
from customers.surface import customer_of, my_store
from inventory.errors import InsufficientStock as InventoryShort
from inventory.errors import InvalidDestination
from inventory.services import sourcing_for_pickup
from omni.addresses import (
    AddressInvalid,
    address_errors_add,
    address_form_install,
    address_normalise,
    country_known,
    default_country,
)
from omni.calendars import format_date
from omni.errors import DomainError
from omni.phones import PhoneFormField
from orders import selectors, services
from orders.context_processors import PLACED_SESSION_KEY
from orders.errors import OrderLinkExpired, OrderLinkInvalid, OrderNotFound
from orders.models import Fulfilment, Order, Payment
from orders.services.numbers import order_code_data_uri
from orders.services.payments import card_provider_name
from orders.services.totals import pickup_preparation_time
from orders.surface import payment_method_label, payment_methods_offered
from orders.views.cart import _cart
from orders.views.tax_invoice import TaxInvoiceFields
from stores.models import Location
from stores.selectors import location_distances_from, locations_active

PICKUP_STORES_OFFERED = 3  # my store and the nearest others: a fixed cost per checkout page


# --- checkout ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PickupOption:
    location: Location
    ready_at: dt.datetime
    ready_label: str  # "today", "tomorrow", "Thu 26 Nov"
    ready_now: bool


def _ready_label(when: dt.datetime, tz: str) -> str:
    try:
        zone = ZoneInfo(tz)
    except (KeyError, ValueError):
        zone = timezone.get_current_timezone()
    day = when.astimezone(zone).date()
    today = timezone.now().astimezone(zone).date()
    if day <= today:
        return pgettext("pickup ready", "today")
    if day == today + dt.timedelta(days=1):
        return pgettext("pickup ready", "tomorrow")
    return format_date(day, "DATE_FORMAT")


def _pickup_options(request: HttpRequest, summary) -> list[PickupOption]:
    """The stores offered for pickup: the shopper's store first, then the nearest others,
    each only when every line can be ready there (now, or by a transfer's date). At most
    ``PICKUP_STORES_OFFERED`` stores, so the page's queries do not grow with stores."""
    lines = [(row.line.variant_id, row.line.quantity) for row in summary.lines]
    if not lines:
        return []
    stores = list(locations_active(kind=Location.Kind.STORE, offers_pickup=True))
    chosen = my_store(request)
    if chosen is not None and any(s.pk == chosen.id for s in stores):
        distances = location_distances_from(location_id=chosen.id)
        stores.sort(key=lambda s: (distances.get(s.pk, 10**6), s.name))
    options = []
    now = timezone.now()
    for store in stores[:PICKUP_STORES_OFFERED]:
        try:
            plan = sourcing_for_pickup(lines=lines, store_id=store.pk, now=now)
        except (InventoryShort, InvalidDestination):
            continue
        ready = plan.ready_at + pickup_preparation_time()
        options.append(
            PickupOption(store, ready, _ready_label(ready, store.timezone), plan.ready_now)
        )
    return options


def _input(
    autocomplete: str, input_type: str = "text", *, numeric: bool = False, placeholder=""
) -> forms.TextInput:
    """A text box that tells the browser what it holds (autofill, the numeric keypad)."""
    attrs = {"type": input_type, "autocomplete": autocomplete}
    if numeric:
        attrs["inputmode"] = "numeric"
    if placeholder:
        attrs["placeholder"] = placeholder
    return forms.TextInput(attrs=attrs)


class CheckoutForm(TaxInvoiceFields):
    email = forms.EmailField(label=_("Email"), required=False, widget=_input("email", "email"))
    first_name = forms.CharField(
        label=_("First name"), max_length=80, required=False, widget=_input("given-name")
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=80, required=False, widget=_input("family-name")
    )
    phone = PhoneFormField(label=_("Phone (optional)"), required=False)
    fulfilment = forms.ChoiceField(
        choices=(("ship", _("Deliver to an address")), ("pickup", _("Pick up at a store"))),
        widget=forms.RadioSelect,
        initial="ship",
    )
    # The delivery address's parts are the country's (omni.addresses), set in __init__.
    country = forms.CharField(max_length=2, required=False, widget=forms.HiddenInput)
    store = forms.IntegerField(required=False)
    # The market's methods, in its order (set in __init__); pay at pickup posts "store".
    payment = forms.ChoiceField(widget=forms.RadioSelect)
    card_number = forms.CharField(
        label=_("Card number"),
        max_length=30,
        required=False,
        widget=_input("cc-number", numeric=True),
    )
    card_name = forms.CharField(
        label=_("Name on the card"), max_length=120, required=False, widget=_input("cc-name")
    )
    card_expiry = forms.CharField(
        label=_("Expiry (MM/YY)"),
        max_length=7,
        required=False,
        widget=_input("cc-exp", numeric=True, placeholder=pgettext_lazy("card expiry", "MM/YY")),
    )
    card_cvc = forms.CharField(
        label=_("Security code (CVC)"),
        max_length=4,
        required=False,
        widget=_input("cc-csc", numeric=True),
    )
    marketing_email = forms.BooleanField(
        label=_("Email me news and offers (newsletter)"), required=False
    )
    marketing_sms = forms.BooleanField(label=_("Text me offers"), required=False)
    # Service messages (ready to collect, items arrived, return received) by text instead
    # of email: the customer's one choice (customers.Customer.service_messages_by).
    service_sms = forms.BooleanField(
        label=_("Text me about this order instead of emailing"), required=False
    )

    def __init__(self, *args, member: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.member = member
        offered = payment_methods_offered()
        self.fields["payment"].choices = [
            (PAYMENT_FORM_VALUE.get(method, method), label) for method, label in offered
        ]
        if offered:
            self.fields["payment"].initial = PAYMENT_FORM_VALUE.get(offered[0][0], offered[0][0])
        country = (self.data.get("country") if self.is_bound else "") or default_country()
        if not country_known(country):
            country = default_country()
        self.country = country.upper()
        self.initial.setdefault("country", self.country)
        self.address_field_names = address_form_install(self, self.country)

    @property
    def address_fields(self):
        return [self[name] for name in self.address_field_names]

    def clean(self):
        data = super().clean()
        if not self.member and not data.get("email") and "email" not in self.errors:
            self.add_error("email", _("Enter your email for the receipt."))
        if data.get("fulfilment") == "ship":
            try:
                self.address = address_normalise(
                    {name: data.get(name, "") for name in self.address_field_names},
                    country=self.country,
                )
            except AddressInvalid as exc:
                address_errors_add(self, exc)
            if data.get("payment") == "store":
                self.add_error("payment", _("Pay at pickup is only for pickups."))
        elif data.get("fulfilment") == "pickup":
            if not data.get("store"):
                self.add_error("store", _("Choose the store to pick up from."))
            if data.get("payment") == "cod":
                self.add_error("payment", _("Cash on delivery is only for deliveries."))
        if data.get("payment") == "card":
            for name, message in (
                ("card_number", _("Enter your card number.")),
                ("card_name", _("Enter the name on the card.")),
                ("card_expiry", _("Enter the expiry date as MM/YY.")),
                ("card_cvc", _("Enter the 3 or 4 digit security code (CVC).")),
            ):
                if not data.get(name):
                    self.add_error(name, message)
        if (data.get("marketing_sms") or data.get("service_sms")) and not data.get("phone"):
            self.add_error("phone", _("Give a phone number to get texts."))
        return data


# The form's value of a market payment method where it differs (pay at pickup was "store"
# before markets listed methods; links and tests post it).
PAYMENT_FORM_VALUE = {"pay_at_pickup": "store"}


def _payment_options(form: CheckoutForm) -> list[dict]:
    """The payment radios: value, label, the fulfilment it is only for (the script
    disables the others), and the section of fields it opens (the card's)."""
    only = {"store": "pickup", "cod": "ship"}
    hints = {
        "store": _("Pickup orders only"),
        "cod": _("Pay the courier in cash when it arrives"),
        "qr": _("Scan a QR code with your banking app after you place the order"),
    }
    return [
        {
            "value": value,
            "label": label,
            "only_for": only.get(value, ""),
            "hint": hints.get(value, ""),
            "section": "card" if value == "card" else "",
            "checked": str(form["payment"].value()) == value,
        }
        for value, label in form.fields["payment"].choices
    ]


def _payment_choice(data: dict) -> services.PaymentChoice:
    method = data["payment"]
    if method == "store":
        return services.PaymentChoice.pay_in_store()
    if method == "qr":
        return services.PaymentChoice.qr()
    if method == "cod":
        return services.PaymentChoice.cash_on_delivery()
    return services.PaymentChoice.card(
        data["card_number"],
        name=data["card_name"],
        expiry=data["card_expiry"],
        cvc=data["card_cvc"],
    )


FIELD_FOR_ERROR = {
    "postcode": "postcode",
    "line1": "line1",
    "city": "city",
    "region": "region",
    "area": "area",
    "phone": "phone",
    "store": "store",
    "card": "card_number",
    "card_name": "card_name",
    "card_expiry": "card_expiry",
    "card_cvc": "card_cvc",
}
# A declined card is about the card: said under its number, once.
FIELD_FOR_CODE = {
    "card_declined": "card_number",
    "insufficient_funds": "card_number",
    "expired_card": "card_expiry",
    "incorrect_cvc": "card_cvc",
}


def _store_region(options: list[PickupOption], store_id) -> str | None:
    for option in options:
        if str(option.location.pk) == str(store_id):
            return option.location.region
    return None


def _checkout_render(request, cart_obj, summary, form, *, status=200, error: str = ""):
    options = _pickup_options(request, summary)
    chosen = my_store(request)
    default_store = next(
        (o.location.pk for o in options if chosen and o.location.pk == chosen.id),
        options[0].location.pk if options else None,
    )
    if not form.is_bound and default_store is not None and chosen is not None:
        # The shopper's own store can have it ready: pickup is the likely choice.
        form.initial.setdefault("fulfilment", "pickup")
    context = {
        "summary": summary,
        "form": form,
        "pickup_options": options,
        "selected_store": form["store"].value() or default_store,
        # Sales tax follows the state: the delivery's is not known until the order is
        # placed; a pickup pays the chosen store's.
        "ship_totals": summary.totals(ships=True),
        "pickup_totals": summary.totals(
            ships=False, tax_region=_store_region(options, form["store"].value() or default_store)
        ),
        "error": error,
        "show_test_cards": card_provider_name() == "test",
        "payment_options": _payment_options(form),
        "member": request.user.is_authenticated,
    }
    return render(request, "storefront/checkout/checkout.html", context, status=status)


def checkout(request: HttpRequest) -> HttpResponse:
    """One page: contact, delivery or pickup (stores where everything can be ready, with
    when), payment, opt-ins. Places the order in one call to ``order_place``; anything
    refused comes back on the form with the cart untouched."""
    cart_obj = _cart(request)
    summary = selectors.cart_summary(cart=cart_obj) if cart_obj is not None else None
    if summary is None or summary.is_empty:
        messages.info(request, _("Your cart is empty."))
        return redirect("orders:cart")
    member = request.user.is_authenticated
    if request.method != "POST":
        customer = customer_of(request) if member else None
        initial = {}
        if customer is not None:
            initial = {
                "first_name": customer.first_name,
                "last_name": customer.last_name,
                "phone": customer.phone,
            }
        form = CheckoutForm(member=member, initial=initial)
        return _checkout_render(request, cart_obj, summary, form)
    form = CheckoutForm(request.POST, member=member)
    if not form.is_valid():
        return _checkout_render(request, cart_obj, summary, form, status=400)
    data = form.cleaned_data
    if data["fulfilment"] == "pickup":
        fulfilment = services.PickupAt(data["store"])
    else:
        fulfilment = services.ShipTo(
            {**form.address, "name": f"{data['first_name']} {data['last_name']}".strip()}
        )
    payment = _payment_choice(data)
    customer = customer_of(request) if member else None
    contact = None
    if customer is None:
        contact = services.Contact(
            email=data["email"] or (request.user.email if member else ""),
            phone=data["phone"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            language=get_language(),
        )
    try:
        order = services.order_place(
            services.OrderRequest.web(
                cart=cart_obj,
                fulfilment=fulfilment,
                payment=payment,
                customer=customer,
                contact=contact,
                marketing_email_opt_in=data["marketing_email"],
                marketing_sms_opt_in=data["marketing_sms"],
                user=request.user if member else None,
                tax_invoice=data.get("tax_invoice_buyer"),
            )
        ).order
    except DomainError as exc:
        field = FIELD_FOR_ERROR.get(exc.details.get("field", "")) or FIELD_FOR_CODE.get(exc.code)
        if field not in form.fields:
            field = None
        if field:
            form.add_error(field, str(exc))
        return _checkout_render(
            request,
            cart_obj,
            summary,
            form,
            status=exc.http_status,
            error="" if field else str(exc),
        )
    if data.get("service_sms") and order.customer.phone:
        customer_services.service_channel_set(customer=order.customer, channel="sms", source="web")
    placed = request.session.get(PLACED_SESSION_KEY, [])
    request.session[PLACED_SESSION_KEY] = [*placed[-19:], order.number]
    if data["payment"] == "qr":
        return redirect("orders:qr-payment", number=order.number)
    return redirect("orders:confirmation", number=order.number)


def _order_of_shopper(request: HttpRequest, number: str) -> Order:
    """The order, for the session that placed it or the member it belongs to (404 for
    anyone else)."""
    try:
        order = selectors.order_detail(number=number, with_discounts=True)
    except OrderNotFound:
        raise Http404("No such order") from None
    in_session = order.number in request.session.get(PLACED_SESSION_KEY, [])
    owner = request.user.is_authenticated and order.customer.user_id == request.user.pk
    if not (in_session or owner):
        raise Http404("No such order")
    return order


def qr_payment(request: HttpRequest, number: str) -> HttpResponse:
    """Pay a QR order: the code for the amount, to scan with a banking app, and its status
    — polled by HTMX every few seconds (the ``#qr-status`` fragment), or reloaded by the
    link — until the payment arrives (then on to the confirmation) or the code expires."""
    order = _order_of_shopper(request, number)
    payment = services.qr_payment_of(order)
    if payment is None:
        return redirect("orders:confirmation", number=order.number)
    paid = payment.status == Payment.Status.CAPTURED
    confirmation_url = reverse("orders:confirmation", args=[order.number])
    if paid:
        if request.htmx:
            return HttpResponseClientRedirect(confirmation_url)
        return redirect(confirmation_url)
    context = {
        "order": order,
        "payment": payment,
        "pending": payment.status == Payment.Status.PENDING,
        "qr_svg": services.qr_payment_svg(payment)
        if payment.status == Payment.Status.PENDING
        else "",
        "method_label": payment_method_label("qr"),
        "confirmation_url": confirmation_url,
    }
    if request.htmx:
        return render(request, "storefront/checkout/_qr_status.html", context)
    return render(request, "storefront/checkout/qr_payment.html", context)


def confirmation(request: HttpRequest, number: str) -> HttpResponse:
    """The receipt, with the order code to show at pickup. Only for the session that
    placed the order or the member it belongs to (404 for anyone else)."""
    order = _order_of_shopper(request, number)
    return render(request, "storefront/checkout/confirmation.html", _receipt_context(order))


def order_status(request: HttpRequest, token: str) -> HttpResponse:
    """A guest's order from the signed link in their emails (no login needed): the same
    receipt as the confirmation, with where it is now. A tampered link is not found; an
    expired one says so (410) and offers to log in."""
    try:
        order = selectors.order_for_status_token(token=token)
    except OrderLinkExpired as exc:
        return render(
            request, "storefront/checkout/link_expired.html", {"message": exc.message}, status=410
        )
    except OrderLinkInvalid:
        raise Http404("No such order") from None
    return render(
        request,
        "storefront/checkout/confirmation.html",
        {**_receipt_context(order), "via_link": True},
    )


def _receipt_context(order: Order) -> dict:
    fulfilments = list(order.fulfilments.all())
    return {
        "order": order,
        "lines": list(order.lines.all()),
        "pickups": [f for f in fulfilments if f.kind == Fulfilment.Kind.PICKUP],
        "shipments": [f for f in fulfilments if f.kind != Fulfilment.Kind.PICKUP],
        "payments": list(order.payments.all()),
        "code_uri": order_code_data_uri(order.number),
        # A guest keeps this link to check on the order later (it is in the email too).
        "status_url": None
        if order.customer.user_id
        else reverse("orders:order-status", args=[selectors.order_status_token(order)]),
    }
