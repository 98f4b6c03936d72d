"""Associate screens of the orders domain: the store's pickup queue (BOPIS) and the
endless aisle (an order placed at the counter for items not on this floor).

Views stay thin: they read through ``orders.selectors``, write through
``orders.services`` and turn a ``DomainError`` into a message in one place
(:func:`domain_error_message`). Every screen works as plain HTML forms; with HTMX a queue
row is swapped in place (``pickups/_row.html``, the element ``#pickup-row-<id>``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from catalog.selectors import variants_find
from customers.models import Channel, Customer
from customers.selectors import customer_search
from inventory.selectors import stock_here_and_nearest
from omni.addresses import (
    AddressInvalid,
    address_errors_add,
    address_form_install,
    address_normalise,
    country_known,
    default_country,
)
from omni.errors import DomainError
from omni.http import domain_error_message, safe_next
from omni.money import ZERO, to_money
from omni.phones import PhoneFormField
from orders import selectors
from orders import services as order_services
from orders.backoffice_transfers import pickup_missing_lines
from orders.models import Fulfilment, Order, Payment, TaxInvoice
from orders.services.fulfilments import pickup_reminder_before
from orders.services.numbers import order_code_data_uri
from orders.services.order_request import ADDRESS_FIELDS
from orders.services.payments import qr_provider_names
from orders.surface import payment_methods_offered, qr_payment_due
from orders.views.tax_invoice import DeskTaxInvoiceForm, tax_invoice_context
from stores.models import Location
from stores.selectors import locations_active
from stores.surface import backoffice_view

Status = Fulfilment.Status


# --- pickup queue ---------------------------------------------------------------------

# (tab key, label, statuses shown)
PICKUP_TABS: tuple[tuple[str, str | Promise, tuple[str, ...]], ...] = (
    ("placed", gettext_lazy("To prepare"), (Status.PLACED,)),
    ("picking", gettext_lazy("Picking"), (Status.PICKING,)),
    ("ready", gettext_lazy("Ready"), (Status.READY,)),
    (
        "collected",
        gettext_lazy("Collected"),
        (Status.COLLECTED, Status.PARTIALLY_COLLECTED),
    ),
    ("closed", gettext_lazy("Not collected"), (Status.EXPIRED, Status.CANCELLED)),
)
_TAB_STATUSES = {key: statuses for key, _label, statuses in PICKUP_TABS}
# Finished pickups are history: the newest of them are enough on a tablet.
DONE_TAB_LIMIT = 50


# Pay in store is taken at the counter: the row says how much (one query for the page).
_PAYMENTS = Prefetch("order__payments", queryset=Payment.objects.order_by("pk"))


def _pickup_or_404(request: HttpRequest, pk: int) -> Fulfilment:
    """A pickup of the store the associate works for; another store's is not found."""
    return get_object_or_404(
        selectors.pickup_queue(location=request.location, statuses=Status.values).prefetch_related(
            _PAYMENTS
        ),
        pk=pk,
    )


def _pickup_context(fulfilment: Fulfilment, now: dt.datetime, incoming: dict) -> dict:
    """What a queue row shows; ``incoming`` is ``pickup_transfers_incoming`` for it."""
    soon = now + pickup_reminder_before()
    transfer = (
        incoming.get(fulfilment.order_id)
        if fulfilment.status in (Status.PLACED, Status.PICKING)
        else None
    )
    return {
        "pickup": fulfilment,
        "arriving_by_transfer": transfer,
        "expiring_soon": fulfilment.status == Status.READY
        and fulfilment.hold_until is not None
        and fulfilment.hold_until <= soon,
        "item_count": sum(line.quantity for line in fulfilment.lines.all()),
        **_qr_due_flag(fulfilment.order.payments.all()),
        "to_pay": sum(
            (
                p.amount
                for p in fulfilment.order.payments.all()
                if p.provider == Payment.Provider.PAY_IN_STORE
                and p.status == Payment.Status.PENDING
            ),
            ZERO,
        ),
    }


OPEN = (Status.PLACED, Status.PICKING)


def _qr_due_flag(payments) -> dict:
    """A queue row marks an order whose QR payment has not arrived (payments loaded)."""
    names = qr_provider_names()
    return {
        "qr_due_id": next(
            (p.pk for p in payments if p.provider in names and p.status == Payment.Status.PENDING),
            None,
        )
    }


