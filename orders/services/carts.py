"""Carts: persisted for guests (by session) and members (by user), merged at login,
restorable on another device through a signed link (the abandoned-cart emails carry it).

Quantities are checked against what can be sold anywhere (salable units at the locations
that ship online orders plus the stores that offer pickup): a cart never promises more
than exists, and says so ("Only 2 left"). Holding the units is checkout's job.

Every change stamps ``last_activity_at`` and restarts abandoned-cart recovery: stage 0,
due ``OMNI_ABANDONED_CART_STAGES[0]`` minutes later when the cart has an email address
and items (nothing is due for an empty or anonymous cart).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.models import Variant
from catalog.option_names import colour_name, size_name
from customers.models import Customer, CustomerIdentity
from customers.services import normalise_email
from orders import selectors
from orders.errors import (
    CartQuantityError,
    CartRestoreInvalid,
    InsufficientStock,
    InvalidTransition,
    VariantUnavailable,
)
from orders.models import Cart, CartLine, CartRecoveryStep
from orders.recovery_stages import cart_recovery_stages
from stores.models import Location

# Where a guest's cart key lives in the session (a random key, not the session key, which
# Django cycles at login; ``orders.signals.cart_at_login`` spends it).
CART_SESSION_KEY = "omni_cart_key"
RESTORE_SALT = "omni.cart.restore"


def cart_max_line_quantity() -> int:
    return int(getattr(settings, "OMNI_CART_MAX_LINE_QUANTITY", 20))


def cart_restore_max_age() -> dt.timedelta:
    return dt.timedelta(days=int(getattr(settings, "OMNI_CART_RESTORE_MAX_AGE_DAYS", 30)))


# --- small shared pieces -------------------------------------------------------------------


def _locked_open(cart: Cart) -> Cart:
    """The cart row locked for this change; refuses carts that can no longer change."""
    locked = Cart.objects.select_for_update().get(pk=cart.pk)
    if locked.status == Cart.Status.CONVERTED:
        raise InvalidTransition(
            _("This cart has already been checked out; start a new one."), cart_id=cart.pk
        )
    if locked.status != Cart.Status.OPEN:
        raise InvalidTransition(_("This cart is no longer active."), cart_id=cart.pk)
    return locked


def _refresh(target: Cart, source: Cart) -> None:
    """Copy the saved state back onto the caller's instance."""
    for name in (
        "status",
        "email",
        "customer_id",
        "last_activity_at",
        "recovery_stage",
        "recovery_due_at",
        "store_id",
        "user_id",
        "voucher_code",
    ):
        setattr(target, name, getattr(source, name))


def _touched(cart: Cart, *, has_lines: bool, now: dt.datetime) -> list[str]:
    """Stamp activity and restart recovery; returns the fields to save."""
    cart.last_activity_at = now
    cart.recovery_stage = 0
    stages = cart_recovery_stages()
    if cart.email and has_lines and stages:
        cart.recovery_due_at = now + dt.timedelta(minutes=stages[0])
    else:
        cart.recovery_due_at = None
    return ["last_activity_at", "recovery_stage", "recovery_due_at", "updated_at"]


def _save_touched(cart: Cart, *, has_lines: bool | None = None, extra: tuple = ()) -> None:
    if has_lines is None:
        has_lines = cart.lines.exists()
    fields = _touched(cart, has_lines=has_lines, now=timezone.now())
    cart.save(update_fields=[*fields, *extra])


def _check_quantity(quantity: int, *, allow_zero: bool = False) -> int:
    maximum = cart_max_line_quantity()
    low = 0 if allow_zero else 1
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise CartQuantityError(_("The quantity must be a whole number."), quantity=quantity)
    if quantity < low:
        raise CartQuantityError(_("Choose a quantity of at least 1."), quantity=quantity)
    if quantity > maximum:
        raise CartQuantityError(_max_message(maximum), quantity=quantity)
    return quantity


def _max_message(maximum: int) -> str:
    return ngettext(
        "You can buy at most %(count)d of an item in one order.",
        "You can buy at most %(count)d of an item in one order.",
        maximum,
    ) % {"count": maximum}


