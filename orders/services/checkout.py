"""Checkout: one transaction turns a cart (or lines from the back-office, the API, a POS)
into an order with its lines, fulfilments, stock holds and payment.

Order of work inside the transaction, and why:

1. lock the cart (a double submit waits, then gets the order the first one made);
2. price every line from the one price book in one query (a snapshot on the line);
3. resolve the customer (a guest attaches to the existing customer with that email);
4. plan where the stock comes from (inventory sourcing: ship from the nearest location
   that has everything, else split; pickup at the store, else a transfer in);
5. write the order, its lines, its fulfilments — then hold the stock with inventory's
   conditional update (no read-then-write: the last unit goes to one buyer only). If a
   racing buyer took a planned unit, the whole attempt rolls back and is planned again
   once; then the shopper is told what is short ("Only 1 left of ...");
6. timeline, loyalty points, consent (only when opted in); outbox messages for what
   runs after commit (the confirmation email, learning the shopper's sizes);
7. the payment, last: a decline raises and rolls back everything above, so no order, no
   hold and an open cart remain.

The work is batched so the number of queries does not grow with the number of lines,
except for inventory's one conditional UPDATE per stock row held.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, ngettext_lazy

from catalog.models import Variant
from customers import services as customer_services
from customers.models import Channel, ConsentState, ContactChannel, Customer, LoyaltyEntry
from customers.models import Interaction as InteractionModel
from inventory import errors as inventory_errors
from inventory import services as inventory
from inventory.models import Reservation
from omni import stored_text
from omni.markets import current_market
from omni.money import currency, money_param, money_text, to_money
from omni.outbox import outbox_record
from orders import selectors
from orders.errors import (
    CartEmpty,
    InsufficientStock,
    InvalidTransition,
    VariantUnavailable,
)
from orders.models import (
    Cart,
    CartLine,
    Fulfilment,
    FulfilmentLine,
    Order,
    OrderLine,
    OrderLineDiscount,
)
from orders.services.carts import variant_label
from orders.services.events import order_events_record
from orders.services.numbers import (
    order_number_for,
    order_number_placeholder,
)
from orders.services.order_request import (
    CarryOut,
    OrderRequest,
    PickupAt,
    ShipTo,
    _address_clean,
    _lines_clean,
    _validate,
)
from orders.services.payments import (
    METHOD_QR,
    Card,
    payment_take,
)
from orders.services.tax_invoices import tax_invoice_issue
from orders.services.totals import (
    TaxableLine,
    customer_facts,
    order_totals,
    pickup_preparation_time,
)
from promotions import errors as promotion_errors
from promotions.services import redemptions_record
from stores.models import Location

# Timeline entries of this module, read in the reader's language (omni.stored_text).
TIMELINE = stored_text.register(
    {
        "order.placed": stored_text.Template(
            ngettext_lazy(
                "Order %(number)s: %(count)s item, %(total)s",
                "Order %(number)s: %(count)s items, %(total)s",
                "count",
            ),
            total=money_text,
        ),
        "order.placed_pickup": stored_text.Template(
            ngettext_lazy(
                "Order %(number)s: %(count)s item, %(total)s for pickup at %(location)s",
                "Order %(number)s: %(count)s items, %(total)s for pickup at %(location)s",
                "count",
            ),
            total=money_text,
        ),
        "order.placed_carry_out": stored_text.Template(
            ngettext_lazy(
                "Order %(number)s: %(count)s item, %(total)s at %(location)s",
                "Order %(number)s: %(count)s items, %(total)s at %(location)s",
                "count",
            ),
            total=money_text,
        ),
    }
)
_PLACED_KEYS = {
    Fulfilment.Kind.PICKUP: "order.placed_pickup",
    Fulfilment.Kind.CARRY_OUT: "order.placed_carry_out",
}

# --- errors the shopper understands --------------------------------------------------------


class _HoldLost(Exception):
    """A planned unit was taken by a racing checkout between planning and holding."""

    def __init__(self, error: InsufficientStock) -> None:
        super().__init__(str(error))
        self.error = error


def _stock_error(
    error: inventory_errors.InsufficientStock,
    variants: Mapping[int, Variant],
    requested: Mapping[int, int],
) -> InsufficientStock:
    """Inventory's shortage, told per product: "Only 1 left of Linen Shirt (Navy / M).\""""
    rows, sentences = [], []
    for item in error.details.get("lines") or []:
        variant_id = item.get("variant_id")
        wanted = requested.get(variant_id, item.get("requested", 0))
        if "missing" in item:
            available = max(wanted - int(item["missing"]), 0)
        else:
            available = max(min(int(item.get("salable", 0)), wanted - 1), 0)
        variant = variants.get(variant_id)
        label = variant_label(variant) if variant else _("an item")
        sentences.append(
            ngettext(
                "Only %(count)d left of %(item)s.", "Only %(count)d left of %(item)s.", available
            )
            % {"count": available, "item": label}
            if available
            else _("Sorry, %(item)s is out of stock.") % {"item": label}
        )
        rows.append(
            {
                "variant_id": variant_id,
                "sku": variant.sku if variant else "",
                "requested": wanted,
                "available": available,
            }
        )
    message = " ".join(dict.fromkeys(sentences)) or _("Sorry, some items are no longer in stock.")
    return InsufficientStock(message, lines=rows)


