"""The till's screens under ``/backoffice/till/``: pick a register, open a shift, sell
(scan, search, customer, park, pay by cash and card), print the receipt, move cash, close
the shift with its Z report; and the endpoints the offline till posts its queue to.

Views stay thin: the basket in progress lives in the session (one per register), prices
come from ``till.services.sale_quote`` (the one pricing function), every write goes
through ``till.services`` and a refusal is said beside the button (``DomainError``)."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from catalog.selectors import variant_for_code, variants_find
from customers import services as customer_services
from customers.models import Channel, ConsentState, ContactChannel, Customer
from customers.selectors import customer_search
from giftcards.services import gift_card_balance, gift_card_find
from omni.email import absolute_url
from omni.errors import DomainError
from omni.money import ZERO, format_money, to_money
from orders import selectors as order_selectors
from orders.errors import OrderNotFound
from orders.models import Payment
from orders.services import ManualDiscount
from orders.services.numbers import looks_like_order_number, order_code_data_uri
from orders.services.payments import card_provider_name
from stores.surface import backoffice_view
from till import selectors, services, surface
from till.errors import ShiftNotOpen
from till.models import Register, Shift, TillSale

MAX_SCAN_QUANTITY = 99
MAX_AMOUNT = Decimal("1000000000")


# --- the basket in progress (session) ------------------------------------------------------


def _state(request: HttpRequest, register: Register) -> dict:
    return surface.basket_state(request, register.pk)


def _save(request: HttpRequest, register: Register, state: dict) -> None:
    surface.basket_state_save(request, register.pk, state)


def _register(request: HttpRequest, register_id: int) -> Register:
    """A register of the store the associate acts for (else 404: assigned stores only)."""
    register = selectors.register_at(location=request.location, register_id=register_id)
    if register is None:
        raise Http404(_("No such register at this store."))
    return register


def _customer(state: dict) -> Customer | None:
    if not state.get("customer_id"):
        return None
    return Customer.objects.filter(pk=state["customer_id"], is_active=True).first()


def _money_input(raw: str) -> Decimal | None:
    raw = (raw or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = to_money(Decimal(raw))
    except (InvalidOperation, ValueError):
        return None
    # Beyond any drawer (and the money columns): a typing slip, not an amount.
    return value if value.is_finite() and abs(value) < MAX_AMOUNT else None


def _manual_of(state: dict):
    """The hand-given discount kept in the sale's state, as the pricing function takes it."""
    manual = state.get("manual")
    if not manual:
        return None
    return ManualDiscount(reason=manual["reason"], percent=Decimal(manual["percent"]))


def _may_discount(request: HttpRequest) -> bool:
    """``OMNI_TILL_MANUAL_DISCOUNT``: who may give a discount by hand at the till —
    "managers" (the default), "associates" (everyone at the till) or "none"; the amount is
    bounded by ``OMNI_MAX_MANUAL_DISCOUNT_PERCENT`` in the pricing function."""
    rule = getattr(settings, "OMNI_TILL_MANUAL_DISCOUNT", "managers")
    return rule == "associates" or (rule == "managers" and request.associate.is_manager)


def _sell_context(request: HttpRequest, register: Register, state: dict, **extra) -> dict:
    lines = {int(k): v for k, v in state["lines"].items()}
    customer = _customer(state)
    try:
        quote = services.sale_quote(
            location=request.location,
            lines=lines,
            codes=state.get("codes", []),
            customer=customer,
            manual_discount=_manual_of(state),
        )
    except DomainError:
        # A hand discount that no longer fits (the basket shrank under its amount).
        state.pop("manual", None)
        quote = services.sale_quote(
            location=request.location, lines=lines, codes=state.get("codes", []), customer=customer
        )
    context = {
        "register": register,
        "shift": services.shift_current(register=register),
        "quote": quote,
        "customer": customer,
        "beside": selectors.customer_beside_basket(
            customer=customer, location_id=request.location.pk
        )
        if customer
        else None,
        "sale_key": state["key"],
        "parked": selectors.parked_at(register=register),
        "languages": settings.LANGUAGES,
        "may_oversell": request.associate.is_manager and services.manager_may_oversell(),
        "codes": state.get("codes", []),
        "manual": state.get("manual"),
        "may_discount": _may_discount(request),
        "qr": _qr_context(state, currency=quote.totals.currency),
        "exchange": state.get("exchange"),
        "exchange_pays": _exchange_pays(state, quote.due),
        "to_pay": quote.due - _exchange_pays(state, quote.due),
        "qr_offered": services.QR in services.tender_kinds_offered(),
    }
    context.update(extra)
    return context