def _sellable_variant(variant_id: int) -> Variant:
    variant = selectors.variants_sellable(variant_ids=[variant_id]).get(variant_id)
    if variant is None:
        raise VariantUnavailable(
            _("Sorry, this item is no longer available."), variant_id=variant_id
        )
    return variant


def variant_label(variant: Variant) -> str:
    """ "Linen Shirt (Navy / M)": how a shopper recognises a SKU."""
    bits = " / ".join(b for b in (colour_name(variant.colour), size_name(variant.size)) if b)
    return f"{variant.product.name} ({bits})" if bits else variant.product.name


def _check_stock(variant: Variant, quantity: int) -> None:
    salable = selectors.salable_for_sale(variant_ids=[variant.pk]).get(variant.pk, 0)
    if quantity <= salable:
        return
    line = {"variant_id": variant.pk, "sku": variant.sku, "requested": quantity}
    if salable == 0:
        raise InsufficientStock(
            _("Sorry, %(item)s is out of stock.") % {"item": variant_label(variant)},
            lines=[{**line, "available": 0}],
        )
    raise InsufficientStock(
        ngettext("Only %(count)d left of %(item)s.", "Only %(count)d left of %(item)s.", salable)
        % {"count": salable, "item": variant_label(variant)},
        lines=[{**line, "available": salable}],
    )


# --- getting a cart -----------------------------------------------------------------------


def _customer_of(user) -> Customer | None:
    return Customer.objects.filter(user=user).first()


@transaction.atomic
def cart_get_or_create(
    *,
    user=None,
    session_key: str | None = None,
    store: Location | None = None,
    channel: str | None = None,
) -> Cart:
    """The open cart of a member (``user``), else of a guest's session, created when
    there is none; a new anonymous cart when neither is given (an app or API client
    keeps its ``token``). ``store`` records the shopper's current store. No locks."""
    open_carts = Cart.objects.filter(status=Cart.Status.OPEN)
    member = user is not None and getattr(user, "is_authenticated", False)
    cart = None
    if member:
        cart = open_carts.filter(user=user).order_by("-last_activity_at", "-pk").first()
        if cart is None:
            customer = _customer_of(user)
            email = (customer.email if customer else "") or (user.email or "")
            cart = Cart.objects.create(
                user=user,
                customer=customer,
                email=email.strip().lower(),
                session_key=session_key or "",
                store=store,
                **({"channel": channel} if channel else {}),
            )
    elif session_key:
        cart = (
            open_carts.filter(session_key=session_key, user__isnull=True)
            .order_by("-last_activity_at", "-pk")
            .first()
        )
    if cart is None:
        cart = Cart.objects.create(
            session_key=session_key or "", store=store, **({"channel": channel} if channel else {})
        )
    elif store is not None and cart.store_id != store.pk:
        cart.store = store
        cart.save(update_fields=["store", "updated_at"])
    return cart


@transaction.atomic
def cart_for_login(*, user, session_key: str, store: Location | None = None) -> Cart:
    """At login: the member's cart with what they put in the cart as a guest on this
    device. With no member cart yet, the guest cart becomes theirs; otherwise the guest
    cart is merged into it (see ``cart_merge``). Locks both carts."""
    guest = (
        Cart.objects.filter(status=Cart.Status.OPEN, session_key=session_key, user__isnull=True)
        .order_by("-last_activity_at", "-pk")
        .first()
        if session_key
        else None
    )
    has_member_cart = Cart.objects.filter(status=Cart.Status.OPEN, user=user).exists()
    if guest is not None and not has_member_cart:
        guest = _locked_open(guest)
        customer = _customer_of(user)
        guest.user = user
        guest.customer = customer or guest.customer
        guest.email = guest.email or ((customer.email if customer else "") or user.email or "")
        if store is not None:
            guest.store = store
        _save_touched(guest, extra=("user", "customer", "email", "store"))
        return guest
    member_cart = cart_get_or_create(user=user, session_key=session_key, store=store)
    if guest is not None:
        return cart_merge(source=guest, target=member_cart)
    return member_cart