# --- the service --------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderPlacement:
    """What a checkout did: the ``order``, and whether this call ``created`` it (False: the
    cart was already checked out, or the channel already has an order with this
    ``external_reference`` — a retry — and that order is returned unchanged)."""

    order: Order
    created: bool


def order_place(request: OrderRequest) -> OrderPlacement:
    """Place the order ``request`` describes (see ``OrderRequest``: a cart or lines, for a
    customer or a contact, shipped / picked up / carried out, paid as chosen); the order
    and whether this call made it.

    Idempotent, and says so: a cart already checked out, or an ``external_reference``
    already used in this channel, returns that order with ``created=False`` and writes
    nothing — the one duplicate rule every caller (API, imports) answers from.

    One transaction (see the module docstring for its order). Locks the cart, the
    customer (when resolved), the stock rows held (primary-key order, inside inventory),
    the customer for store credit. Raises, with nothing written: CheckoutInvalid,
    InvalidQuantity, InvalidCardNumber and InvalidContact (all before the transaction),
    CartEmpty, VariantUnavailable,
    InsufficientStock ("Only 1 left of ..."), InvalidTransition (cart merged or closed),
    PaymentDeclined (``card_declined``, ``insufficient_funds``,
    ``insufficient_store_credit``), PaymentFailed (``processing_error``), and from below
    IdentityConflict (customers: the email and phone belong to two customers),
    InvalidDestination (inventory: unknown postcode, a store without pickup; with
    ``source_location_ids``, a shortage in those locations is InsufficientStock)."""
    card = _validate(request)
    contact = request.contact
    # Malformed contacts are refused before anything is written (InvalidContact).
    if contact.email:
        customer_services.normalise_email(contact.email)
    if contact.phone:
        customer_services.normalise_phone(contact.phone)
    wanted = _lines_clean(request.lines) if request.lines is not None else None
    fulfilment = request.fulfilment
    address = _address_clean(fulfilment.address) if isinstance(fulfilment, ShipTo) else {}
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                return _order_place(request, wanted=wanted, address=address, card=card)
        except _HoldLost as lost:
            if attempt == 2:
                raise lost.error from None
        except IntegrityError:
            # Two calls with the same external reference at once: the second insert lost.
            existing = _existing_external(request.channel, request.external_reference)
            if existing is None:
                raise
            return OrderPlacement(order=existing, created=False)
    raise AssertionError("unreachable")


def _existing_external(channel: str, external_reference: str) -> Order | None:
    if not external_reference:
        return None
    return Order.objects.filter(channel=channel, external_reference=external_reference).first()


def _cart_lines(
    request: OrderRequest, wanted: Mapping[int, int] | None
) -> tuple[Cart | None, dict[int, int], dict[int, Variant], Order | None]:
    """The locked cart, its lines and their priced variants; or the order the cart
    already became (double submit). One query in the common case: the lines with the
    cart (locked), the variants and their current prices."""
    if request.cart is None:
        return None, dict(wanted or {}), {}, None
    rows = list(
        CartLine.objects.filter(cart_id=request.cart.pk)
        .select_related("cart", "variant__product__category")
        .annotate(**selectors.price_annotations("variant_id"))
        .select_for_update(of=("cart",))
        .order_by("pk")
    )
    cart = rows[0].cart if rows else Cart.objects.select_for_update().get(pk=request.cart.pk)
    if cart.status == Cart.Status.CONVERTED:
        existing = Order.objects.filter(cart=cart).order_by("-pk").first()
        if existing is not None:
            return cart, {}, {}, existing
    if cart.status != Cart.Status.OPEN:
        raise InvalidTransition(_("This cart is no longer active."), cart_id=cart.pk)
    if not rows:
        raise CartEmpty(_("Your cart is empty."))
    wanted: dict[int, int] = {}
    variants: dict[int, Variant] = {}
    for line in rows:
        wanted[line.variant_id] = wanted.get(line.variant_id, 0) + line.quantity
        variant = line.variant
        variant.price_amount = line.price_amount
        variant.price_compare_at = line.price_compare_at
        variant.price_currency = line.price_currency
        variants[variant.pk] = variant
    return cart, wanted, variants, None


