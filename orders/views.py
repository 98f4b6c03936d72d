"""Storefront cart and checkout; the shopper's orders in their account.

Thin: the cart and order services do the work; a ``DomainError`` they raise becomes a
message next to the line or on the form (``_error_message``), never a 500. HTMX posts get
a fragment of the same template (the mini-cart or the cart) and an ``HX-Trigger`` so other
parts of the page can follow; without JavaScript every form posts and redirects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from customers.context_processors import customer_of, my_store
from customers.models import Customer
from customers.signals import AccountPanel
from customers.views import account_customer
from inventory.errors import InsufficientStock as InventoryShort
from inventory.errors import InvalidDestination
from inventory.services import sourcing_for_pickup
from omni.errors import DomainError
from omni.http import is_local_path
from orders import selectors, services
from orders.context_processors import PLACED_SESSION_KEY, cart_key
from orders.errors import CartRestoreInvalid, OrderLinkExpired, OrderLinkInvalid, OrderNotFound
from orders.models import Cart, Fulfilment, Order
from orders.services.numbers import order_code_data_uri
from orders.services.payments import card_provider_name
from orders.services.totals import pickup_preparation_time
from orders.signals import order_sections
from stores.models import Location
from stores.selectors import location_distances_from, locations_active

PICKUP_STORES_OFFERED = 3  # my store and the nearest others: a fixed cost per checkout page


def _safe_next(request: HttpRequest, url: str, default: str) -> str:
    if is_local_path(request, url):
        return url
    return default


def _cart(request: HttpRequest, *, create: bool = False) -> Cart | None:
    """This shopper's open cart: a member's (created when missing), else this device's
    guest cart (created only when ``create``)."""
    if request.user.is_authenticated:
        return services.cart_get_or_create(user=request.user)
    key = cart_key(request, create=create)
    if not key:
        return None
    if not create:
        return (
            Cart.objects.filter(status=Cart.Status.OPEN, session_key=key, user__isnull=True)
            .order_by("-last_activity_at", "-pk")
            .first()
        )
    return services.cart_get_or_create(session_key=key)


def _quantity(raw: str | None, default: int | None = None) -> int | None:
    text = (raw or "").strip()
    if not text and default is not None:
        return default
    try:
        return int(text)
    except ValueError:
        return None


# --- cart -------------------------------------------------------------------------------


def _cart_context(request: HttpRequest, cart: Cart | None, line_errors: dict | None = None):
    summary = selectors.cart_summary(cart=cart) if cart is not None else None
    return {
        "summary": summary,
        "line_errors": line_errors or {},
        "max_quantity": services.cart_max_line_quantity(),
    }


def _cart_response(
    request: HttpRequest, cart: Cart | None, *, line_errors: dict | None = None, status=200
) -> HttpResponse:
    context = _cart_context(request, cart, line_errors)
    template = "storefront/cart/_cart.html" if request.htmx else "storefront/cart/cart.html"
    response = render(request, template, context, status=status)
    if request.htmx:
        trigger_client_event(response, "cart-changed")
    return response


def cart(request: HttpRequest) -> HttpResponse:
    """The cart: lines with price, quantity (checked against what can be sold) and
    total; what is short is said next to its line."""
    return _cart_response(request, _cart(request))


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    """Add a variant (``variant``, ``quantity`` default 1) to the cart. HTMX: the
    mini-cart fragment and a message; otherwise back to ``next`` (or the cart)."""
    back = _safe_next(request, request.POST.get("next", ""), reverse("orders:cart"))
    variant_id = _quantity(request.POST.get("variant"))
    quantity = _quantity(request.POST.get("quantity"), default=1)
    error = ""
    if variant_id is None:
        error = "Choose a size first."
    elif quantity is None:
        error = "The quantity must be a whole number."
    else:
        try:
            line = services.cart_add(
                cart=_cart(request, create=True), variant_id=variant_id, quantity=quantity
            )
        except DomainError as exc:
            error = str(exc)
        else:
            label = services.variant_label(line.variant)
            messages.success(request, f"Added {label} to your cart.")
    if error:
        messages.error(request, error)
    if request.htmx:
        response = render(
            request, "storefront/cart/_minicart.html", {"oob_messages": True}, status=200
        )
        return trigger_client_event(response, "cart-changed")
    return redirect(back)


@require_POST
def cart_line_update(request: HttpRequest, variant_id: int) -> HttpResponse:
    """Set a line's quantity (0 removes it). A refused quantity is said next to its line
    and the line keeps its quantity."""
    current = _cart(request)
    if current is None:
        return redirect("orders:cart")
    quantity = _quantity(request.POST.get("quantity"))
    try:
        if quantity is None:
            raise services.CartQuantityError("The quantity must be a whole number.")
        services.cart_set_quantity(cart=current, variant_id=variant_id, quantity=quantity)
    except DomainError as exc:
        return _cart_response(request, current, line_errors={variant_id: str(exc)}, status=400)
    if request.htmx:
        return _cart_response(request, current)
    return redirect("orders:cart")


@require_POST
def cart_line_remove(request: HttpRequest, variant_id: int) -> HttpResponse:
    current = _cart(request)
    if current is not None:
        try:
            services.cart_remove(cart=current, variant_id=variant_id)
        except DomainError as exc:
            messages.error(request, str(exc))
    if request.htmx:
        return _cart_response(request, current)
    return redirect("orders:cart")


def cart_restore(request: HttpRequest, token: str) -> HttpResponse:
    """An abandoned-cart email's link: the items come back in this device's cart. A
    tampered link gets a 400 page, an expired or used one a 410 page."""
    try:
        services.cart_restore(token=token, into=_cart(request, create=True))
    except CartRestoreInvalid as exc:
        status = 400 if exc.code == "restore_link_invalid" else 410
        return render(
            request, "storefront/cart/restore_invalid.html", {"error": exc}, status=status
        )
    except DomainError as exc:
        return render(request, "storefront/cart/restore_invalid.html", {"error": exc}, status=409)
    messages.success(request, "Welcome back — your cart is as you left it.")
    return redirect("orders:cart")


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
        return "today"
    if day == today + dt.timedelta(days=1):
        return "tomorrow"
    return when.astimezone(zone).strftime("%a %-d %b")


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


class CheckoutForm(forms.Form):
    email = forms.EmailField(label="Email", required=False)
    first_name = forms.CharField(label="First name", max_length=80, required=False)
    last_name = forms.CharField(label="Last name", max_length=80, required=False)
    phone = forms.CharField(label="Phone (optional)", max_length=32, required=False)
    fulfilment = forms.ChoiceField(
        choices=(("ship", "Deliver to an address"), ("pickup", "Pick up at a store")),
        widget=forms.RadioSelect,
        initial="ship",
    )
    line1 = forms.CharField(label="Street address", max_length=200, required=False)
    line2 = forms.CharField(label="Apartment, suite (optional)", max_length=200, required=False)
    city = forms.CharField(label="Town or city", max_length=100, required=False)
    region = forms.CharField(label="State", max_length=100, required=False)
    postcode = forms.CharField(label="ZIP code", max_length=20, required=False)
    store = forms.IntegerField(required=False)
    payment = forms.ChoiceField(
        choices=(("card", "Card"), ("store", "Pay at pickup")),
        widget=forms.RadioSelect,
        initial="card",
    )
    card_number = forms.CharField(label="Card number", max_length=30, required=False)
    card_name = forms.CharField(label="Name on the card", max_length=120, required=False)
    card_expiry = forms.CharField(label="Expiry (MM/YY)", max_length=7, required=False)
    card_cvc = forms.CharField(label="Security code (CVC)", max_length=4, required=False)
    marketing_email = forms.BooleanField(
        label="Email me news and offers (newsletter)", required=False
    )
    marketing_sms = forms.BooleanField(label="Text me offers", required=False)

    def __init__(self, *args, member: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.member = member

    def clean(self):
        data = super().clean()
        if not self.member and not data.get("email") and "email" not in self.errors:
            self.add_error("email", "Enter your email for the receipt.")
        if data.get("fulfilment") == "ship":
            for name, label in (("line1", "street"), ("city", "town or city"), ("postcode", "ZIP")):
                if not data.get(name):
                    self.add_error(name, f"Enter the {label} of the delivery address.")
            if data.get("payment") == "store":
                self.add_error("payment", "Pay at pickup is only for pickups.")
        elif data.get("fulfilment") == "pickup" and not data.get("store"):
            self.add_error("store", "Choose the store to pick up from.")
        if data.get("payment") == "card":
            for name, message in (
                ("card_number", "Enter your card number."),
                ("card_name", "Enter the name on the card."),
                ("card_expiry", "Enter the expiry date as MM/YY."),
                ("card_cvc", "Enter the 3 or 4 digit security code (CVC)."),
            ):
                if not data.get(name):
                    self.add_error(name, message)
        if data.get("marketing_sms") and not data.get("phone"):
            self.add_error("phone", "Give a phone number to get texts.")
        return data


FIELD_FOR_ERROR = {
    "postcode": "postcode",
    "line1": "line1",
    "city": "city",
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
        "ship_totals": services.order_totals(subtotal=summary.subtotal, ships=True),
        "pickup_totals": services.order_totals(subtotal=summary.subtotal, ships=False),
        "error": error,
        "show_test_cards": card_provider_name() == "test",
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
        messages.info(request, "Your cart is empty.")
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
            {
                "name": f"{data['first_name']} {data['last_name']}".strip(),
                "line1": data["line1"],
                "line2": data["line2"],
                "city": data["city"],
                "region": data["region"],
                "postcode": data["postcode"],
                "country": "US",
            }
        )
    payment = (
        services.PaymentChoice.pay_in_store()
        if data["payment"] == "store"
        else services.PaymentChoice.card(
            data["card_number"],
            name=data["card_name"],
            expiry=data["card_expiry"],
            cvc=data["card_cvc"],
        )
    )
    customer = customer_of(request) if member else None
    contact = None
    if customer is None:
        contact = services.Contact(
            email=data["email"] or (request.user.email if member else ""),
            phone=data["phone"],
            first_name=data["first_name"],
            last_name=data["last_name"],
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
            )
        ).order
    except DomainError as exc:
        field = FIELD_FOR_ERROR.get(exc.details.get("field", "")) or FIELD_FOR_CODE.get(exc.code)
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
    placed = request.session.get(PLACED_SESSION_KEY, [])
    request.session[PLACED_SESSION_KEY] = [*placed[-19:], order.number]
    return redirect("orders:confirmation", number=order.number)


def confirmation(request: HttpRequest, number: str) -> HttpResponse:
    """The receipt, with the order code to show at pickup. Only for the session that
    placed the order or the member it belongs to (404 for anyone else)."""
    try:
        order = selectors.order_detail(number=number)
    except OrderNotFound:
        raise Http404("No such order") from None
    in_session = order.number in request.session.get(PLACED_SESSION_KEY, [])
    owner = request.user.is_authenticated and order.customer.user_id == request.user.pk
    if not (in_session or owner):
        raise Http404("No such order")
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


# --- the shopper's orders in their account ------------------------------------------------
# ``/account/orders/...`` pages live here, not in customers (which sits below orders); the
# account home (customers') gets its "Recent orders" panel from ``account_orders_panel``,
# a ``customers.signals.account_sections`` receiver.

ORDERS_PER_PAGE = 20

_STOPPED = frozenset({Fulfilment.Status.EXPIRED, Fulfilment.Status.CANCELLED})
_READY_OR_LATER = frozenset(
    {
        Fulfilment.Status.READY,
        Fulfilment.Status.COLLECTED,
        Fulfilment.Status.PARTIALLY_COLLECTED,
    }
)
_COLLECTED = frozenset({Fulfilment.Status.COLLECTED, Fulfilment.Status.PARTIALLY_COLLECTED})
_SHIP_ORDER = (
    Fulfilment.Status.PLACED,
    Fulfilment.Status.PICKING,
    Fulfilment.Status.PACKED,
    Fulfilment.Status.SHIPPED,
    Fulfilment.Status.DELIVERED,
)


@dataclass(frozen=True)
class Step:
    label: str
    state: str  # "done", "current" or "todo"


@dataclass(frozen=True)
class FulfilmentView:
    fulfilment: Fulfilment
    steps: tuple[Step, ...]  # empty for stopped fulfilments and carry-outs
    units: int

    @property
    def is_pickup(self) -> bool:
        return self.fulfilment.kind == Fulfilment.Kind.PICKUP

    @property
    def stopped(self) -> bool:
        return self.fulfilment.status in _STOPPED


def _steps(reached: list[tuple[str, bool]]) -> tuple[Step, ...]:
    """The furthest step reached is "current" (unless it is the last: then all are done),
    those before it "done", those after "todo"."""
    at = max((i for i, (_, done) in enumerate(reached) if done), default=0)
    last = at == len(reached) - 1
    return tuple(
        Step(label, "done" if i < at or (i == at and last) else "current" if i == at else "todo")
        for i, (label, _) in enumerate(reached)
    )


def _pickup_steps(fulfilment: Fulfilment, transfers) -> list[tuple[str, bool]]:
    status = fulfilment.status
    steps = [(_("Placed"), True)]
    incoming = [t for t in transfers if t.destination_id == fulfilment.location_id]
    if incoming:
        # Waiting for a transfer: the shopper sees it leave the other store and arrive.
        sources = ", ".join(sorted({t.source.name for t in incoming}))
        left = all(t.status in ("shipped", "received") for t in incoming)
        here = fulfilment.all_items_here_at is not None or status in _READY_OR_LATER
        steps += [
            (_("Sent from %(source)s") % {"source": sources}, left or here),
            (_("All items here"), here),
        ]
    else:
        steps.append((_("Picking"), status != Fulfilment.Status.PLACED))
    steps += [(_("Ready"), status in _READY_OR_LATER), (_("Collected"), status in _COLLECTED)]
    return steps


def fulfilment_view(fulfilment: Fulfilment, transfers=()) -> FulfilmentView:
    """A fulfilment as the shopper follows it: each step, done or to come (pickups:
    placed → [sent from a store → all items here] → ready → collected; deliveries:
    placed → picking → packed → shipped → delivered). ``transfers`` are the order's
    (``inventory.Transfer`` rows, source loaded), for the pickup's transfer steps."""
    steps: tuple[Step, ...] = ()
    status = fulfilment.status
    if fulfilment.kind == Fulfilment.Kind.PICKUP and status not in _STOPPED:
        steps = _steps(_pickup_steps(fulfilment, transfers))
    elif fulfilment.kind == Fulfilment.Kind.SHIP and status in _SHIP_ORDER:
        at = _SHIP_ORDER.index(status)
        labels = (_("Placed"), _("Picking"), _("Packed"), _("Shipped"), _("Delivered"))
        steps = _steps([(label, i <= at) for i, label in enumerate(labels)])
    units = sum(line.quantity for line in fulfilment.lines.all())
    return FulfilmentView(fulfilment=fulfilment, steps=steps, units=units)