# --- changing lines -----------------------------------------------------------------------


@transaction.atomic
def cart_add(*, cart: Cart, variant_id: int, quantity: int = 1) -> CartLine:
    """Put ``quantity`` more of a variant in the cart (on top of what is there).

    Locks the cart. Raises CartQuantityError (below 1, or above the per-line maximum in
    total), InsufficientStock ("Only 2 left"), VariantUnavailable, InvalidTransition
    (the cart was checked out, merged or closed)."""
    _check_quantity(quantity)
    locked = _locked_open(cart)
    variant = _sellable_variant(variant_id)
    line = CartLine.objects.filter(cart=locked, variant_id=variant_id).first()
    new_quantity = (line.quantity if line else 0) + quantity
    if new_quantity > cart_max_line_quantity():
        raise CartQuantityError(_max_message(cart_max_line_quantity()), quantity=new_quantity)
    _check_stock(variant, new_quantity)
    if line is None:
        line = CartLine.objects.create(cart=locked, variant=variant, quantity=new_quantity)
    else:
        line.quantity = new_quantity
        line.save(update_fields=["quantity"])
    _save_touched(locked, has_lines=True)
    _refresh(cart, locked)
    return line


@transaction.atomic
def cart_set_quantity(*, cart: Cart, variant_id: int, quantity: int) -> CartLine | None:
    """Set a line's quantity; 0 removes it (returns None). Adds the line when missing.

    Locks the cart. Raises CartQuantityError (negative, above the maximum),
    InsufficientStock, VariantUnavailable, InvalidTransition."""
    _check_quantity(quantity, allow_zero=True)
    if quantity == 0:
        cart_remove(cart=cart, variant_id=variant_id)
        return None
    locked = _locked_open(cart)
    variant = _sellable_variant(variant_id)
    line = CartLine.objects.filter(cart=locked, variant_id=variant_id).first()
    if line is None or quantity > line.quantity:
        # Lowering a quantity is always allowed, even below what is now in stock.
        _check_stock(variant, quantity)
    if line is None:
        line = CartLine.objects.create(cart=locked, variant=variant, quantity=quantity)
    else:
        line.quantity = quantity
        line.save(update_fields=["quantity"])
    _save_touched(locked, has_lines=True)
    _refresh(cart, locked)
    return line


@transaction.atomic
def cart_remove(*, cart: Cart, variant_id: int) -> None:
    """Take a variant out of the cart (nothing happens if it is not there).

    Locks the cart. Raises InvalidTransition (checked out, merged or closed)."""
    locked = _locked_open(cart)
    CartLine.objects.filter(cart=locked, variant_id=variant_id).delete()
    _save_touched(locked)
    _refresh(cart, locked)


@transaction.atomic
def cart_attach_email(*, cart: Cart, email: str) -> Cart:
    """Remember the shopper's email on the cart (typed at checkout, or from the account),
    so an abandoned cart can be followed up; links the cart to the customer with that
    email when there is one. Consent is checked when the email is sent, not here.

    Locks the cart. Raises InvalidContact (not an email address), InvalidTransition."""
    value = normalise_email(email)
    locked = _locked_open(cart)
    locked.email = value
    fields = ["email"]
    if locked.customer_id is None:
        customer_id = (
            CustomerIdentity.objects.filter(kind=CustomerIdentity.Kind.EMAIL, value=value)
            .values_list("customer_id", flat=True)
            .first()
        )
        if customer_id is not None:
            locked.customer_id = customer_id
            fields.append("customer")
    _save_touched(locked, extra=tuple(fields))
    _refresh(cart, locked)
    return cart


def _capped_quantities(wanted: dict[int, int], existing: dict[int, int]) -> dict[int, int]:
    """Quantities after adding ``wanted`` to ``existing``: capped by the per-line maximum and
    by what is salable, never below what the target already had. Inactive variants and
    variants with nothing salable are left out."""
    sellable = selectors.variants_sellable(variant_ids=list(wanted))
    salable = selectors.salable_for_sale(variant_ids=list(sellable))
    maximum = cart_max_line_quantity()
    result = {}
    for variant_id, quantity in wanted.items():
        if variant_id not in sellable:
            continue
        have = existing.get(variant_id, 0)
        capped = max(have, min(have + quantity, maximum, salable.get(variant_id, 0)))
        if capped > have:
            result[variant_id] = capped
    return result


