"""The storefront's gift card pages: the balance check (type the code, see the balance;
limited per client by ``balance_check_allow`` against guessing; POST only, so the code
never sits in a URL or a log) and buying an emailed card (``gift_card_sell``)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language

from customers.surface import customer_of
from giftcards import selectors, services
from giftcards.errors import GiftCardError
from giftcards.forms import BalanceForm, BuyForm
from omni.errors import DomainError
from omni.money import currency
from orders.services import PaymentChoice
from orders.services.gift_card_sales import GiftCardPurchase, gift_card_sell
from orders.surface import order_placed_remember


def balance(request: HttpRequest) -> HttpResponse:
    form = BalanceForm(request.POST or None)
    context: dict = {
        "form": form,
        "sells_gift_cards": selectors.gift_card_product_for_sale() is not None,
    }
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.balance_check_allow(client=request.META.get("REMOTE_ADDR", "") or "?")
            card = services.gift_card_find(code=form.cleaned_data["code"])
            context["card"] = card
            context["balance"] = services.gift_card_balance(card=card)
            context["form"] = BalanceForm()  # the code is not echoed back
        except GiftCardError as exc:
            form.add_error("code", str(exc))
            status = exc.http_status
    elif request.method == "POST":
        status = 400
    template = "storefront/giftcards/_result.html" if request.htmx else None
    return render(request, template or "storefront/giftcards/balance.html", context, status=status)


# Where a refusal of the sale is said (the service's ``field``, the card's).
FIELD_FOR = {"card": "card_number", "card_name": "card_name", "card_expiry": "card_expiry"}
FIELD_FOR.update(card_cvc="card_cvc", amount="amount", recipient_email="recipient_email")
FIELD_FOR.update(email="email")
FIELD_FOR_CODE = {"card_declined": "card_number", "insufficient_funds": "card_number"}


def buy(request: HttpRequest) -> HttpResponse:
    """Buy an emailed gift card: any amount within the market's bounds, for a recipient,
    paid by card; the order's receipt follows and the recipient gets the code by email."""
    product = selectors.gift_card_product_for_sale()
    if product is None:
        raise Http404("No gift card is sold here")
    member = request.user.is_authenticated
    form = BuyForm(request.POST or None, member=member)
    low, high = services.amount_bounds(currency())
    context = {"form": form, "low": low, "high": high, "product": product, "member": member}
    if request.method != "POST":
        return render(request, "storefront/giftcards/buy.html", context)
    if not form.is_valid():
        return render(request, "storefront/giftcards/buy.html", context, status=400)
    data = form.cleaned_data
    try:
        sale = gift_card_sell(
            product=product,
            purchase=GiftCardPurchase(
                amount=data["amount"],
                recipient_email=data["recipient_email"],
                recipient_name=data["recipient_name"],
                message=data["message"],
                buyer_email=data["email"] or (request.user.email if member else ""),
                buyer_first_name=data["first_name"],
                language=get_language(),
            ),
            payment=PaymentChoice.card(
                data["card_number"],
                name=data["card_name"],
                expiry=data["card_expiry"],
                cvc=data["card_cvc"],
            ),
            customer=customer_of(request) if member else None,
            user=request.user if member else None,
        )
    except DomainError as exc:
        field = FIELD_FOR.get(exc.details.get("field", "")) or FIELD_FOR_CODE.get(exc.code)
        form.add_error(field if field in form.fields else None, str(exc))
        return render(request, "storefront/giftcards/buy.html", context, status=exc.http_status)
    order_placed_remember(request, sale.order)
    return redirect("orders:confirmation", number=sale.order.number)
