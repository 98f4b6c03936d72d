"""The checkout's tenders: a gift card applied by its code, "Use my points" and "Use store
credit" for signed-in shoppers, kept in the session between the page's submits (the card,
never its code), previewed with ``tenders_quote`` and paid by ``order_place``.

The buttons are submit buttons of the checkout form itself (``tender_action``), so the
page works without JavaScript: the checkout view hands the POST here, the session
changes, and the page comes back with what was typed still in the form."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.translation import gettext as _

from customers import selectors as customer_selectors
from customers import services as customer_services
from customers.models import Customer
from giftcards import services as gift_card_services
from giftcards.errors import GiftCardError
from giftcards.models import GiftCard
from omni.errors import DomainError
from orders import services
from orders.models import Cart
from orders.services.tenders import Tender

SESSION_KEY = "checkout_tenders"
ACTIONS = (
    "apply_gift_card",
    "remove_gift_card",
    "use_points",
    "remove_points",
    "use_store_credit",
    "remove_store_credit",
)
GIFT_CARDS_MAX = 3


@dataclass
class Chosen:
    """The tenders this cart's checkout holds: gift card ids, points, store credit."""

    gift_card_ids: list[int]
    points: bool = False
    store_credit: bool = False

    @property
    def any(self) -> bool:
        return bool(self.gift_card_ids or self.points or self.store_credit)


def _chosen(request: HttpRequest, cart: Cart) -> Chosen:
    held = request.session.get(SESSION_KEY) or {}
    if held.get("cart") != cart.pk:
        return Chosen(gift_card_ids=[])
    return Chosen(
        gift_card_ids=[int(pk) for pk in held.get("gift_cards", [])][:GIFT_CARDS_MAX],
        points=bool(held.get("points")),
        store_credit=bool(held.get("store_credit")),
    )


def _keep(request: HttpRequest, cart: Cart, chosen: Chosen) -> None:
    request.session[SESSION_KEY] = {
        "cart": cart.pk,
        "gift_cards": chosen.gift_card_ids,
        "points": chosen.points,
        "store_credit": chosen.store_credit,
    }


def _client(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def tender_action(request: HttpRequest, cart: Cart, customer: Customer | None) -> str:
    """Apply or remove one tender as the pressed button says. Returns the message for
    the gift card field ("" when it went well)."""
    action, _sep, target = request.POST.get("tender_action", "").partition(":")
    chosen = _chosen(request, cart)
    if action == "apply_gift_card":
        code = request.POST.get("gift_card_code", "")
        if not gift_card_services.code_normalise(code):
            return _("Enter the gift card's code.")
        try:
            gift_card_services.balance_check_allow(client=_client(request))
            card = gift_card_services.gift_card_find(code=code)
            if gift_card_services.gift_card_balance(card=card) <= 0:
                return _("This gift card has nothing left to spend.")
        except GiftCardError as exc:
            return str(exc)
        if card.pk not in chosen.gift_card_ids and len(chosen.gift_card_ids) < GIFT_CARDS_MAX:
            chosen.gift_card_ids.append(card.pk)
    elif action == "remove_gift_card":
        remove = target
        chosen.gift_card_ids = [pk for pk in chosen.gift_card_ids if str(pk) != remove]
    elif action in ("use_points", "remove_points") and customer is not None:
        chosen.points = action == "use_points"
    elif action in ("use_store_credit", "remove_store_credit") and customer is not None:
        chosen.store_credit = action == "use_store_credit"
    _keep(request, cart, chosen)
    return ""


def is_tender_action(request: HttpRequest) -> bool:
    return request.POST.get("tender_action", "").partition(":")[0] in ACTIONS


def tenders_forget(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def tenders_of(request: HttpRequest, cart: Cart, customer: Customer | None) -> list[Tender]:
    """The tenders to pay with, in the order they apply: gift cards, store credit,
    points (the rest by the method chosen on the form)."""
    chosen = _chosen(request, cart)
    cards = GiftCard.objects.in_bulk(chosen.gift_card_ids)
    tenders = [Tender.gift_card_found(cards[pk]) for pk in chosen.gift_card_ids if pk in cards]
    if customer is not None and chosen.store_credit:
        tenders.append(Tender.store_credit())
    if customer is not None and chosen.points:
        tenders.append(Tender.loyalty_points())
    return tenders


def _quote(tenders, totals, customer):
    try:
        return services.tenders_quote(
            total=totals.total, currency=totals.currency, tenders=tenders, customer=customer
        ), ""
    except DomainError as exc:
        return None, str(exc)


def tender_context(
    request: HttpRequest, cart: Cart, customer: Customer | None, *, ship_totals, pickup_totals
) -> dict:
    """What the payment step and the summary show: the applied tenders with the amount
    each pays and what is left, for delivery and for pickup; the member's points and
    credit with what they are worth."""
    tenders = tenders_of(request, cart, customer)
    ship_quote, ship_error = _quote(tenders, ship_totals, customer) if tenders else (None, "")
    pickup_quote, _err = _quote(tenders, pickup_totals, customer) if tenders else (None, "")
    chosen = _chosen(request, cart)
    context = {
        "tenders_chosen": chosen,
        "ship_quote": ship_quote,
        "pickup_quote": pickup_quote,
        "tender_error": ship_error,
        "gift_cards_applied": [t.found_gift_card for t in tenders if t.kind == "gift_card"],
        "gift_cards_room": len(chosen.gift_card_ids) < GIFT_CARDS_MAX,
    }
    if customer is not None:
        points = customer_selectors.loyalty_balance(customer=customer)
        credit = customer_selectors.store_credit_balance(
            customer=customer, currency=ship_totals.currency
        )
        context.update(
            member_points=points,
            member_points_worth=customer_services.loyalty_worth(
                points=points, currency=ship_totals.currency
            ),
            member_store_credit=credit,
        )
    return context


def tenders_cover(request: HttpRequest, cart: Cart, customer, totals) -> bool:
    """Whether the held tenders pay all of ``totals`` (then no other method is needed)."""
    tenders = tenders_of(request, cart, customer)
    if not tenders:
        return False
    quote, _error = _quote(tenders, totals, customer)
    return quote is not None and quote.remaining <= 0
