"""The gift card desk: check a card's balance and history (any associate), issue a card
with a reason (managers only). The code of an issued card is shown on the answer page
once; an emailed card's code goes to the recipient."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from giftcards import selectors, services
from giftcards.errors import GiftCardError
from giftcards.forms import BalanceForm, IssueForm
from giftcards.models import GiftCard
from omni.money import currency
from stores.surface import backoffice_render, backoffice_view


def _desk_context(request, **extra) -> dict:
    low, high = services.amount_bounds(currency())
    return {
        "current": "giftcards",
        "check_form": BalanceForm(),
        "issue_form": IssueForm(),
        "bounds": (low, high),
        "may_issue": request.associate.is_manager,
        **extra,
    }


@backoffice_view
def desk(request: HttpRequest) -> HttpResponse:
    """Check a balance: the card, what is left, its ledger."""
    context = _desk_context(request)
    status = 200
    if request.method == "POST":
        form = BalanceForm(request.POST)
        context["check_form"] = form
        if form.is_valid():
            try:
                card = services.gift_card_find(code=form.cleaned_data["code"], usable=False)
                context.update(
                    check_form=BalanceForm(),
                    card=card,
                    balance=services.gift_card_balance(card=card),
                    entries=list(selectors.gift_card_entries(card=card)),
                )
            except GiftCardError as exc:
                form.add_error("code", str(exc))
                status = exc.http_status
        else:
            status = 400
    return backoffice_render(
        request,
        "backoffice/giftcards/desk.html",
        context,
        fragment="backoffice/giftcards/_check.html",
        status=status,
    )


@backoffice_view(manager_only=True)
def issue(request: HttpRequest) -> HttpResponse:
    """Issue a card with a reason; the answer shows its code, once."""
    form = IssueForm(request.POST or None)
    context = _desk_context(request, issue_form=form)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                issued = services.gift_card_issue(
                    amount=data["amount"],
                    source=GiftCard.Source.ISSUED,
                    reason=data["reason"],
                    issued_by=request.user,
                    delivery=data["delivery"],
                    recipient_name=data["recipient_name"],
                    recipient_email=data["recipient_email"] or "",
                    location=request.location,
                )
            except GiftCardError as exc:
                form.add_error(exc.details.get("field") or None, str(exc))
                status = exc.http_status
            else:
                if data["delivery"] == GiftCard.Delivery.EMAIL:
                    services.gift_card_code_send(card=issued.card, code=issued.code)
                messages.success(request, _("Gift card issued."))
                context.update(issued=issued, issue_form=IssueForm())
        else:
            status = 400
    return backoffice_render(request, "backoffice/giftcards/desk.html", context, status=status)