def _lines_write(target: Cart, quantities: dict[int, int], existing: dict[int, CartLine]) -> None:
    changed = []
    new = []
    for variant_id, quantity in quantities.items():
        line = existing.get(variant_id)
        if line is None:
            new.append(CartLine(cart=target, variant_id=variant_id, quantity=quantity))
        else:
            line.quantity = quantity
            changed.append(line)
    if changed:
        CartLine.objects.bulk_update(changed, ["quantity"])
    if new:
        CartLine.objects.bulk_create(new)


@transaction.atomic
def cart_merge(*, source: Cart, target: Cart) -> Cart:
    """Move a guest cart's lines into a member's cart at login: quantities of the same
    item add up, capped by the per-line maximum and by what is salable; items no longer
    sold are dropped. The source becomes ``merged``. Returns the target.

    Locks both carts in primary-key order. Raises InvalidTransition (either cart is not
    open)."""
    if source.pk == target.pk:
        return target
    first, second = sorted([source, target], key=lambda c: c.pk)
    locked = {c.pk: _locked_open(c) for c in (first, second)}
    src, dst = locked[source.pk], locked[target.pk]
    wanted = dict(CartLine.objects.filter(cart=src).values_list("variant_id", "quantity"))
    existing = {line.variant_id: line for line in CartLine.objects.filter(cart=dst)}
    quantities = _capped_quantities(wanted, {v: line.quantity for v, line in existing.items()})
    _lines_write(dst, quantities, existing)
    src.status = Cart.Status.MERGED
    src.recovery_due_at = None
    src.save(update_fields=["status", "recovery_due_at", "updated_at"])
    extra: tuple = ()
    if not dst.email and src.email:
        dst.email = src.email
        extra = ("email",)
    if dst.customer_id is None and src.customer_id is not None:
        dst.customer_id = src.customer_id
        extra = (*extra, "customer")
    _save_touched(dst, has_lines=bool(existing or quantities), extra=extra)
    _refresh(source, src)
    _refresh(target, dst)
    return target


# --- restore links ------------------------------------------------------------------------


def cart_restore_token(cart: Cart, *, stage: int | None = None) -> str:
    """A signed, timestamped token for the cart's restore link (abandoned-cart emails):
    ``/cart/restore/<token>/``. It carries the cart's random ``token``, never its id, and
    the recovery ``stage`` of the email it is in, so a click is counted for that stage."""
    value = f"{cart.token}.{int(stage)}" if stage else cart.token
    return signing.TimestampSigner(salt=RESTORE_SALT).sign(value)


def _restore_click_record(source: Cart, stage: str, target: Cart | None) -> None:
    """Count a click on a recovery email's restore link (recovery metrics)."""
    if not stage.isdigit():
        return
    now = timezone.now()
    steps = CartRecoveryStep.objects.filter(cart=source, stage=int(stage))
    steps.filter(first_clicked_at__isnull=True).update(first_clicked_at=now)
    steps.update(
        clicks=F("clicks") + 1,
        last_clicked_at=now,
        **({"restored_into": target} if target is not None and target.pk != source.pk else {}),
    )


