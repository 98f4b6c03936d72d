"""The storefront's gift card balance check: type the code, see the balance. Limited per
client (``balance_check_allow``) against guessing; POST only, so the code never sits in
a URL or a log."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from giftcards import services
from giftcards.errors import GiftCardError
from giftcards.forms import BalanceForm


def balance(request: HttpRequest) -> HttpResponse:
    form = BalanceForm(request.POST or None)
    context: dict = {"form": form}
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