def _pickup_tabs(counts: dict[str, int]) -> list[dict]:
    """The queue's tabs with their counts (``counts`` is ``selectors.pickup_counts``)."""
    return [
        {"key": key, "label": label, "count": sum(counts[s] for s in statuses)}
        for key, label, statuses in PICKUP_TABS
    ]


def _incoming_for(fulfilment: Fulfilment) -> dict:
    if fulfilment.status not in OPEN:
        return {}
    return selectors.pickup_transfers_incoming(
        location=fulfilment.location_id, order_ids=[fulfilment.order_id]
    )


@backoffice_view
def pickup_queue(request: HttpRequest) -> HttpResponse:
    """The store's pickups by status tab; a scanned or typed order code opens its pickup."""
    code = request.GET.get("code", "").strip()
    if code:
        found = list(selectors.pickups_for_order_code(code=code))
        here = [p for p in found if p.location_id == request.location.pk]
        if here:
            return redirect("backoffice:pickup-detail", pk=here[0].pk)
        if found:
            messages.error(
                request,
                _("Order %(number)s is for pickup at %(store)s, not at %(here)s.")
                % {
                    "number": found[0].order.number,
                    "store": found[0].location.name,
                    "here": request.location.name,
                },
            )
        else:
            messages.error(request, _("No pickup has the order code “%(code)s”.") % {"code": code})
    tab = request.GET.get("tab", "placed")
    if tab not in _TAB_STATUSES:
        tab = "placed"
    now = timezone.now()
    counts = selectors.pickup_counts(location=request.location)
    queue = selectors.pickup_queue(
        location=request.location, statuses=_TAB_STATUSES[tab]
    ).prefetch_related(_PAYMENTS)
    if tab in ("collected", "closed"):
        queue = queue.order_by("-updated_at", "-pk")[:DONE_TAB_LIMIT]
    queue = list(queue)
    incoming = selectors.pickup_transfers_incoming(
        location=request.location, order_ids=[p.order_id for p in queue if p.status in OPEN]
    )
    rows = [_pickup_context(p, now, incoming) for p in queue]
    context = {"tab": tab, "tabs": _pickup_tabs(counts), "rows": rows, "code": code}
    if request.htmx and not code:
        return render(request, "backoffice/pickups/_queue.html", context)
    return render(request, "backoffice/pickups/queue.html", context)


@backoffice_view
def pickup_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One pickup: who, what, when it is held until, and every step it can take next
    (including a partial collection, line by line)."""
    fulfilment = _pickup_or_404(request, pk)
    context = _pickup_context(fulfilment, timezone.now(), _incoming_for(fulfilment))
    return render(
        request,
        "backoffice/pickups/detail.html",
        {
            **context,
            "order_code": order_code_data_uri(fulfilment.order.number, scale=3),
            **qr_payment_due(fulfilment.order.payments.all()),
            # Waiting for a transfer: what has not arrived yet (2 queries, only then).
            "missing": pickup_missing_lines(fulfilment) if context["arriving_by_transfer"] else [],
        },
    )


def _quantities(request: HttpRequest, fulfilment: Fulfilment) -> dict[int, int]:
    """{order line id: units} from a partial-collection form; a blank box counts as 0."""
    taken = {}
    for line in fulfilment.lines.all():
        raw = request.POST.get(f"qty-{line.order_line_id}", "").strip() or "0"
        try:
            taken[line.order_line_id] = int(raw)
        except ValueError:
            raise order_services.InvalidQuantity(
                _("Enter how many of %(item)s the shopper takes.")
                % {"item": line.order_line.product_name}
            ) from None
    return taken


@require_POST
@backoffice_view
def pickup_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a pickup one step: start picking, ready for collection (the shopper is
    emailed), or collect (the order code must match; with ``partial`` only the units
    entered). A form posted after a colleague already moved the pickup says so instead
    of acting twice."""
    fulfilment = _pickup_or_404(request, pk)
    action = request.POST.get("action", "")
    seen_status = request.POST.get("status", "")
    error = ""
    done = ""
    if seen_status and seen_status != fulfilment.status:
        error = _(
            "This pickup has already moved on: it is now “%(status)s”. Nothing was changed."
        ) % {"status": fulfilment.get_status_display()}
        messages.error(request, error)
    else:
        try:
            if action == "start_picking":
                order_services.fulfilment_start_picking(
                    fulfilment=fulfilment, associate=request.associate
                )
                done = _("Picking order %(number)s.") % {"number": fulfilment.order.number}
            elif action == "ready":
                order_services.fulfilment_ready(fulfilment=fulfilment, associate=request.associate)
                done = _("Order %(number)s is ready; the shopper has been told by email.") % {
                    "number": fulfilment.order.number
                }
            elif action == "collect":
                quantities = (
                    _quantities(request, fulfilment) if request.POST.get("partial") else None
                )
                order_services.fulfilment_collect(
                    fulfilment=fulfilment,
                    code=request.POST.get("code", ""),
                    quantities=quantities,
                    associate=request.associate,
                )
                done = _("Order %(number)s collected.") % {"number": fulfilment.order.number}
            else:
                error = _("Choose what to do with this pickup.")
                messages.error(request, error)
        except DomainError as refusal:
            error = domain_error_message(request, refusal)
        if done:
            messages.success(request, done)
    if request.htmx:
        # The row answers in place; the queued message is for full pages only.
        list(messages.get_messages(request))
        fresh = _pickup_or_404(request, pk)
        # A refused collection is about the code: said once, under the code box.
        code_error = error if action == "collect" and fresh.status == Status.READY else ""
        return render(
            request,
            "backoffice/pickups/_row.html",
            {
                **_pickup_context(fresh, timezone.now(), _incoming_for(fresh)),
                "row_error": "" if code_error else error,
                "row_done": done,
                "code_error": code_error,
                "next": safe_next(request, reverse("backoffice:pickup-queue")),
                # The tab counts move with the row (swapped out of band into the tabs).
                "oob_tabs": _pickup_tabs(selectors.pickup_counts(location=request.location)),
            },
        )
    return redirect(safe_next(request, reverse("backoffice:pickup-detail", args=[pk])))