def _priced_variants(
    wanted: Mapping[int, int], loaded: Mapping[int, Variant]
) -> dict[int, Variant]:
    """Every wanted variant, sellable and priced (loaded with the cart, else one query).
    Raises VariantUnavailable."""
    variants = dict(loaded) or {v.pk: v for v in selectors.variants_priced(variant_ids=wanted)}
    for variant_id in wanted:
        variant = variants.get(variant_id)
        if (
            variant is None
            or not variant.is_active
            or not variant.product.is_active
            or variant.price_amount is None
        ):
            message = (
                _("Sorry, %(item)s is no longer available.") % {"item": variant_label(variant)}
                if variant
                else _("Sorry, one of the items is no longer available.")
            )
            raise VariantUnavailable(message, variant_id=variant_id)
    return variants


def _customer_for(request: OrderRequest) -> Customer:
    """The order's customer: the one given; a member's own; else the one customer with
    this email or phone (created if nobody matches), with the member's login attached."""
    if request.customer is not None:
        return request.customer
    contact, user = request.contact, request.user
    member = user if user is not None and getattr(user, "is_authenticated", False) else None
    if member is not None:
        own = Customer.objects.filter(user=member).first()
        if own is not None:
            return own
        # A login joins an existing (guest) customer only once it has verified the address
        # (customers.receivers on allauth's email_confirmed); typing an email at checkout
        # proves nothing, so an unverified login gets a record of its own here.
        login_email = member.email or contact.email
        if login_email:
            return customer_services.customer_link_login(
                user=member, email=login_email, verified=False, language=contact.language
            )
    home_store = (
        request.location
        if request.channel == Channel.STORE and request.location and request.location.is_store
        else None
    )
    return customer_services.customer_resolve(
        email=contact.email or (member.email if member else ""),
        phone=contact.phone,
        first_name=contact.first_name or (member.first_name if member else ""),
        last_name=contact.last_name or (member.last_name if member else ""),
        source=request.channel,
        user=member,
        home_store=home_store,
        language=contact.language,
    )


def _contact_values(request: OrderRequest, customer: Customer) -> tuple[str, str]:
    contact = request.contact
    email = customer_services.normalise_email(contact.email) if contact.email else customer.email
    phone = customer_services.normalise_phone(contact.phone) if contact.phone else customer.phone
    return email or "", phone or ""


def _plan(
    request: OrderRequest,
    address: Mapping[str, str],
    wanted: Mapping[int, int],
    variants,
    now: dt.datetime,
):
    lines = [inventory.Line(v, q) for v, q in wanted.items()]
    try:
        if isinstance(request.fulfilment, ShipTo):
            # Located in the address's own country, by postcode, else by its town.
            return inventory.sourcing_for_shipment(
                lines=lines,
                postcode=address.get("postcode", ""),
                country=address.get("country") or None,
                city=address.get("city", ""),
                region=address.get("region", ""),
                only_location_ids=request.source_location_ids,
            )
        if isinstance(request.fulfilment, PickupAt):
            return inventory.sourcing_for_pickup(
                lines=lines,
                store_id=request.fulfilment.store_id,
                now=now,
                only_location_ids=request.source_location_ids,
            )
    except inventory_errors.InsufficientStock as error:
        raise _stock_error(error, variants, wanted) from None
    return None