def _exchange_pays(state: dict, due: Decimal) -> Decimal:
    """What an exchange's card pays of ``due`` (it pays first, up to its value)."""
    exchange = state.get("exchange")
    return min(Decimal(exchange["amount"]), due) if exchange else ZERO


def _qr_context(state: dict, *, currency: str) -> dict | None:
    """The QR code on the screen for this sale, if one is shown."""
    qr = state.get("qr")
    if not qr:
        return None
    amount = Decimal(qr["amount"])
    try:
        svg = services.qr_tender_svg(amount=amount, currency=currency, reference=qr["reference"])
    except ValueError:
        # The QR merchant is not set up (OMNI_QR_MERCHANT_ID) or cannot carry the amount.
        return {"amount": amount, "reference": qr["reference"], "svg": "", "unavailable": True}
    return {"amount": amount, "reference": qr["reference"], "svg": svg}


# --- pick a register ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@backoffice_view
def till_home(request: HttpRequest) -> HttpResponse:
    """The registers of this store; a manager adds one. With one register, straight in."""
    if request.method == "POST":
        if not request.associate.is_manager:
            raise PermissionDenied("Only a manager adds registers.")
        try:
            register = services.register_create(
                location=request.location,
                code=request.POST.get("code", ""),
                name=request.POST.get("name", ""),
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("backoffice:till")
        return redirect("backoffice:till-sell", register_id=register.pk)
    registers = selectors.registers_at(location=request.location)
    if len(registers) == 1 and not request.GET.get("all"):
        return redirect("backoffice:till-sell", register_id=registers[0].pk)
    return render(
        request,
        "backoffice/till/home.html",
        {"registers": registers, "flagged": selectors.sales_flagged(location=request.location)},
    )


# --- sell ---------------------------------------------------------------------------------


@backoffice_view
def till_sell(request: HttpRequest, register_id: int) -> HttpResponse:
    """The sell screen: scan or search on one side, the basket, customer and payment on the
    other. Without an open shift, the form to open one."""
    register = _register(request, register_id)
    state = _state(request, register)
    _save(request, register, state)
    query = request.GET.get("q", "").strip()
    customer_query = request.GET.get("cq", "").strip()
    context = _sell_context(
        request,
        register,
        state,
        query=query,
        results=variants_find(query=query, limit=12) if query else [],
        customer_query=customer_query,
        customer_results=customer_search(query=customer_query, limit=8) if customer_query else [],
    )
    if request.htmx and request.GET.get("part") == "results":
        return render(request, "backoffice/till/_results.html", context)
    if request.htmx and request.GET.get("part") == "customers":
        return render(request, "backoffice/till/_customers.html", context)
    return render(request, "backoffice/till/sell.html", context)


def _code_apply(request: HttpRequest, state: dict, typed: str) -> None:
    """A discount code typed at the till: kept when the pricing function accepts it for
    this basket, this store and this customer; else its reason, and nothing changes."""
    code = typed.strip().upper()[:40]
    if not code:
        messages.error(request, _("Type a code."))
        return
    codes = [c for c in state.get("codes", []) if c != code]
    quote = services.sale_quote(
        location=request.location,
        lines={int(k): v for k, v in state["lines"].items()},
        codes=[*codes, code],
        customer=_customer(state),
    )
    if code in quote.totals.accepted_codes:
        state["codes"] = [*codes, code]
        return
    reason = next((r.reason for r in quote.totals.rejected if r.code == code), "")
    messages.error(request, reason or _("This code does not apply to this sale."))


def _manual_apply(request: HttpRequest, state: dict) -> None:
    """A percentage off the sale with its reason, by those the setting allows; the
    pricing function refuses more than the bound."""
    if not _may_discount(request):
        messages.error(request, _("A manager gives discounts by hand."))
        return
    percent = _money_input(request.POST.get("percent", ""))
    reason = request.POST.get("reason", "").strip()[:120]
    if percent is None or percent <= 0 or not reason:
        messages.error(request, _("Give the percentage off and the reason."))
        return
    manual = ManualDiscount(reason=reason, percent=percent)
    try:
        services.sale_quote(
            location=request.location,
            lines={int(k): v for k, v in state["lines"].items()},
            codes=state.get("codes", []),
            manual_discount=manual,
        )
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return
    state["manual"] = {"percent": str(percent), "reason": reason}


def _basket_change(request: HttpRequest, register: Register, state: dict) -> None:
    action = request.POST.get("action", "")
    lines: dict[str, int] = state["lines"]
    if action == "scan":
        code = request.POST.get("code", "").strip()
        variant = variant_for_code(code=code, sellable=True)
        if variant is None and looks_like_order_number(code):
            # A receipt scanned at the till: the returns desk, with that order.
            state["redirect"] = reverse("backoffice:returns-desk") + "?" + urlencode({"q": code})
            return
        if variant is None:
            messages.error(request, _("No item has the code %(code)s.") % {"code": code[:40]})
            return
        key = str(variant.pk)
        lines[key] = min(lines.get(key, 0) + 1, MAX_SCAN_QUANTITY)
        here = selectors.on_hand_here(location_id=request.location.pk, variant_ids=[variant.pk])
        if lines[key] > here.get(variant.pk, 0):
            messages.warning(
                request,
                _("This store holds only %(count)d of %(item)s.")
                % {"count": here.get(variant.pk, 0), "item": variant.product.name},
            )
        return
    if action in ("add", "quantity", "remove"):
        try:
            variant_id = int(request.POST.get("variant", ""))
            quantity = int(request.POST.get("quantity", "1") or 1)
        except ValueError:
            messages.error(request, _("Choose an item and a whole number of units."))
            return
        key = str(variant_id)
        if action == "remove" or (action == "quantity" and quantity <= 0):
            lines.pop(key, None)
            return
        if not 1 <= quantity <= MAX_SCAN_QUANTITY:
            messages.error(
                request,
                _("Enter between %(min)d and %(max)d units.")
                % {"min": 1, "max": MAX_SCAN_QUANTITY},
            )
            return
        if variant_id not in order_selectors.variants_sellable(variant_ids=[variant_id]):
            messages.error(request, _("That item is not sold any more."))
            return
        new = quantity if action == "quantity" else lines.get(key, 0) + quantity
        lines[key] = min(new, MAX_SCAN_QUANTITY)
        return
    if action == "customer":
        try:
            customer_id = int(request.POST.get("customer", ""))
        except ValueError:
            messages.error(request, _("Choose a customer."))
            return
        if not Customer.objects.filter(pk=customer_id, is_active=True).exists():
            messages.error(request, _("That customer no longer exists."))
            return
        state["customer_id"] = customer_id
        return
    if action == "new_customer":
        _customer_quick_create(request, state)
        return
    if action == "detach":
        state["customer_id"] = None
        return
    if action == "code":
        _code_apply(request, state, request.POST.get("code", ""))
        return
    if action == "uncode":
        state["codes"] = [c for c in state.get("codes", []) if c != request.POST.get("code")]
        return
    if action == "discount":
        _manual_apply(request, state)
        return
    if action == "undiscount":
        state.pop("manual", None)
        return
    if action == "exchange_end":
        _exchange_end(request, state)
        return
    if action == "clear":
        # Starting over ends an exchange too: its card goes to the customer it belongs
        # to, never to pay the next customer's sale.
        _exchange_end(request, state)
        state.update(lines={}, customer_id=None, codes=[])
        state.pop("manual", None)
        return
    if action == "park":
        if not lines:
            messages.error(request, _("There is nothing to park."))
            return
        if state.get("exchange"):
            messages.error(
                request,
                _("Finish the exchange first: complete the sale or hand over the card."),
            )
            return
        services.sale_park(
            register=register,
            associate=request.associate,
            lines=lines,
            customer_id=state.get("customer_id"),
            label=request.POST.get("label", ""),
        )
        state.update(lines={}, customer_id=None, key=uuid.uuid4().hex)
        messages.success(request, _("Sale parked."))
        return
    if action == "resume":
        try:
            parked = services.sale_unpark(register=register, parked_id=int(request.POST["parked"]))
        except (KeyError, ValueError, DomainError):
            messages.error(request, _("That parked sale is no longer there."))
            return
        for key, quantity in parked.lines.items():
            lines[key] = min(lines.get(key, 0) + int(quantity), MAX_SCAN_QUANTITY)
        state["customer_id"] = state.get("customer_id") or parked.customer_id
        return
    messages.error(request, _("Choose what to do."))


def _customer_quick_create(request: HttpRequest, state: dict) -> None:
    """A customer made at the counter: a name and an email or phone, their language, and
    marketing consent only when they said yes (recorded with this store and associate)."""
    post = request.POST
    language = post.get("language", "")
    if language not in dict(settings.LANGUAGES):
        language = ""
    try:
        customer = customer_services.customer_resolve(
            email=post.get("email", "").strip(),
            phone=post.get("phone", "").strip(),
            first_name=post.get("first_name", "").strip()[:80],
            last_name=post.get("last_name", "").strip()[:80],
            source=Channel.STORE,
            home_store=request.location,
            language=language,
        )
        if post.get("consent_email") and customer.email:
            customer_services.consent_set(
                customer=customer,
                channel=ContactChannel.EMAIL,
                state=ConsentState.MARKETING,
                source=Channel.STORE,
                associate=request.associate,
                location=request.location,
            )
    except DomainError as error:
        messages.error(request, error.message)
        return
    state["customer_id"] = customer.pk


@require_POST
@backoffice_view
def till_basket(request: HttpRequest, register_id: int) -> HttpResponse:
    """Change the basket (scan a code, add, quantity, remove, customer, park, resume);
    HTMX gets the sale panel back, a plain form a redirect."""
    register = _register(request, register_id)
    state = _state(request, register)
    _basket_change(request, register, state)
    # A QR code shown was for the basket as it was: a changed basket needs a new one.
    state.pop("qr", None)
    go_to = state.pop("redirect", None)
    _save(request, register, state)
    if go_to:
        return HttpResponseClientRedirect(go_to) if request.htmx else redirect(go_to)
    if request.htmx:
        return render(
            request,
            "backoffice/till/_sale.html",
            {**_sell_context(request, register, state), "oob_messages": True},
        )
    return redirect("backoffice:till-sell", register_id=register.pk)


def _tenders_from(post, state: dict) -> list[services.Tender] | str:
    """The pay form's tenders: a gift card (code and amount), the attached customer's
    points or store credit (amounts), a card present, the QR code shown when the
    associate says its money arrived, and cash last (change is given on it)."""
    fields = ("cash", "card_amount", "gift_card_amount", "points_amount", "credit_amount")
    amounts = {name: _money_input(post.get(name, "")) for name in fields}
    if any(post.get(name) and amounts[name] is None for name in fields):
        return _("Enter amounts as numbers.")
    cash, card = amounts["cash"], amounts["card_amount"]
    tenders = []
    if exchange := state.get("exchange"):
        # The returned value pays first, as much of the sale as it covers.
        tenders.append(
            services.Tender(
                kind=services.GIFT_CARD,
                amount=Decimal(exchange["amount"]),
                reference=exchange["code"],
                up_to_due=True,
            )
        )
    if amounts["gift_card_amount"]:
        tenders.append(
            services.Tender(
                kind=services.GIFT_CARD,
                amount=amounts["gift_card_amount"],
                reference=post.get("gift_card_code", "").strip(),
            )
        )
    if amounts["points_amount"]:
        tenders.append(
            services.Tender(kind=services.LOYALTY_POINTS, amount=amounts["points_amount"])
        )
    if amounts["credit_amount"]:
        tenders.append(services.Tender(kind=services.STORE_CREDIT, amount=amounts["credit_amount"]))
    if card:
        tenders.append(
            services.Tender(
                kind=services.CARD, amount=card, card_number=post.get("card_number", "")
            )
        )
    if post.get("qr_received") and state.get("qr"):
        tenders.append(
            services.Tender(
                kind=services.QR,
                amount=Decimal(state["qr"]["amount"]),
                reference=state["qr"]["reference"],
            )
        )
    if cash:
        tenders.append(services.Tender(kind=services.CASH, amount=cash))
    return tenders


def _exchange_end(request: HttpRequest, state: dict) -> None:
    """The customer takes nothing (more) now: the exchange leaves the till and its card's
    code is shown once, for the associate to hand over."""
    exchange = state.pop("exchange", None)
    if not exchange:
        return
    messages.info(
        request,
        _(
            "The customer keeps %(amount)s from return %(number)s on gift card %(code)s: "
            "write the code down for them now, it is not shown again."
        )
        % {
            "amount": format_money(Decimal(exchange["amount"])),
            "number": exchange["return"],
            "code": exchange["code"],
        },
    )


def _exchange_left_keep(request: HttpRequest, exchange: dict, *, number: str) -> None:
    """What an exchange's card still holds after the new sale, for the receipt to show
    once with the card's code (the customer keeps the card; the code is not stored)."""
    try:
        card = gift_card_find(code=exchange["code"], usable=False)
    except DomainError:
        return
    left = gift_card_balance(card=card)
    if left > ZERO:
        request.session[f"till:exchange_left:{number}"] = {
            "code": exchange["code"],
            "amount": str(left),
            "currency": card.currency,
        }


def _qr_show(request: HttpRequest, register: Register, state: dict) -> str:
    """Put a QR code for the typed amount (or everything due) on the screen; an error
    to say, else ""."""
    if services.QR not in services.tender_kinds_offered():
        return _("This way to pay is not available.")
    raw = request.POST.get("qr_amount", "").strip()
    amount = _money_input(raw)
    if raw and amount is None:
        return _("Enter amounts as numbers.")
    # What the exchange's card does not cover: the most a QR code may be for.
    due = _sell_context(request, register, state)["to_pay"]
    amount = due if amount is None else amount
    if amount <= ZERO or amount > due:
        return _("The QR amount must be above zero and at most the %(due)s due.") % {
            "due": format_money(due)
        }
    state["qr"] = {
        "amount": str(to_money(amount)),
        "reference": services.qr_tender_reference(state["key"]),
    }
    return ""


@require_POST
@backoffice_view
def till_pay(request: HttpRequest, register_id: int) -> HttpResponse:
    """Complete the sale with the tenders typed (card amount and number, cash handed
    over): the receipt; a refusal (declined card, cash short, stock) keeps the sale open
    with nothing taken and says why."""
    register = _register(request, register_id)
    state = _state(request, register)
    shift = services.shift_current(register=register)
    action = request.POST.get("action", "")
    if action in ("qr", "qr_cancel"):
        error = ""
        if action == "qr":
            error = _qr_show(request, register, state)
        else:
            state.pop("qr", None)
        _save(request, register, state)
        context = _sell_context(request, register, state, pay_error=error, pay_post=request.POST)
        return render(request, "backoffice/till/sell.html", context, status=400 if error else 200)
    tenders = _tenders_from(request.POST, state)
    error = ""
    if shift is None:
        error = _("Open a shift on this register first.")
    elif isinstance(tenders, str):
        error = tenders
    elif request.POST.get("key") and request.POST["key"] != state["key"]:
        # A second tap on an already completed sale: show what the first one made.
        done = TillSale.objects.filter(idempotency_key=request.POST["key"]).first()
        if done and done.order_id:
            return redirect("backoffice:till-receipt", number=done.order.number)
    if not error:
        try:
            sale = services.sale_complete(
                shift=shift,
                associate=request.associate,
                lines={int(k): v for k, v in state["lines"].items()},
                tenders=tenders,
                idempotency_key=state["key"],
                customer=_customer(state),
                oversell=bool(request.POST.get("oversell")),
                codes=state.get("codes", []),
                manual_discount=_manual_of(state),
            )
        except DomainError as refusal:
            error = refusal.message
        else:
            _save(
                request,
                register,
                {"lines": {}, "customer_id": None, "codes": [], "key": uuid.uuid4().hex},
            )
            if state.get("exchange") and sale.order_id:
                _exchange_left_keep(request, state["exchange"], number=sale.order.number)
            if sale.order_id is None:
                messages.warning(request, _("Sale kept for the manager: stock is short."))
                return redirect("backoffice:till-sell", register_id=register.pk)
            return redirect(
                reverse("backoffice:till-receipt", args=[sale.order.number]) + "?done=1"
            )
    context = _sell_context(request, register, state, pay_error=error, pay_post=request.POST)
    if request.htmx:
        return render(request, "backoffice/till/_sale.html", context, status=200)
    return render(request, "backoffice/till/sell.html", context, status=400)


# --- receipt --------------------------------------------------------------------------------


@backoffice_view
def till_receipt(request: HttpRequest, number: str) -> HttpResponse:
    """The receipt of a sale made at this store: 80 mm when printed, the order code as a
    QR the returns desk scans, tax and discounts per line; ``?gift=1`` without prices."""
    try:
        order = order_selectors.order_detail(number=number)
    except OrderNotFound:
        raise Http404(_("We could not find that order.")) from None
    if order.location_id != request.location.pk:
        raise Http404(_("We could not find that order."))
    sale = selectors.sale_for_order(order_id=order.pk)
    return render(
        request,
        "backoffice/till/receipt.html",
        {
            "order": order,
            "sale": sale,
            # Shown (and printed) once: the exchange credit the customer keeps on a card.
            "exchange_left": request.session.pop(f"till:exchange_left:{order.number}", None),
            "gift": request.GET.get("gift") == "1",
            "done": request.GET.get("done") == "1",
            "code_image": order_code_data_uri(order.number, scale=4),
        },
    )


@require_POST
@backoffice_view
def till_receipt_text(request: HttpRequest, number: str) -> HttpResponse:
    """Text the receipt when the customer asks for it (through messaging: the outbox, the
    provider, the customer's language; the request at the till is the consent): the
    sale's number, total and a link to the order (their account, or the signed
    order-status link for a guest). Once per order, however often the button is pressed."""
    from messaging.errors import MessagingError
    from messaging.services import send_message

    try:
        order = order_selectors.order_detail(number=number)
    except OrderNotFound:
        raise Http404(_("We could not find that order.")) from None
    if order.location_id != request.location.pk or order.customer is None:
        raise Http404(_("We could not find that order."))
    customer = order.customer
    with translation.override(customer.language or None):
        if customer.user_id:
            path = reverse("orders:account-order-detail", args=[order.number])
        else:
            path = reverse("orders:order-status", args=[order_selectors.order_status_token(order)])
        body = _("Thank you for shopping at %(store)s. Receipt %(number)s, %(total)s: %(url)s") % {
            "store": request.location.name,
            "number": order.number,
            "total": format_money(order.total, order.currency),
            "url": absolute_url(path),
        }
    try:
        send_message(
            channel="sms",
            # Asked for at the till: the request is the consent for this one text.
            purpose="requested",
            body=body,
            customer=customer,
            to=customer.phone,
            kind="receipt",
            associate=request.associate,
            location=request.location,
            language=customer.language,
            dedupe_key=f"sms.receipt:{order.pk}",
        )
    except MessagingError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("The receipt is on its way by text."))
    return redirect("backoffice:till-receipt", number=order.number)


