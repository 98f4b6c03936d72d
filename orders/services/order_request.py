"""What a checkout is asked for: ``OrderRequest``, the one input of ``order_place`` —
who (``Contact``), how it reaches them (``ShipTo``, ``PickupAt``, ``CarryOut``), how it
is paid — and the checks made before anything is written."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from customers.models import Channel, Customer
from omni.addresses import ADDRESS_KEYS, AddressInvalid, address_normalise
from orders.errors import (
    CartEmpty,
    CheckoutInvalid,
    InvalidQuantity,
)
from orders.models import Cart
from orders.services.numbers import (
    ORDER_CHANNELS,
)
from orders.services.payments import (
    METHOD_COD,
    METHOD_PAY_IN_STORE,
    METHOD_QR,
    METHOD_TENDERED,
    METHOD_TENDERS_ONLY,
    Card,
    PaymentChoice,
    payment_choice_validate,
)
from orders.services.tax_invoices import TaxInvoiceBuyer
from orders.services.tenders import Tender, tenders_validate
from orders.services.totals import ManualDiscount
from stores.models import Associate, Location


@dataclass(frozen=True)
class Contact:
    """Who the order is for, as typed at checkout or told to an associate."""

    email: str = ""
    phone: str = ""
    first_name: str = ""
    last_name: str = ""
    # The language a new customer reads (the storefront's active one); blank: the
    # shop's default. An existing customer keeps theirs.
    language: str = ""


@dataclass(frozen=True)
class ShipTo:
    """Deliver to an address: name, line1, line2, area, city, region, postcode, country
    (omni.addresses: what each is called in the country)."""

    address: Mapping[str, str]


@dataclass(frozen=True)
class PickupAt:
    """Collect at a store that offers pickup: ``PickupAt(store_id)``, or
    ``PickupAt(store=location)`` when the Location is at hand (saves a query)."""

    store_id: int | None = None
    store: Location | None = None

    def __post_init__(self) -> None:
        if isinstance(self.store_id, Location):  # PickupAt(location), positionally
            object.__setattr__(self, "store", self.store_id)
            object.__setattr__(self, "store_id", None)
        if self.store_id is None and self.store is not None:
            object.__setattr__(self, "store_id", self.store.pk)
        if self.store_id is None:
            raise CheckoutInvalid(_("Choose the store to pick up from."), field="store")


@dataclass(frozen=True)
class CarryOut:
    """Taken home now from the store the sale is made in (channel ``store``)."""


FulfilmentChoice = ShipTo | PickupAt | CarryOut


@dataclass(frozen=True)
class OrderRequest:
    """Everything ``order_place`` is asked for, in one value; build it with the
    constructor of the surface placing the order (``web``, ``store_sale``, ``api``), or
    directly for anything else.

    Exactly one of ``cart`` and ``lines`` ((variant_id, quantity) pairs). For a
    ``customer``, or a ``contact`` resolved to the one customer with that email or phone
    (``user``, a signed-in shopper, is attached). ``fulfilment``: ``ShipTo(address)``,
    ``PickupAt(store)`` (the pickup choice of every surface), ``CarryOut()`` (in-store
    sales only); ``payment``: ``PaymentChoice.card(...)``, ``.pay_in_store()``,
    ``.store_credit()``, ``.external(reference=...)``, ``.qr()`` (ship or pickup),
    ``.cash_on_delivery()`` (ship). In-store orders name the store as
    ``location`` and the ``associate`` who helped (attribution). ``external_reference``:
    an integration's own id, unique per channel (a retry gets the order it made).
    ``source_location_ids``: an integration bound to some stores ships, and transfers
    pickups in, only from those."""

    fulfilment: FulfilmentChoice
    payment: PaymentChoice
    lines: tuple[tuple[int, int], ...] | None = None
    cart: Cart | None = None
    customer: Customer | None = None
    contact: Contact | None = None
    channel: str = Channel.WEB
    location: Location | None = None
    associate: Associate | None = None
    marketing_email_opt_in: bool = False
    marketing_sms_opt_in: bool = False
    user: Any = None
    external_reference: str = ""
    source_location_ids: frozenset[int] | None = None
    # A full tax invoice asked for with the order (orders.services.tax_invoices).
    tax_invoice: TaxInvoiceBuyer | None = None
    # Discount codes typed (a cart's own code is added); a hand-given POS discount.
    codes: tuple[str, ...] = ()
    manual_discount: ManualDiscount | None = None
    # Gift cards, points, store credit, cards paying first (orders.services.tenders);
    # ``payment`` pays what they leave (``PaymentChoice.tenders_only()``: nothing).
    tenders: tuple[Tender, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "codes", tuple(c for c in self.codes if c and c.strip()))
        object.__setattr__(self, "tenders", tuple(self.tenders or ()))
        if self.lines is not None:  # (variant_id, quantity) pairs, however they came
            object.__setattr__(self, "lines", tuple(tuple(line) for line in self.lines))
        if self.contact is None:
            object.__setattr__(self, "contact", Contact())
        ids = self.source_location_ids
        if ids is not None and not isinstance(ids, frozenset):
            object.__setattr__(self, "source_location_ids", frozenset(ids))

    @classmethod
    def web(
        cls,
        *,
        cart: Cart,
        fulfilment: FulfilmentChoice,
        payment: PaymentChoice,
        customer: Customer | None = None,
        contact: Contact | None = None,
        user: Any = None,
        marketing_email_opt_in: bool = False,
        marketing_sms_opt_in: bool = False,
        tax_invoice: TaxInvoiceBuyer | None = None,
        tenders: Sequence[Tender] = (),
    ) -> OrderRequest:
        """The storefront's checkout of the shopper's cart, shipped or picked up."""
        return cls(
            cart=cart,
            fulfilment=fulfilment,
            payment=payment,
            customer=customer,
            contact=contact,
            user=user,
            marketing_email_opt_in=marketing_email_opt_in,
            marketing_sms_opt_in=marketing_sms_opt_in,
            tax_invoice=tax_invoice,
            tenders=tuple(tenders),
        )

    @classmethod
    def store_sale(
        cls,
        *,
        location: Location,
        associate: Associate | None,
        lines: Sequence[tuple[int, int]],
        payment: PaymentChoice,
        fulfilment: FulfilmentChoice | None = None,
        customer: Customer | None = None,
        contact: Contact | None = None,
        codes: Sequence[str] = (),
        manual_discount: ManualDiscount | None = None,
        tenders: Sequence[Tender] = (),
    ) -> OrderRequest:
        """An order an associate makes at ``location`` (channel ``store``): taken home now
        (``CarryOut``, the default), or shipped / picked up (the endless aisle, an exchange
        whose replacements are not on the shelf here)."""
        return cls(
            channel=Channel.STORE,
            location=location,
            associate=associate,
            lines=lines,
            payment=payment,
            fulfilment=fulfilment if fulfilment is not None else CarryOut(),
            customer=customer,
            contact=contact,
            codes=tuple(codes),
            manual_discount=manual_discount,
            tenders=tuple(tenders),
        )

    @classmethod
    def api(
        cls,
        *,
        channel: str,
        lines: Sequence[tuple[int, int]],
        fulfilment: FulfilmentChoice,
        payment: PaymentChoice,
        external_reference: str,
        customer: Customer | None = None,
        contact: Contact | None = None,
        location: Location | None = None,
        associate: Associate | None = None,
        marketing_email_opt_in: bool = False,
        source_location_ids: Collection[int] | None = None,
        codes: Sequence[str] = (),
        manual_discount: ManualDiscount | None = None,
        tenders: Sequence[Tender] = (),
    ) -> OrderRequest:
        """An integration's order (a POS sale, a marketplace) through the API: in its
        ``channel``, under its own ``external_reference``, from the locations its key is
        bound to (``source_location_ids``; None: any)."""
        return cls(
            channel=channel,
            lines=lines,
            fulfilment=fulfilment,
            payment=payment,
            external_reference=external_reference,
            customer=customer,
            contact=contact,
            location=location,
            associate=associate,
            marketing_email_opt_in=marketing_email_opt_in,
            source_location_ids=source_location_ids,
            codes=tuple(codes),
            manual_discount=manual_discount,
            tenders=tuple(tenders),
        )


ADDRESS_FIELDS = ADDRESS_KEYS


def _address_clean(address: Mapping[str, str]) -> dict[str, str]:
    """The delivery address checked for its country (omni.addresses: its parts, required
    ones, postcode rule; the market's country when it names none). Raises CheckoutInvalid
    for the first field wrong, with every field's message in ``errors``."""
    try:
        return address_normalise(address, postcode_in_region=False)
    except AddressInvalid as exc:
        field, message = next(iter(exc.errors.items()))
        raise CheckoutInvalid(message, field=field, errors=exc.errors) from None


def _lines_clean(lines: Sequence[tuple[int, int]]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for raw in lines:
        variant_id, quantity = raw
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise InvalidQuantity(_("Each quantity must be a whole number of at least 1."))
        merged[int(variant_id)] = merged.get(int(variant_id), 0) + quantity
    if not merged:
        raise CartEmpty(_("There is nothing to check out."))
    return merged


def _validate(request: OrderRequest) -> Card | None:
    """The checks that need no query; the card, when paid by card."""
    channel, fulfilment, location = request.channel, request.fulfilment, request.location
    if channel not in ORDER_CHANNELS:
        raise CheckoutInvalid(_("Orders cannot be placed in this channel."), field="channel")
    if (request.lines is None) == (request.cart is None):
        raise CheckoutInvalid(_("Check out either a cart or a list of lines."), field="lines")
    if channel == Channel.STORE and location is None:
        raise CheckoutInvalid(
            _("An in-store sale needs the store it is made in."), field="location"
        )
    if isinstance(fulfilment, CarryOut):
        if channel != Channel.STORE or location is None or not location.is_store:
            raise CheckoutInvalid(
                _("Only an in-store sale can be taken home now."), field="fulfilment"
            )
    elif not isinstance(fulfilment, ShipTo | PickupAt):
        raise CheckoutInvalid(_("Choose delivery or pickup."), field="fulfilment")
    if request.payment.method == METHOD_PAY_IN_STORE and isinstance(fulfilment, ShipTo):
        raise CheckoutInvalid(_("Pay in store is for pickups and in-store sales."), field="payment")
    if request.payment.method == METHOD_COD and not isinstance(fulfilment, ShipTo):
        raise CheckoutInvalid(_("Cash on delivery is only for deliveries."), field="payment")
    if request.payment.method == METHOD_QR and isinstance(fulfilment, CarryOut):
        # A sale taken home now is paid before it leaves: the till records it as external.
        raise CheckoutInvalid(
            _("A QR payment is for deliveries and pickups; at the till, record it as paid."),
            field="payment",
        )
    if request.tenders:
        tenders_validate(request.tenders)
    elif request.payment.method == METHOD_TENDERS_ONLY:
        raise CheckoutInvalid(_("Choose how to pay."), field="payment")
    if request.payment.method == METHOD_TENDERED and not isinstance(fulfilment, CarryOut):
        raise CheckoutInvalid(
            _("Tenders are taken at the till, for a sale taken home now."), field="payment"
        )
    if len(request.external_reference) > 80:
        raise CheckoutInvalid(_("The external reference is too long."), field="external_reference")
    return payment_choice_validate(request.payment)