def _fulfilments_build(
    request: OrderRequest, order: Order, plan, wanted: Mapping[int, int], now: dt.datetime
) -> list[tuple[Fulfilment, dict[int, int]]]:
    """Unsaved fulfilments with {variant_id: quantity} each."""
    if isinstance(request.fulfilment, ShipTo):
        return [
            (
                Fulfilment(
                    order=order, kind=Fulfilment.Kind.SHIP, location_id=shipment.location_id
                ),
                {line.variant_id: line.quantity for line in shipment.lines},
            )
            for shipment in plan.shipments
        ]
    if isinstance(request.fulfilment, PickupAt):
        return [
            (
                Fulfilment(
                    order=order,
                    kind=Fulfilment.Kind.PICKUP,
                    **(
                        {"location": request.fulfilment.store}
                        if request.fulfilment.store is not None
                        else {"location_id": plan.store_id}
                    ),
                    expected_ready_at=plan.ready_at + pickup_preparation_time(),
                ),
                dict(wanted),
            )
        ]
    return [
        (
            Fulfilment(
                order=order,
                kind=Fulfilment.Kind.CARRY_OUT,
                location=request.location,
                status=Fulfilment.Status.COLLECTED,
                collected_at=now,
            ),
            dict(wanted),
        )
    ]


def _stock_take(request: OrderRequest, order: Order, plan, wanted, variants) -> None:
    """Hold (ship, pickup) or sell (carry-out) the units, through inventory."""
    try:
        if isinstance(request.fulfilment, CarryOut):
            inventory.stock_sell(
                location_id=request.location.pk,
                lines=[inventory.Line(v, q) for v, q in wanted.items()],
                reference=order,
                associate=request.associate,
                actor=f"order {order.number}",
            )
            return
        if isinstance(request.fulfilment, ShipTo):
            inventory.reservations_create(
                lines=plan.reservation_lines(), kind=Reservation.Kind.ORDER, reference=order
            )
            return
        if plan.lines_in_store:
            inventory.reservations_create(
                lines=[
                    inventory.StockLine(line.variant_id, plan.store_id, line.quantity)
                    for line in plan.lines_in_store
                ],
                kind=Reservation.Kind.ORDER,
                reference=order,
            )
        for transfer in plan.transfers:
            inventory.transfer_request(
                source_id=transfer.source_id,
                destination_id=plan.store_id,
                lines=list(transfer.lines),
                expected_at=transfer.expected_at,
                reference=order,
                note=f"For pickup of order {order.number}",
            )
    except inventory_errors.InsufficientStock as error:
        translated = _stock_error(error, variants, wanted)
        if isinstance(request.fulfilment, CarryOut):
            raise translated from None
        raise _HoldLost(translated) from None


def _tax_region(request: OrderRequest, address: Mapping[str, str]) -> str:
    """The state whose sales tax the order pays: the destination's for a delivery, the
    store's for a pickup or an in-store sale (VAT markets do not ask)."""
    if current_market().prices_include_tax:
        return ""
    fulfilment = request.fulfilment
    if isinstance(fulfilment, ShipTo):
        return address.get("region", "")
    if isinstance(fulfilment, PickupAt):
        if fulfilment.store is not None:
            return fulfilment.store.region
        region = Location.objects.filter(pk=fulfilment.store_id).values_list("region", flat=True)
        return region.first() or ""
    return request.location.region if request.location is not None else ""