def _tender_rows(report: services.ShiftReport) -> list[dict]:
    """The report's tenders as rows a person reads: "Cash", "Card", "Gift card"..."""
    card_provider = card_provider_name()
    rows = []
    for provider in sorted(set(report.by_tender) | set(report.refunds_by_tender)):
        if provider == card_provider:
            label = _("Card")
        elif provider in Payment.qr_providers():
            label = _("QR payment")
        else:
            label = dict(Payment.Provider.choices).get(provider, provider)
        rows.append(
            {
                "label": label,
                "sales": report.by_tender.get(provider, ZERO),
                "refunds": report.refunds_by_tender.get(provider, ZERO),
            }
        )
    return rows


# --- shifts ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@backoffice_view
def till_shift(request: HttpRequest, register_id: int) -> HttpResponse:
    """Open a shift with its float, move cash in or out with a reason, close with the
    counted cash (the X report so far beside it); the register's recent shifts."""
    register = _register(request, register_id)
    shift = services.shift_current(register=register)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "open":
                opening = request.POST.get("opening_float", "").strip()
                amount = _money_input(opening) if opening else ZERO
                if amount is None:
                    messages.error(request, _("Enter an amount."))
                    return redirect("backoffice:till-sell", register_id=register.pk)
                services.shift_open(
                    register=register, associate=request.associate, opening_float=amount
                )
                messages.success(request, _("Shift open."))
                return redirect("backoffice:till-sell", register_id=register.pk)
            if shift is None:
                raise ShiftNotOpen()
            if action in ("cash_in", "cash_out"):
                amount = _money_input(request.POST.get("amount", ""))
                if amount is None or amount <= ZERO:
                    messages.error(request, _("Enter an amount above zero."))
                    return redirect("backoffice:till-shift", register_id=register.pk)
                services.shift_cash_move(
                    shift=shift,
                    associate=request.associate,
                    amount=amount if action == "cash_in" else -amount,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("Cash move recorded."))
            elif action == "close":
                counted = _money_input(request.POST.get("counted", ""))
                if counted is None:
                    messages.error(request, _("Enter the cash counted in the drawer."))
                    return redirect("backoffice:till-shift", register_id=register.pk)
                closed = services.shift_close(
                    shift=shift,
                    associate=request.associate,
                    counted=counted,
                    note=request.POST.get("note", ""),
                )
                return redirect("backoffice:till-report", shift_id=closed.pk)
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("backoffice:till-shift", register_id=register.pk)
    report = services.shift_report(shift=shift) if shift else None
    return render(
        request,
        "backoffice/till/shift.html",
        {
            "register": register,
            "shift": shift,
            "report": report,
            "tender_rows": _tender_rows(report) if report else [],
            "moves": list(shift.cash_moves.select_related("associate")) if shift else [],
            "history": selectors.shifts_of(register=register),
            "variance_limit": services.variance_limit(),
        },
    )