@transaction.atomic
def cart_restore(
    *, token: str, max_age: dt.timedelta | int | None = None, into: Cart | None = None
) -> Cart:
    """Rebuild a cart from its restore link on this device. With ``into`` (this
    device's open cart) the lines are copied into it (quantities capped as in
    ``cart_merge``, items no longer sold skipped) and the linked cart is marked merged;
    without, the linked cart itself is returned, unchanged, for this device to use (or,
    if it was merged or closed since, a new open cart with its items).
    ``max_age`` defaults to ``OMNI_CART_RESTORE_MAX_AGE_DAYS`` (30).

    Locks the carts. Raises CartRestoreInvalid (``restore_link_invalid``: tampered or
    unknown; ``restore_link_expired``; ``restore_link_used``: already bought)."""
    max_age = cart_restore_max_age() if max_age is None else max_age
    try:
        value = signing.TimestampSigner(salt=RESTORE_SALT).unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise CartRestoreInvalid(
            _("This link has expired. Your items may still be in your cart."),
            code="restore_link_expired",
        ) from None
    except signing.BadSignature:
        raise CartRestoreInvalid(
            _("This link is not valid."), code="restore_link_invalid"
        ) from None
    # "<cart token>.<stage>" from a recovery email; the cart token has no dot.
    cart_token, _dot, stage = value.partition(".")
    source = Cart.objects.filter(token=cart_token).first()
    if source is None:
        raise CartRestoreInvalid(_("This link is not valid."), code="restore_link_invalid")
    if source.status == Cart.Status.CONVERTED:
        raise CartRestoreInvalid(
            _("You have already checked out this cart. Thank you!"), code="restore_link_used"
        )
    if into is None or into.pk == source.pk:
        if source.status != Cart.Status.OPEN:
            # A cart merged at login or closed: bring its items back in a new open cart.
            into = Cart.objects.create(
                customer_id=source.customer_id,
                email=source.email,
                channel=source.channel,
                store_id=source.store_id,
            )
        else:
            # Opening the link is not a change: the follow-up schedule carries on.
            locked = _locked_open(source)
            _restore_click_record(source, stage, None)
            return locked
    target = _locked_open(into)
    wanted = dict(CartLine.objects.filter(cart=source).values_list("variant_id", "quantity"))
    existing = {line.variant_id: line for line in CartLine.objects.filter(cart=target)}
    quantities = _capped_quantities(wanted, {v: line.quantity for v, line in existing.items()})
    _lines_write(target, quantities, existing)
    extra: tuple = ()
    if not target.email and source.email:
        target.email = source.email
        extra = ("email",)
    if target.customer_id is None and source.customer_id is not None:
        target.customer_id = source.customer_id
        extra = (*extra, "customer")
    _save_touched(target, has_lines=bool(existing or quantities), extra=extra)
    if source.status == Cart.Status.OPEN:
        # The shopper carries on with the other device's cart: stop following this one up.
        Cart.objects.filter(pk=source.pk).update(
            status=Cart.Status.MERGED, recovery_due_at=None, updated_at=timezone.now()
        )
    _restore_click_record(source, stage, target)
    if into is not target:
        _refresh(into, target)
    return target


@transaction.atomic
def cart_code_apply(*, cart: Cart, code: str):
    """Apply a discount code to the cart when it gives something now; the cart's totals
    with it. Locks the cart. Raises CodeNotApplicable with the reason (unknown, expired,
    used up, not valid here, a minimum not reached...) and leaves the cart unchanged;
    InvalidTransition (checked out, merged or closed)."""
    from promotions.errors import CodeNotApplicable
    from promotions.models import normalise_code

    typed = normalise_code(code)
    if not typed:
        raise CodeNotApplicable(_("Type a code first."), field="code")
    if len(typed) > 40:
        raise CodeNotApplicable(_("We do not know the code %(code)s.") % {"code": typed[:40]})
    locked = _locked_open(cart)
    totals = selectors.cart_summary(cart=locked).totals(ships=False, codes=(typed,))
    refused = next((r for r in totals.rejected if r.code == typed), None)
    if refused is not None:
        raise CodeNotApplicable(refused.reason, field="code", reason=refused.kind)
    if typed not in totals.accepted_codes:
        raise CodeNotApplicable(_("This code does not apply to the items in your cart."))
    locked.voucher_code = typed
    locked.save(update_fields=["voucher_code", "updated_at"])
    _refresh(cart, locked)
    return totals


@transaction.atomic
def cart_code_remove(*, cart: Cart) -> None:
    """Take the discount code off the cart. Locks the cart."""
    locked = _locked_open(cart)
    locked.voucher_code = ""
    locked.save(update_fields=["voucher_code", "updated_at"])
    _refresh(cart, locked)