def _order_place(
    request: OrderRequest,
    *,
    wanted: Mapping[int, int] | None,
    address: dict[str, str],
    card: Card | None,
) -> OrderPlacement:
    now = timezone.now()
    cart, wanted, loaded, existing = _cart_lines(request, wanted)
    if existing is not None:
        return OrderPlacement(order=existing, created=False)
    existing = _existing_external(request.channel, request.external_reference)
    if existing is not None:
        return OrderPlacement(order=existing, created=False)
    variants = _priced_variants(wanted, loaded)
    customer = _customer_for(request)
    email, phone = _contact_values(request, customer)

    # The order is in its prices' currency (the one price book's: the install's today).
    order_currency = next(
        (v.price_currency for v in variants.values() if getattr(v, "price_currency", None)),
        currency(),
    )
    codes = _codes(request, cart)
    totals = order_totals(
        lines=[
            TaxableLine(
                unit_price=to_money(variants[variant_id].price_amount, order_currency),
                quantity=quantity,
                tax_class=variants[variant_id].product.category.tax_class,
                key=variant_id,
                variant_id=variant_id,
                product_id=variants[variant_id].product_id,
                category_id=variants[variant_id].product.category_id,
            )
            for variant_id, quantity in wanted.items()
        ],
        ships=isinstance(request.fulfilment, ShipTo),
        tax_region=_tax_region(request, address),
        channel=request.channel,
        location=_pricing_location(request),
        codes=codes,
        customer=customer_facts(customer),
        manual_discount=request.manual_discount,
        now=now,
    )
    if totals.rejected:
        # A code the shopper counts on no longer applies: say why, place nothing.
        raise promotion_errors.CodeNotApplicable(
            totals.rejected[0].reason, field="code", voucher=totals.rejected[0].code
        )
    order_lines = []
    for variant_id, quantity in wanted.items():
        variant = variants[variant_id]
        priced = totals.line_for(variant_id)
        order_lines.append(
            OrderLine(
                variant=variant,
                product_name=variant.product.name,
                sku=variant.sku,
                size=variant.size,
                colour=variant.colour,
                quantity=quantity,
                unit_price=to_money(variant.price_amount, order_currency),
                line_total=priced.line_total,
                tax_rate=priced.tax_rate,
                tax_amount=priced.tax_amount,
                discount_total=priced.discount,
                is_final_sale=variant.product.is_final_sale,
            )
        )
    plan = _plan(request, address, wanted, variants, now)

    order = Order.objects.create(
        number=order_number_placeholder(),
        customer=customer,
        email=email,
        phone=phone,
        channel=request.channel,
        location=request.location,
        associate=request.associate,
        status=Order.Status.FULFILLED
        if isinstance(request.fulfilment, CarryOut)
        else Order.Status.PLACED,
        currency=order_currency,
        subtotal=totals.subtotal,
        shipping_total=totals.shipping,
        discount_total=totals.discount,
        tax_total=totals.tax,
        prices_include_tax=totals.prices_include_tax,
        shipping_tax=totals.shipping_tax,
        shipping_tax_rate=totals.shipping_tax_rate,
        total=totals.total,
        shipping_address=address,
        cart=cart,
        external_reference=request.external_reference,
        placed_at=now,
    )
    order.number = order_number_for(channel=request.channel, pk=order.pk)
    order.save(update_fields=["number"])

    for line in order_lines:
        line.order = order
    OrderLine.objects.bulk_create(order_lines)
    line_for = {line.variant_id: line for line in order_lines}
    _discounts_record(order, totals, line_for, customer)
    built = _fulfilments_build(request, order, plan, wanted, now)
    Fulfilment.objects.bulk_create([f for f, _ in built])
    carried = isinstance(request.fulfilment, CarryOut)
    FulfilmentLine.objects.bulk_create(
        FulfilmentLine(
            fulfilment=fulfilment,
            order_line=line_for[variant_id],
            quantity=quantity,
            quantity_collected=quantity if carried else 0,
        )
        for fulfilment, quantities in built
        for variant_id, quantity in quantities.items()
    )
    _stock_take(request, order, plan, wanted, variants)

    if cart is not None:
        _cart_convert(cart, request.cart, customer=customer, email=email, now=now)
    _customer_record(
        request, order, customer, [f for f, _ in built], variants, list(wanted.items())
    )
    if email and request.payment.method != METHOD_QR:
        # A QR order is confirmed when its payment arrives (orders.services.qr_payments).
        outbox_record(
            topic="email.order_confirmation",
            payload={"order_id": order.pk},
            dedupe_key=f"email.order_confirmation:orders.order:{order.pk}",
        )
    if request.tax_invoice is not None:
        tax_invoice_issue(order=order, buyer=request.tax_invoice, issued_by=request.associate)
    order_events_record(order=order, event="created")
    # Last: a decline raises here and the transaction takes everything above back.
    payment_take(
        order=order,
        choice=request.payment,
        card=card,
        capture_now=carried,
        location=request.location,
    )
    return OrderPlacement(order=order, created=True)


def _codes(request: OrderRequest, cart: Cart | None) -> tuple[str, ...]:
    codes = list(request.codes)
    if cart is not None and cart.voucher_code:
        codes.append(cart.voucher_code)
    return tuple(dict.fromkeys(c.strip().upper() for c in codes))


def _pricing_location(request: OrderRequest) -> Location | None:
    """Where the promotions' store and date window are read: the store the sale is made
    in, else the pickup store when at hand; online, none (the market's clock)."""
    if request.location is not None:
        return request.location
    if isinstance(request.fulfilment, PickupAt):
        return request.fulfilment.store
    return None