@require_http_methods(["GET", "POST"])
@backoffice_view
def till_report(request: HttpRequest, shift_id: int) -> HttpResponse:
    """The X (open) or Z (closed) report of a shift of this store; a manager reopens."""
    shift = (
        Shift.objects.select_related("register", "opened_by", "closed_by")
        .filter(pk=shift_id, register__location=request.location)
        .first()
    )
    if shift is None:
        raise Http404(_("No such shift at this store."))
    if request.method == "POST":
        try:
            services.shift_reopen(shift=shift, associate=request.associate)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("backoffice:till-report", shift_id=shift.pk)
        messages.success(request, _("Shift reopened."))
        return redirect("backoffice:till-shift", register_id=shift.register_id)
    report = services.shift_report(shift=shift)
    return render(
        request,
        "backoffice/till/report.html",
        {"shift": shift, "report": report, "tender_rows": _tender_rows(report)},
    )


@require_POST
@backoffice_view
def till_flagged_resolve(request: HttpRequest, sale_id: int) -> HttpResponse:
    sale = TillSale.objects.filter(pk=sale_id, shift__register__location=request.location).first()
    if sale is None:
        raise Http404(_("No such sale at this store."))
    try:
        if request.POST.get("action") == "place":
            services.sale_flagged_place(sale=sale, associate=request.associate)
            messages.success(request, _("The order of that sale is placed."))
        else:
            services.sale_flagged_resolve(
                sale=sale, associate=request.associate, note=request.POST.get("note", "")
            )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(reverse("backoffice:till") + "?all=1")