@dataclass(frozen=True)
class OrderCard:
    order: Order
    fulfilments: tuple[FulfilmentView, ...]
    units: int


def order_card(order: Order, transfers=()) -> OrderCard:
    return OrderCard(
        order=order,
        fulfilments=tuple(fulfilment_view(f, transfers) for f in order.fulfilments.all()),
        units=sum(line.quantity for line in order.lines.all()),
    )


def account_orders_panel(
    sender, *, request: HttpRequest, customer: Customer, limit: int, **kwargs
) -> AccountPanel:
    """``customers.signals.account_sections`` receiver: the account home's "Recent
    orders" (``limit`` of them, with pickup progress), first on the page. Six queries
    however many orders (``orders_for_customer``)."""
    cards = [order_card(o) for o in selectors.orders_for_customer(customer=customer)[:limit]]
    return AccountPanel(10, "storefront/account/_home_orders.html", {"orders": cards})


@login_required
def account_orders(request: HttpRequest) -> HttpResponse:
    """Every order of the shopper's, from every channel (web, in store, pickup), newest
    first, 20 a page."""
    customer = account_customer(request)
    page = Paginator(selectors.orders_for_customer(customer=customer), ORDERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "storefront/account/orders.html",
        {
            "customer": customer,
            "page": page,
            "orders": [order_card(o) for o in page.object_list],
            "section": "orders",
        },
    )


@login_required
def account_order_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One order: receipt, the scannable order code, fulfilment progress, and the panels
    of the apps above orders (``orders.signals.order_sections``: returns shows the
    order's returns and the way to start one). Another shopper's order is not found."""
    customer = account_customer(request)
    try:
        order = selectors.order_detail(number=number, customer=customer)
    except OrderNotFound:
        raise Http404("No such order among yours.") from None
    payments = [*order.payments.all()]
    refunded = sum(
        (refund.amount for payment in payments for refund in payment.refunds.all()),
        Decimal("0.00"),
    )
    panels = [
        panel
        for _, panel in order_sections.send(
            sender=Order, request=request, customer=customer, order=order
        )
        if panel is not None
    ]
    panels.sort(key=lambda panel: panel.position)
    return render(
        request,
        "storefront/account/order_detail.html",
        {
            "customer": customer,
            "order": order,
            "card": order_card(order, selectors.order_transfers(order=order)),
            "order_code": order_code_data_uri(order.number),
            "payments": payments,
            "refunded": refunded,
            "panels": panels,
            "section": "orders",
        },
    )