def _discounts_record(order: Order, totals, line_for: Mapping[int, OrderLine], customer) -> None:
    """Each line's discounts (and a waived shipping) as OrderLineDiscount rows, and the
    promotions' use counted (a code's last use goes to one order: VoucherExhausted
    rolls this order back)."""
    rows = [
        OrderLineDiscount(
            order=order,
            line=line_for[priced.key],
            promotion_id=d.promotion_id,
            voucher_id=d.voucher_id,
            code=d.code,
            label=d.label,
            amount=d.amount,
        )
        for priced in totals.lines
        for d in priced.discounts
    ]
    shipping = next((a for a in totals.applied if a.free_shipping), None)
    if shipping is not None and totals.shipping_discount:
        rows.append(
            OrderLineDiscount(
                order=order,
                promotion_id=shipping.promotion_id,
                voucher_id=shipping.voucher_id,
                code=shipping.code,
                label=shipping.label,
                amount=totals.shipping_discount,
            )
        )
    if not rows:
        return
    OrderLineDiscount.objects.bulk_create(rows)
    redemptions_record(
        applied=[a for a in totals.applied if a.promotion_id],
        order_id=order.pk,
        order_number=order.number,
        customer=customer,
        order_total=order.total,
        currency=order.currency,
    )


def _cart_convert(
    cart: Cart, callers_cart: Cart | None, *, customer: Customer, email: str, now
) -> None:
    values = {
        "status": Cart.Status.CONVERTED,
        "converted_at": now,
        "recovery_due_at": None,
        "last_activity_at": now,
        "customer_id": customer.pk,
        "email": cart.email or email,
    }
    Cart.objects.filter(pk=cart.pk).update(**values, updated_at=now)
    for target in (cart, callers_cart):
        if target is not None:
            for name, value in values.items():
                setattr(target, name, value)


def _customer_record(
    request: OrderRequest,
    order: Order,
    customer: Customer,
    fulfilments: list[Fulfilment],
    variants: Mapping[int, Variant],
    variants_quantities: Sequence[tuple[int, int]],
) -> None:
    """The order on the customer's timeline, loyalty points, sizes, consent."""
    count = sum(quantity for _, quantity in variants_quantities)
    first = fulfilments[0]
    where = request.location
    placed = {
        "number": order.number,
        "count": count,
        "total": money_param(order.total, order.currency),
        "location": first.location.name,
    }
    summary = stored_text.text(_PLACED_KEYS.get(first.kind, "order.placed"), **placed)
    if first.kind == Fulfilment.Kind.PICKUP:
        where = where or first.location
    customer_services.interaction_record(
        customer=customer,
        kind=InteractionModel.Kind.ORDER,
        channel=request.channel,
        summary=summary,
        subject=order,
        location=where,
        associate=request.associate,
        detail={
            "number": order.number,
            "total": str(order.total),
            "fulfilment": first.kind,
            "status": order.status,
        },
    )
    points = int(order.subtotal - order.discount_total)
    if points > 0:
        customer_services.loyalty_add(
            customer=customer,
            points=points,
            reason=LoyaltyEntry.Reason.PURCHASE,
            reference=order,
            location=request.location,
            note=f"Order {order.number}",
        )
    if hasattr(customer_services, "sizes_learn_from_purchase"):
        # After commit, through the outbox: it locks the customer row and is not needed
        # for the order to stand, so it stays out of checkout's transaction.
        outbox_record(
            topic=SIZES_TOPIC,
            payload={"order_id": order.pk},
            dedupe_key=f"{SIZES_TOPIC}:orders.order:{order.pk}",
        )
    if request.marketing_email_opt_in:
        customer_services.consent_set(
            customer=customer,
            channel=ContactChannel.EMAIL,
            state=ConsentState.MARKETING,
            source=request.channel,
            associate=request.associate,
            location=request.location,
        )
    # Texts need a number to go to: the opt-in without one would be a consent for nothing.
    if request.marketing_sms_opt_in and (customer.phone or request.contact.phone):
        customer_services.consent_set(
            customer=customer,
            channel=ContactChannel.SMS,
            state=ConsentState.MARKETING,
            source=request.channel,
            associate=request.associate,
            location=request.location,
        )


SIZES_TOPIC = "sizes.learn_from_order"


def order_sizes_learn(payload: dict) -> None:
    """Outbox handler for ``sizes.learn_from_order`` {"order_id"}: the customer's sizes
    learned from what the order bought (``customers.services.sizes_learn_from_purchase``;
    a size set by hand is never overwritten)."""
    learn = getattr(customer_services, "sizes_learn_from_purchase", None)
    order = Order.objects.select_related("customer").filter(pk=payload["order_id"]).first()
    if learn is None or order is None:
        return
    variants = [line.variant for line in order.lines.select_related("variant").order_by("pk")]
    learn(customer=order.customer, variants=variants, source_channel=order.channel)
