"""The storefront cart: add, change, remove, restore from a link. HTMX posts get the
mini-cart or the cart fragment and an ``HX-Trigger``; without JavaScript every form posts
and redirects."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from omni.errors import DomainError
from omni.http import domain_error_message, safe_next
from orders import selectors, services
from orders.context_processors import cart_key
from orders.errors import CartRestoreInvalid
from orders.models import Cart


def _cart(request: HttpRequest, *, create: bool = False) -> Cart | None:
    """This shopper's open cart: a member's (created when missing), else this device's
    guest cart (created only when ``create``)."""
    if request.user.is_authenticated:
        return services.cart_get_or_create(user=request.user)
    key = cart_key(request, create=create)
    if not key:
        return None
    if not create:
        return selectors.carts_open_of(session_key=key).first()
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


def _cart_context(
    request: HttpRequest,
    cart: Cart | None,
    line_errors: dict | None = None,
    code_error: str = "",
    code_typed: str = "",
):
    summary = selectors.cart_summary(cart=cart) if cart is not None else None
    return {
        "summary": summary,
        "line_errors": line_errors or {},
        "max_quantity": services.cart_max_line_quantity(),
        "code_error": code_error,
        "code_typed": code_typed,
    }


def _cart_response(
    request: HttpRequest,
    cart: Cart | None,
    *,
    line_errors: dict | None = None,
    status=200,
    code_error: str = "",
    code_typed: str = "",
) -> HttpResponse:
    context = _cart_context(request, cart, line_errors, code_error, code_typed)
    template = "storefront/cart/_cart.html" if request.htmx else "storefront/cart/cart.html"
    response = render(request, template, context, status=status)
    if request.htmx:
        trigger_client_event(response, "cart-changed")
    return response


def cart(request: HttpRequest) -> HttpResponse:
    """The cart: lines with price, quantity (checked against what can be sold) and
    total; what is short is said next to its line."""
    return _cart_response(request, _cart(request))


def mini_cart(request: HttpRequest) -> HttpResponse:
    """The header's mini-cart panel (HTMX, when the shopper opens it): each line with its
    thumbnail, quantity and price, the subtotal, links to the cart and checkout. Reads
    only (a member without a cart gets none made); the cart summary's fixed queries.
    Without HTMX it is the cart page."""
    if not request.htmx:
        return redirect("orders:cart")
    if request.user.is_authenticated:
        current = selectors.carts_open_of(user=request.user).first()
    else:
        current = _cart(request)
    summary = selectors.cart_summary(cart=current) if current is not None else None
    return render(request, "storefront/cart/_mini_cart_lines.html", {"summary": summary})


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    """Add a variant (``variant``, ``quantity`` default 1) to the cart. HTMX: the
    mini-cart fragment and a message; otherwise back to ``next`` (or the cart)."""
    back = safe_next(request, reverse("orders:cart"))
    variant_id = _quantity(request.POST.get("variant"))
    quantity = _quantity(request.POST.get("quantity"), default=1)
    error = ""
    if variant_id is None:
        error = gettext("Choose a size first.")
    elif quantity is None:
        error = gettext("The quantity must be a whole number.")
    else:
        try:
            line = services.cart_add(
                cart=_cart(request, create=True), variant_id=variant_id, quantity=quantity
            )
        except DomainError as exc:
            error = str(exc)
        else:
            label = services.variant_label(line.variant)
            messages.success(request, gettext("Added %(item)s to your cart.") % {"item": label})
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
            raise services.CartQuantityError(gettext("The quantity must be a whole number."))
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
            domain_error_message(request, exc)
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
    messages.success(request, gettext("Welcome back — your cart is as you left it."))
    return redirect("orders:cart")


@require_POST
def cart_code(request: HttpRequest) -> HttpResponse:
    """Apply the discount code typed (``code``), or take it off (``remove``). A code that
    does not apply is said next to the field (HTMX: the cart fragment) or as a
    message (no JavaScript: back to ``next``), and the cart stays as it was."""
    back = safe_next(request, reverse("orders:cart"))
    current = _cart(request)
    if current is None:
        return redirect(back)
    typed = (request.POST.get("code") or "").strip()
    error = ""
    try:
        if request.POST.get("remove"):
            services.cart_code_remove(cart=current)
            message = gettext("The code was taken off.")
        else:
            services.cart_code_apply(cart=current, code=typed)
            message = gettext("Code %(code)s applied.") % {"code": current.voucher_code}
    except DomainError as exc:
        error = str(exc)
    if request.htmx and back == reverse("orders:cart"):
        # 200 either way: htmx swaps only successful responses, and the refusal is said
        # in the fragment, beside the field.
        return _cart_response(request, current, code_error=error, code_typed=typed)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, message)
    return redirect(back)