# --- the offline till ------------------------------------------------------------------------


@backoffice_view
def till_service_worker(request: HttpRequest) -> HttpResponse:
    """The till's service worker, served from under /backoffice/till/ so its scope is the
    till: it caches the till pages and this store's catalogue for offline cash sales."""
    response = render(request, "backoffice/till/sw.js", {}, content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response


@backoffice_view
def till_catalogue(request: HttpRequest, register_id: int) -> JsonResponse:
    """This store's sellable catalogue with prices and tax rate (for the offline till to
    ring up cash sales from its cache): what the store holds, by barcode and SKU."""
    register = _register(request, register_id)
    return JsonResponse(selectors.offline_catalogue(location=register.location))


@require_POST
@backoffice_view
def till_sync(request: HttpRequest, register_id: int) -> JsonResponse:
    """One queued offline cash sale: {"key", "lines": [[variant_id, qty]], "cash",
    "rung_up_at"}. Idempotent by key: the queue may post a sale twice and it is one sale.
    Answers the order number, or the field error (400) / refusal (409)."""
    register = _register(request, register_id)
    try:
        body = json.loads(request.body or b"{}")
        lines = [(int(v), int(q)) for v, q in body.get("lines", [])]
        cash = _money_input(str(body.get("cash", "")))
        key = str(body.get("key", ""))
    except (ValueError, TypeError, AttributeError):
        return JsonResponse(
            {"code": "invalid", "message": _("The sale could not be read.")}, status=400
        )
    shift = services.shift_current(register=register)
    if shift is None:
        return JsonResponse(
            {"code": "shift_not_open", "message": _("Open a shift on this register first.")},
            status=409,
        )
    rung_up_at = parse_datetime(str(body.get("rung_up_at", ""))) or timezone.now()
    try:
        sale = services.sale_complete(
            shift=shift,
            associate=request.associate,
            lines=lines,
            tenders=[services.Tender(kind=services.CASH, amount=cash or ZERO)],
            idempotency_key=key,
            offline=True,
            rung_up_at=rung_up_at,
        )
    except DomainError as error:
        return JsonResponse(
            {"code": error.code, "message": error.message, "field": error.details.get("field")},
            status=error.http_status if error.http_status < 500 else 409,
        )
    return JsonResponse(
        {
            "key": sale.idempotency_key,
            "status": sale.status,
            "order": sale.order.number if sale.order_id else None,
            "change_due": str(sale.change_due),
        }
    )
