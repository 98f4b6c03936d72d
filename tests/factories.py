"""One factory per model, for every test in the project.

Factories build valid rows with the fewest required relations; pass what a test cares
about. Stock and ledgers made here bypass inventory.services on purpose (fixtures), and
keep the ledger true: ``StockFactory`` writes the opening StockMovement for its on-hand.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from factory.django import DjangoModelFactory

from catalog.models import Category, Price, Product, ProductImage, Variant
from customers.models import (
    Channel,
    Consent,
    ConsentChange,
    ConsentState,
    ContactChannel,
    Customer,
    CustomerAccessLog,
    CustomerIdentity,
    CustomerNote,
    FollowUpTask,
    Interaction,
    List,
    ListItem,
    LoyaltyEntry,
    RecentlyViewedCategory,
    RecentlyViewedProduct,
    SizePreference,
    StoreCreditEntry,
)
from inventory.models import (
    NearestAvailability,
    Reservation,
    Stock,
    StockMovement,
    Transfer,
    TransferLine,
)
from omni.models import (
    ApiKey,
    EmailLog,
    Heartbeat,
    IdempotencyRecord,
    OutboxMessage,
    WebhookDelivery,
    WebhookSubscription,
)
from orders.models import (
    Cart,
    CartLine,
    CartRecoveryStep,
    Fulfilment,
    FulfilmentLine,
    Order,
    OrderLine,
    OrderLineDiscount,
    Payment,
    Refund,
    TaxInvoice,
    TaxInvoiceCounter,
)
from promotions.models import Promotion, Redemption, Voucher, VoucherBatch
from returns.models import Return, ReturnLine
from stores.models import Associate, Location, LocationDistance

User = get_user_model()


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("pass-word-123")


class SuperUserFactory(UserFactory):
    is_staff = True
    is_superuser = True


# --- stores ---------------------------------------------------------------------------


class LocationFactory(DjangoModelFactory):
    class Meta:
        model = Location

    code = factory.Sequence(lambda n: f"LOC{n:03d}")
    name = factory.Sequence(lambda n: f"Store {n}")
    kind = Location.Kind.STORE
    address_line1 = factory.Sequence(lambda n: f"{n} Main Street")
    city = "Springfield"
    region = "IL"
    postcode = "62701"
    latitude = Decimal("39.799900")
    longitude = Decimal("-89.643800")
    timezone = "America/Chicago"
    opening_hours = factory.LazyFunction(
        lambda: (
            {d: [["09:00", "19:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat")}
            | {"sun": [["11:00", "17:00"]]}
        )
    )
    offers_pickup = True
    accepts_returns = True
    ships_online_orders = False


class WarehouseFactory(LocationFactory):
    kind = Location.Kind.WAREHOUSE
    name = factory.Sequence(lambda n: f"Warehouse {n}")
    offers_pickup = False
    accepts_returns = False
    ships_online_orders = True
    opening_hours = factory.LazyFunction(dict)


class LocationDistanceFactory(DjangoModelFactory):
    class Meta:
        model = LocationDistance

    origin = factory.SubFactory(LocationFactory)
    destination = factory.SubFactory(LocationFactory)
    distance_km = Decimal("10.00")


class AssociateFactory(DjangoModelFactory):
    class Meta:
        model = Associate
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    display_name = factory.LazyAttribute(lambda o: o.user.first_name or o.user.username)
    home_location = factory.SubFactory(LocationFactory)
    role = Associate.Role.ASSOCIATE

    @factory.post_generation
    def locations(self, create, extracted, **kwargs):
        if not create:
            return
        self.locations.add(self.home_location, *(extracted or []))


# --- catalog --------------------------------------------------------------------------


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    size_group = Category.SizeGroup.TOPS


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    category = factory.SubFactory(CategoryFactory)
    brand = "Omni Basics"
    description = "A wardrobe staple."


class ProductImageFactory(DjangoModelFactory):
    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    image = factory.Sequence(lambda n: f"products/image-{n}.svg")
    alt_text = factory.LazyAttribute(lambda o: o.product.name)


class VariantFactory(DjangoModelFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:06d}")
    barcode = factory.Sequence(lambda n: f"{400000000000 + n:012d}")
    size = "M"
    colour = "Navy"
    colour_hex = "#1f2a44"


class PriceFactory(DjangoModelFactory):
    class Meta:
        model = Price

    variant = factory.SubFactory(VariantFactory)
    amount = Decimal("49.00")
    # The model's default: the install's currency (a test overriding the market gets its).
    valid_from = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=30))


# --- customers ------------------------------------------------------------------------


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    phone = factory.Sequence(lambda n: f"+1212555{n % 10000:04d}")
    loyalty_number = factory.Sequence(lambda n: f"L{n:09d}")


class CustomerIdentityFactory(DjangoModelFactory):
    class Meta:
        model = CustomerIdentity

    customer = factory.SubFactory(CustomerFactory)
    kind = CustomerIdentity.Kind.EMAIL
    value = factory.Sequence(lambda n: f"identity{n}@example.com")
    is_verified = True


class ConsentFactory(DjangoModelFactory):
    class Meta:
        model = Consent
        django_get_or_create = ("customer", "channel")

    customer = factory.SubFactory(CustomerFactory)
    channel = ContactChannel.EMAIL
    state = ConsentState.MARKETING
    source = Channel.WEB


class ConsentChangeFactory(DjangoModelFactory):
    class Meta:
        model = ConsentChange

    customer = factory.SubFactory(CustomerFactory)
    channel = ContactChannel.EMAIL
    state = ConsentState.MARKETING
    source = Channel.WEB


class SizePreferenceFactory(DjangoModelFactory):
    class Meta:
        model = SizePreference

    customer = factory.SubFactory(CustomerFactory)
    size_group = Category.SizeGroup.TOPS
    size = "M"


class RecentlyViewedProductFactory(DjangoModelFactory):
    class Meta:
        model = RecentlyViewedProduct

    customer = factory.SubFactory(CustomerFactory)
    product = factory.SubFactory(ProductFactory)


class RecentlyViewedCategoryFactory(DjangoModelFactory):
    class Meta:
        model = RecentlyViewedCategory

    customer = factory.SubFactory(CustomerFactory)
    category = factory.SubFactory(CategoryFactory)


class InteractionFactory(DjangoModelFactory):
    class Meta:
        model = Interaction

    customer = factory.SubFactory(CustomerFactory)
    kind = Interaction.Kind.STORE_VISIT
    channel = Channel.STORE
    summary = "Visited the store"


class CustomerNoteFactory(DjangoModelFactory):
    class Meta:
        model = CustomerNote

    customer = factory.SubFactory(CustomerFactory)
    author = factory.SubFactory(AssociateFactory)
    body = "Prefers slim fits; ask about the new linen range."


class FollowUpTaskFactory(DjangoModelFactory):
    class Meta:
        model = FollowUpTask

    customer = factory.SubFactory(CustomerFactory)
    location = factory.SubFactory(LocationFactory)
    reason = "Call when the blazer is back in size 38"
    due_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=1))


class CustomerAccessLogFactory(DjangoModelFactory):
    class Meta:
        model = CustomerAccessLog

    customer = factory.SubFactory(CustomerFactory)
    user = factory.SubFactory(UserFactory)


class ListFactory(DjangoModelFactory):
    class Meta:
        model = List

    customer = factory.SubFactory(CustomerFactory)
    name = "Autumn wishlist"


class ListItemFactory(DjangoModelFactory):
    class Meta:
        model = ListItem

    list = factory.SubFactory(ListFactory)
    variant = factory.SubFactory(VariantFactory)
    product = factory.LazyAttribute(lambda o: o.variant.product)


class LoyaltyEntryFactory(DjangoModelFactory):
    class Meta:
        model = LoyaltyEntry

    customer = factory.SubFactory(CustomerFactory)
    points = 50
    reason = LoyaltyEntry.Reason.PURCHASE


class StoreCreditEntryFactory(DjangoModelFactory):
    class Meta:
        model = StoreCreditEntry

    customer = factory.SubFactory(CustomerFactory)
    amount = Decimal("25.00")
    reason = StoreCreditEntry.Reason.GOODWILL


# --- inventory ------------------------------------------------------------------------


class StockFactory(DjangoModelFactory):
    class Meta:
        model = Stock
        skip_postgeneration_save = True

    variant = factory.SubFactory(VariantFactory)
    location = factory.SubFactory(LocationFactory)
    on_hand = 10
    reserved = 0

    @factory.post_generation
    def opening_movement(self, create, extracted, **kwargs):
        # Keep the ledger invariant (movements sum to on-hand) true for fixtures too.
        if create and self.on_hand:
            StockMovement.objects.create(
                variant=self.variant,
                location=self.location,
                delta=self.on_hand,
                on_hand_after=self.on_hand,
                reason=StockMovement.Reason.INITIAL,
            )


class StockMovementFactory(DjangoModelFactory):
    class Meta:
        model = StockMovement

    variant = factory.SubFactory(VariantFactory)
    location = factory.SubFactory(LocationFactory)
    delta = 5
    on_hand_after = 5
    reason = StockMovement.Reason.RECEIVE


class ReservationFactory(DjangoModelFactory):
    class Meta:
        model = Reservation

    stock = factory.SubFactory(StockFactory, reserved=1)
    quantity = 1
    kind = Reservation.Kind.CART
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(minutes=30))


class TransferFactory(DjangoModelFactory):
    class Meta:
        model = Transfer

    source = factory.SubFactory(WarehouseFactory)
    destination = factory.SubFactory(LocationFactory)
    expected_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=2))


class TransferLineFactory(DjangoModelFactory):
    class Meta:
        model = TransferLine

    transfer = factory.SubFactory(TransferFactory)
    variant = factory.SubFactory(VariantFactory)
    quantity = 2


class NearestAvailabilityFactory(DjangoModelFactory):
    class Meta:
        model = NearestAvailability

    variant = factory.SubFactory(VariantFactory)
    product = factory.LazyAttribute(lambda o: o.variant.product)
    store = factory.SubFactory(LocationFactory)
    source_location = factory.LazyAttribute(lambda o: o.store)
    rank = 1
    quantity = 3
    distance_km = Decimal("0.00")


# --- orders ---------------------------------------------------------------------------


class CartFactory(DjangoModelFactory):
    class Meta:
        model = Cart

    customer = factory.SubFactory(CustomerFactory)
    email = factory.LazyAttribute(lambda o: o.customer.email if o.customer else "")


class CartLineFactory(DjangoModelFactory):
    class Meta:
        model = CartLine

    cart = factory.SubFactory(CartFactory)
    variant = factory.SubFactory(VariantFactory)
    quantity = 1


class CartRecoveryStepFactory(DjangoModelFactory):
    class Meta:
        model = CartRecoveryStep

    cart = factory.SubFactory(CartFactory)
    stage = 1
    emailed = True
    subtotal = Decimal("49.00")


class OrderFactory(DjangoModelFactory):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"W{100000 + n}")
    customer = factory.SubFactory(CustomerFactory)
    email = factory.LazyAttribute(lambda o: o.customer.email)
    channel = Channel.WEB
    subtotal = Decimal("49.00")
    total = Decimal("49.00")


class OrderLineFactory(DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    variant = factory.SubFactory(VariantFactory)
    product_name = factory.LazyAttribute(lambda o: o.variant.product.name)
    sku = factory.LazyAttribute(lambda o: o.variant.sku)
    size = factory.LazyAttribute(lambda o: o.variant.size)
    colour = factory.LazyAttribute(lambda o: o.variant.colour)
    quantity = 1
    unit_price = Decimal("49.00")
    line_total = factory.LazyAttribute(lambda o: o.unit_price * o.quantity)


class PromotionFactory(DjangoModelFactory):
    class Meta:
        model = Promotion

    name = factory.Sequence(lambda n: f"Offer {n}")
    benefit = Promotion.Benefit.PERCENT_OFF
    value = Decimal("10")


class VoucherBatchFactory(DjangoModelFactory):
    class Meta:
        model = VoucherBatch

    promotion = factory.SubFactory(PromotionFactory, trigger=Promotion.Trigger.CODE)
    name = factory.Sequence(lambda n: f"Batch {n}")


class VoucherFactory(DjangoModelFactory):
    class Meta:
        model = Voucher

    promotion = factory.SubFactory(PromotionFactory, trigger=Promotion.Trigger.CODE)
    code = factory.Sequence(lambda n: f"CODE{n:05d}")


class RedemptionFactory(DjangoModelFactory):
    class Meta:
        model = Redemption

    promotion = factory.SubFactory(PromotionFactory)
    order_id = factory.Sequence(lambda n: n + 1)
    order_number = factory.Sequence(lambda n: f"W{200000 + n}")
    discount = Decimal("4.90")
    order_total = Decimal("44.10")


class OrderLineDiscountFactory(DjangoModelFactory):
    class Meta:
        model = OrderLineDiscount

    line = factory.SubFactory(OrderLineFactory)
    order = factory.SelfAttribute("line.order")
    promotion = factory.SubFactory(PromotionFactory)
    label = "10% off"
    amount = Decimal("4.90")


class FulfilmentFactory(DjangoModelFactory):
    class Meta:
        model = Fulfilment

    order = factory.SubFactory(OrderFactory)
    kind = Fulfilment.Kind.PICKUP
    location = factory.SubFactory(LocationFactory)


class FulfilmentLineFactory(DjangoModelFactory):
    class Meta:
        model = FulfilmentLine

    fulfilment = factory.SubFactory(FulfilmentFactory)
    order_line = factory.SubFactory(
        OrderLineFactory, order=factory.SelfAttribute("..fulfilment.order")
    )
    quantity = factory.LazyAttribute(lambda o: o.order_line.quantity)


class PaymentFactory(DjangoModelFactory):
    class Meta:
        model = Payment

    order = factory.SubFactory(OrderFactory)
    provider = Payment.Provider.TEST
    status = Payment.Status.CAPTURED
    amount = factory.LazyAttribute(lambda o: o.order.total)
    currency = factory.LazyAttribute(lambda o: o.order.currency)
    card_last4 = "4242"


class RefundFactory(DjangoModelFactory):
    class Meta:
        model = Refund

    payment = factory.SubFactory(PaymentFactory)
    amount = Decimal("10.00")
    status = Refund.Status.SUCCEEDED


class TaxInvoiceCounterFactory(DjangoModelFactory):
    class Meta:
        model = TaxInvoiceCounter

    name = factory.Sequence(lambda n: f"sequence-{n}")
    last_number = 0


class TaxInvoiceFactory(DjangoModelFactory):
    class Meta:
        model = TaxInvoice

    order = factory.SubFactory(OrderFactory)
    number = factory.Sequence(lambda n: 900000 + n)
    buyer_name = "Jaidee Trading Co., Ltd."
    buyer_address = "99 Sukhumvit Rd, Bangkok 10110"
    buyer_tax_id = "0105553123452"


# --- returns --------------------------------------------------------------------------


class ReturnFactory(DjangoModelFactory):
    class Meta:
        model = Return

    number = factory.Sequence(lambda n: f"R{100000 + n}")
    order = factory.SubFactory(OrderFactory)
    customer = factory.LazyAttribute(lambda o: o.order.customer)
    currency = factory.LazyAttribute(lambda o: o.order.currency)
    location = factory.SubFactory(LocationFactory)


class ReturnLineFactory(DjangoModelFactory):
    class Meta:
        model = ReturnLine

    return_request = factory.SubFactory(ReturnFactory)
    order_line = factory.SubFactory(
        OrderLineFactory, order=factory.SelfAttribute("..return_request.order")
    )
    quantity = 1
    reason = ReturnLine.Reason.TOO_SMALL


# --- omni -----------------------------------------------------------------------------


class OutboxMessageFactory(DjangoModelFactory):
    class Meta:
        model = OutboxMessage

    topic = "email.order_confirmation"
    dedupe_key = factory.Sequence(lambda n: f"email.order_confirmation:orders.order:{n}")
    payload = factory.LazyFunction(lambda: {"order_id": 1})


class EmailLogFactory(DjangoModelFactory):
    class Meta:
        model = EmailLog

    kind = "order_confirmation"
    object_type = "orders.order"
    object_id = factory.Sequence(str)
    to = factory.Sequence(lambda n: f"shopper{n}@example.com")
    subject = "Your order"


class HeartbeatFactory(DjangoModelFactory):
    class Meta:
        model = Heartbeat

    name = factory.Sequence(lambda n: f"worker-{n}")
    at = factory.LazyFunction(timezone.now)
    detail = "worker-host"


class ApiKeyFactory(DjangoModelFactory):
    """A key row; the raw key is not recoverable from it (tests/api has a fixture that
    issues real keys through the API key service)."""

    class Meta:
        model = ApiKey

    name = factory.Sequence(lambda n: f"Integration {n}")
    prefix = factory.Sequence(lambda n: f"pfx{n:08d}")
    hashed_key = factory.Sequence(lambda n: f"{n:064x}")
    scopes = factory.LazyFunction(lambda: ["catalog:read"])


class IdempotencyRecordFactory(DjangoModelFactory):
    class Meta:
        model = IdempotencyRecord

    owner = factory.Sequence(lambda n: f"key:{n}")
    key = factory.Sequence(lambda n: f"idem-{n}")
    method = "POST"
    path = "/api/v1/orders/"
    request_hash = factory.Sequence(lambda n: f"{n:064x}")
    response_status = 201
    response_body = factory.LazyFunction(lambda: {"number": "W0000001"})


class WebhookSubscriptionFactory(DjangoModelFactory):
    class Meta:
        model = WebhookSubscription

    url = factory.Sequence(lambda n: f"https://hooks.example.com/{n}")
    events = factory.LazyFunction(lambda: ["order.created"])
    secret = factory.Sequence(lambda n: f"whsec_{n:032d}")


class WebhookDeliveryFactory(DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    subscription = factory.SubFactory(WebhookSubscriptionFactory)
    event = "order.created"
    event_id = factory.Sequence(lambda n: f"evt_{n}")
    payload = factory.LazyFunction(lambda: {"number": "W0000001"})
    status = WebhookDelivery.Status.SUCCEEDED
    response_status = 200