# --- endless aisle --------------------------------------------------------------------

AISLE_SESSION_KEY = "backoffice_aisle"


def _aisle_state(request: HttpRequest) -> dict:
    state = request.session.get(AISLE_SESSION_KEY) or {}
    return {
        "lines": dict(state.get("lines") or {}),
        "customer_id": state.get("customer_id"),
        "code": state.get("code", ""),
    }


def _aisle_save(request: HttpRequest, state: dict) -> None:
    request.session[AISLE_SESSION_KEY] = state


class AisleCheckoutForm(forms.Form):
    """How the order leaves: shipped to an address or picked up at a store; paid by card
    now or at pickup. Who it is for, when no customer is attached."""

    email = forms.EmailField(required=False, label=gettext_lazy("Email"))
    first_name = forms.CharField(required=False, max_length=80, label=gettext_lazy("First name"))
    last_name = forms.CharField(required=False, max_length=80, label=gettext_lazy("Last name"))
    phone = PhoneFormField(required=False, label=gettext_lazy("Phone"))
    fulfilment = forms.ChoiceField(
        choices=[
            ("ship", gettext_lazy("Ship to the customer")),
            ("pickup", gettext_lazy("Pick up at a store")),
        ],
        widget=forms.RadioSelect,
        initial="ship",
        label=gettext_lazy("Delivery"),
    )
    pickup_store = forms.TypedChoiceField(
        coerce=int, required=False, label=gettext_lazy("Pickup store")
    )
    name = forms.CharField(required=False, max_length=120, label=gettext_lazy("Name on the parcel"))
    # The address's parts are the country's (omni.addresses), set in __init__.
    country = forms.CharField(required=False, max_length=2, widget=forms.HiddenInput)
    # The market's methods in its order (set in __init__): card now, QR, cash on
    # delivery (a delivery only), pay at pickup (a pickup only).
    payment = forms.ChoiceField(widget=forms.RadioSelect, label=gettext_lazy("Payment"))
    card_number = forms.CharField(required=False, max_length=30, label=gettext_lazy("Card number"))

    def __init__(self, *args, stores: list[Location], has_customer: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_customer = has_customer
        country = (self.data.get("country") if self.is_bound else "") or default_country()
        self.country = country.upper() if country_known(country) else default_country()
        self.initial.setdefault("country", self.country)
        self.address_field_names = address_form_install(self, self.country)
        self.address: dict = {}
        offered = [
            (method, _("Card now") if method == "card" else label)
            for method, label in payment_methods_offered()
        ]
        self.fields["payment"].choices = offered
        if offered:
            self.fields["payment"].initial = offered[0][0]
        self.fields["pickup_store"].choices = [("", _("Choose a store"))] + [
            (store.pk, store.name) for store in stores
        ]

    @property
    def address_fields(self):
        return [self[name] for name in self.address_field_names]

    def clean(self):
        data = super().clean()
        if not self.has_customer and not (data.get("email") or data.get("phone")):
            self.add_error("email", _("Attach a customer, or enter their email or phone."))
        if data.get("fulfilment") == "pickup" and not data.get("pickup_store"):
            self.add_error("pickup_store", _("Choose the store to pick up from."))
        if data.get("fulfilment") == "ship":
            try:
                self.address = address_normalise(
                    {name: data.get(name, "") for name in ("name", *self.address_field_names)},
                    country=self.country,
                )
            except AddressInvalid as exc:
                address_errors_add(self, exc)
            if data.get("payment") == "pay_at_pickup":
                self.add_error("payment", _("Pay at pickup is only for a pickup."))
        elif data.get("fulfilment") == "pickup" and data.get("payment") == "cod":
            self.add_error("payment", _("Cash on delivery is only for deliveries."))
        if data.get("payment") == "card" and not data.get("card_number"):
            self.add_error("card_number", _("Enter the card number."))
        return data


def _aisle_basket(state: dict) -> tuple[list[dict], Decimal]:
    ids = [int(pk) for pk in state["lines"]]
    priced = {v.pk: v for v in selectors.variants_priced(variant_ids=ids)} if ids else {}
    basket, subtotal = [], ZERO
    for key, quantity in state["lines"].items():
        variant = priced.get(int(key))
        if variant is None:
            continue
        unit = to_money(variant.price_amount) if variant.price_amount is not None else None
        total = to_money(unit * quantity) if unit is not None else ZERO
        basket.append({"variant": variant, "quantity": quantity, "unit": unit, "total": total})
        subtotal += total
    return basket, subtotal


def _aisle_post(request: HttpRequest, state: dict) -> str | None:
    """Apply a basket or customer change; the error to show, if any."""
    action = request.POST.get("action", "")
    if action in ("add", "remove"):
        try:
            variant_id = int(request.POST.get("variant", ""))
            quantity = int(request.POST.get("quantity", "1") or 1)
        except ValueError:
            return _("Choose an item and a whole number of units.")
        key = str(variant_id)
        if action == "remove":
            state["lines"].pop(key, None)
            return None
        if not 1 <= quantity <= 20:
            return _("Add between %(min)d and %(max)d units.") % {"min": 1, "max": 20}
        if variant_id not in selectors.variants_sellable(variant_ids=[variant_id]):
            return _("That item is not sold any more.")
        state["lines"][key] = min(state["lines"].get(key, 0) + quantity, 20)
        return None
    if action == "customer":
        try:
            customer_id = int(request.POST.get("customer", ""))
        except ValueError:
            return _("Choose a customer.")
        if not Customer.objects.filter(pk=customer_id, is_active=True).exists():
            return _("That customer no longer exists.")
        state["customer_id"] = customer_id
        return None
    if action == "detach":
        state["customer_id"] = None
        return None
    if action == "clear":
        state["lines"], state["customer_id"], state["code"] = {}, None, ""
        return None
    if action == "code":
        typed = (request.POST.get("code") or "").strip().upper()[:40]
        if not typed:
            return _("Type a code first.")
        basket, _subtotal = _aisle_basket(state)
        totals = _aisle_totals(request, basket, state, codes=(typed,))
        refused = next((r for r in totals.rejected if r.code == typed), None)
        if refused is not None:
            return refused.reason
        if typed not in totals.accepted_codes:
            return _("This code does not apply to the items in your cart.")
        state["code"] = typed
        return None
    if action == "code_remove":
        state["code"] = ""
        return None
    return _("Choose what to do.")


def _aisle_totals(request: HttpRequest, basket: list[dict], state: dict, codes=None):
    """The basket through the one pricing function, as sold here: this store's offers
    and clock, its state's US tax, the attached customer's facts."""
    if codes is None:
        codes = (state["code"],) if state.get("code") else ()
    return order_services.order_totals(
        lines=[
            order_services.TaxableLine(
                unit_price=b["unit"],
                quantity=b["quantity"],
                tax_class=b["variant"].product.category.tax_class,
                key=b["variant"].pk,
                variant_id=b["variant"].pk,
                product_id=b["variant"].product_id,
                category_id=b["variant"].product.category_id,
            )
            for b in basket
            if b["unit"] is not None
        ],
        ships=False,
        tax_region=request.location.region,
        channel=Channel.STORE,
        location=request.location,
        codes=codes,
        customer=order_services.customer_facts_of_id(state.get("customer_id")),
    )


def _aisle_place(
    request: HttpRequest, form: AisleCheckoutForm, state: dict, customer: Customer | None
) -> Order:
    data = form.cleaned_data
    if data["fulfilment"] == "ship":
        fulfilment = order_services.ShipTo(form.address)
    else:
        fulfilment = order_services.PickupAt(store_id=data["pickup_store"])
    if data["payment"] == "card":
        payment = order_services.PaymentChoice.card(data["card_number"])
    elif data["payment"] == "qr":
        payment = order_services.PaymentChoice.qr()
    elif data["payment"] == "cod":
        payment = order_services.PaymentChoice.cash_on_delivery()
    else:
        payment = order_services.PaymentChoice.pay_in_store()
    contact = None
    if customer is None:
        contact = order_services.Contact(
            email=data.get("email", ""),
            phone=data.get("phone", ""),
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
        )
    return order_services.order_place(
        order_services.OrderRequest.store_sale(
            location=request.location,
            associate=request.associate,
            lines=[(int(key), quantity) for key, quantity in state["lines"].items()],
            fulfilment=fulfilment,
            payment=payment,
            customer=customer,
            contact=contact,
            codes=(state["code"],) if state.get("code") else (),
        )
    ).order


@require_http_methods(["GET", "POST"])
@backoffice_view
def aisle(request: HttpRequest) -> HttpResponse:
    """Build an order for the customer at the counter: find items (with where they are in
    stock), attach or type the customer, ship it or have it picked up, pay by card or at
    pickup. Nothing is written until ``order_place`` succeeds; its refusals (stock, a
    declined card) and which fields need fixing are said beside the button."""
    state = _aisle_state(request)
    pickup_stores = list(locations_active(kind=Location.Kind.STORE, offers_pickup=True))
    form = None
    place_error = ""
    place_check = []
    if request.method == "POST":
        if request.POST.get("action") == "place":
            customer = (
                Customer.objects.filter(pk=state["customer_id"]).first()
                if state["customer_id"]
                else None
            )
            form = AisleCheckoutForm(
                request.POST, stores=pickup_stores, has_customer=customer is not None
            )
            if not state["lines"]:
                place_error = _("Add at least one item first.")
            elif form.is_valid():
                try:
                    order = _aisle_place(request, form, state, customer)
                except DomainError as refusal:
                    # Said once: beside its field, else beside the button.
                    field = {"card": "card_number"}.get(refusal.details.get("field"))
                    field = field or refusal.details.get("field")
                    if field in form.fields:
                        form.add_error(field, refusal.message)
                    else:
                        place_error = refusal.message
                else:
                    _aisle_save(request, {"lines": {}, "customer_id": None, "code": ""})
                    return redirect("backoffice:aisle-done", number=order.number)
            else:
                # Each error is said once, by its field; beside the button, which fields.
                place_check = [form[name] for name in form.errors if name in form.fields]
        else:
            error = _aisle_post(request, state)
            if error:
                messages.error(request, error)
            else:
                _aisle_save(request, state)
            back = reverse("backoffice:aisle")
            query = request.POST.get("q", "")
            return redirect(f"{back}?{urlencode({'q': query})}" if query else back)
    query = request.GET.get("q", "").strip()
    customer_query = request.GET.get("cq", "").strip()
    results = variants_find(query=query) if query else []
    availability = stock_here_and_nearest(
        variant_ids=[v.pk for v in results], location=request.location
    )
    basket, subtotal = _aisle_basket(state)
    customer = (
        Customer.objects.filter(pk=state["customer_id"]).first() if state["customer_id"] else None
    )
    if form is None:
        initial = {"pickup_store": request.location.pk if request.location.offers_pickup else ""}
        if customer is not None:
            # Their last delivery address, ready to ship to again (or to change).
            address = selectors.last_shipping_address(customer=customer)
            initial.update({k: address[k] for k in ADDRESS_FIELDS if address.get(k)})
            initial.setdefault("name", f"{customer.first_name} {customer.last_name}".strip())
        form = AisleCheckoutForm(
            stores=pickup_stores, has_customer=customer is not None, initial=initial
        )
    context = {
        "query": query,
        "results": [{"variant": v, "stock": availability[v.pk]} for v in results],
        "basket": basket,
        "subtotal": subtotal,
        # The one pricing function, taxed as sold here (this store's state for US tax).
        "basket_totals": _aisle_totals(request, basket, state),
        "aisle_code": state.get("code", ""),
        "customer": customer,
        "customer_query": customer_query,
        "customer_results": customer_search(query=customer_query, limit=8)
        if customer_query
        else [],
        "form": form,
        "place_error": place_error,
        "place_check": place_check,
    }
    if request.htmx and request.method == "GET" and request.GET.get("part") == "results":
        return render(request, "backoffice/aisle/_results.html", context)
    return render(request, "backoffice/aisle/aisle.html", context)


@backoffice_view
def aisle_done(request: HttpRequest, number: str) -> HttpResponse:
    """The confirmation: order number and scannable code, for an order placed at one of
    the associate's stores."""
    try:
        order = selectors.order_detail(number=number)
    except DomainError:
        raise Http404("No such order") from None
    allowed = {loc.pk for loc in request.allowed_locations}
    if order.channel != Channel.STORE or order.location_id not in allowed:
        raise Http404("No such order")
    return render(
        request,
        "backoffice/aisle/done.html",
        {
            "order": order,
            "order_code": order_code_data_uri(order.number, scale=4),
            **qr_payment_due(order.payments.all()),
        },
    )


# --- QR payments received -------------------------------------------------------------


@require_POST
@backoffice_view
def qr_payment_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Confirm QR payment received": the associate saw the money arrive (the shop's
    banking app, the customer's receipt) for an order of one of their locations — placed
    there, or picked up or shipped from there. The payment is captured, the shopper gets
    the confirmation email, and the timeline names the associate."""
    allowed = [loc.pk for loc in request.allowed_locations]
    payment = get_object_or_404(
        Payment.objects.select_related("order")
        .filter(Q(order__location_id__in=allowed) | Q(order__fulfilments__location_id__in=allowed))
        .distinct(),
        pk=pk,
    )
    try:
        result = order_services.qr_payment_confirm(payment=payment, associate=request.associate)
    except DomainError as refusal:
        domain_error_message(request, refusal)
    else:
        if result.captured:
            messages.success(
                request,
                _("QR payment for order %(number)s recorded as received.")
                % {"number": payment.order.number},
            )
        else:
            messages.info(
                request,
                _("The QR payment for order %(number)s was already received.")
                % {"number": payment.order.number},
            )
    return redirect(safe_next(request, reverse("backoffice:pickup-queue")))


@backoffice_view
@require_http_methods(["GET", "POST"])
def tax_invoice_desk(request: HttpRequest, number: str) -> HttpResponse:
    """The desk's "Issue tax invoice" for an existing order (any channel: the buyer asks
    at the counter), then the printable invoice; an order that has one shows it."""
    try:
        order = selectors.order_detail(number=number)
    except DomainError:
        raise Http404("No such order") from None
    # An order of one of the associate's locations: placed there, or picked up or
    # shipped from there (the buyer's details are on the invoice).
    allowed = {loc.pk for loc in request.allowed_locations}
    places = {order.location_id, *(f.location_id for f in order.fulfilments.all())}
    if not allowed & places:
        raise Http404("No such order")
    invoice = TaxInvoice.objects.filter(order=order).first()
    form = None
    if invoice is None:
        form = DeskTaxInvoiceForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                order_services.tax_invoice_issue(
                    order=order,
                    buyer=form.cleaned_data["tax_invoice_buyer"],
                    issued_by=request.associate,
                )
            except DomainError as refusal:  # a cancelled order gets none
                form.add_error(None, refusal.message)
            else:
                return redirect("backoffice:tax-invoice", number=order.number)
    context = {"order": order, "invoice": invoice, "form": form}
    if invoice is not None:
        context = {**tax_invoice_context(order, invoice), "form": None}
    status = 400 if form is not None and form.is_bound and form.errors else 200
    return render(request, "backoffice/orders/tax_invoice.html", context, status=status)
