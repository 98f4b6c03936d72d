"""The merchandisers' admin: every page renders, changelists and change pages cost the same
queries for 2 rows as for 12, actions and streamed exports work, ledgers stay read-only,
and search finds customers, variants and orders by what people type."""

import csv
import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from factory.django import DjangoModelFactory

from catalog.models import Category, Product, Variant
from customers.models import (
    Consent,
    ConsentChange,
    ConsentState,
    ContactChannel,
    CustomerAccessLog,
    Interaction,
    LoyaltyEntry,
    StoreCreditEntry,
)
from inventory.models import Stock, StockMovement
from omni.models import EmailLog
from tests import factories as f

pytestmark = pytest.mark.django_db

OUR_APPS = {
    "omni",
    "catalog",
    "stores",
    "customers",
    "inventory",
    "orders",
    "returns",
    "promotions",
}


def _factory_per_model():
    # In definition order, so the plain factory wins over its variants (Location, not
    # Warehouse; User, not SuperUser).
    found = {}
    for value in vars(f).values():
        is_factory = isinstance(value, type) and issubclass(value, DjangoModelFactory)
        if is_factory and value._meta.model is not None:
            found.setdefault(value._meta.model, value)
    return found


FACTORIES = _factory_per_model()
REGISTERED = sorted(
    (m for m in admin.site._registry if m._meta.app_label in OUR_APPS),
    key=lambda m: m._meta.label,
)
LEDGERS = [
    StockMovement,
    LoyaltyEntry,
    StoreCreditEntry,
    ConsentChange,
    CustomerAccessLog,
    EmailLog,
]


def label(model) -> str:
    return model._meta.label


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def count_queries(client, url: str) -> tuple[int, list[str], object]:
    client.get(url)  # warm per-process caches (content types, session) before counting
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), [q["sql"] for q in queries.captured_queries], response


def csv_rows(response) -> list[list[str]]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


class _ChangeForm(HTMLParser):
    """What a browser submits from the admin's change form, unchanged."""

    def __init__(self):
        super().__init__()
        self.data = defaultdict(list)
        self._in_form = False
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data[name].append(a.get("value", "on" if a.get("type") == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.data[self._textarea].append(self._text.removeprefix("\n"))
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def change_form_data(client, url: str) -> dict[str, list[str]]:
    parser = _ChangeForm()
    parser.feed(client.get(url).content.decode())
    return dict(parser.data) | {"_save": ["Save"]}


# --- every model is there and every page renders ---------------------------------------------


def test_every_model_of_our_apps_is_registered():
    ours = {m for m in apps.get_models() if m._meta.app_label in OUR_APPS}
    assert ours - set(admin.site._registry) == set()


def test_site_is_branded_for_merchandisers(admin_client):
    assert "Omni merchandising" in admin_client.get(reverse("admin:index")).content.decode()


@pytest.mark.parametrize("model", REGISTERED, ids=label)
def test_changelist_add_and_change_pages_render(admin_client, superuser, model):
    obj = FACTORIES[model]()
    request = RequestFactory().get("/")
    request.user = superuser
    can_add = admin.site._registry[model].has_add_permission(request)

    assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    assert admin_client.get(admin_url(model, "add")).status_code == (200 if can_add else 403)
    assert admin_client.get(admin_url(model, "change", obj.pk)).status_code == 200


# --- query counts do not grow with rows ---------------------------------------------------------


@pytest.mark.parametrize("model", REGISTERED, ids=label)
def test_changelist_queries_do_not_grow_with_rows(admin_client, model):
    factory = FACTORIES[model]
    url = admin_url(model, "changelist")
    factory.create_batch(2)
    few, _, _ = count_queries(admin_client, url)
    factory.create_batch(10)
    many, sql, response = count_queries(admin_client, url)

    assert response.context["cl"].result_count == 12
    assert many == few, "\n".join(sql)


def _product(n: int):
    product = f.ProductFactory()
    for _ in range(n):
        f.PriceFactory(variant=f.VariantFactory(product=product))
    f.ProductImageFactory.create_batch(n, product=product)
    return product


def _variant(n: int):
    variant = f.VariantFactory()
    for day in range(n):
        f.PriceFactory(variant=variant, valid_from=timezone.now() - dt.timedelta(days=day + 1))
    return variant


def _customer(n: int):
    customer = f.CustomerFactory()
    store = f.LocationFactory()
    f.CustomerIdentityFactory.create_batch(n, customer=customer)
    # Consent is one per contact channel and sizes one per size group: as many as exist.
    for channel in list(ContactChannel)[: min(n, 3)]:
        f.ConsentFactory(customer=customer, channel=channel, changed_by=f.AssociateFactory())
    for group in [g for g in Category.SizeGroup if g][: min(n, 5)]:
        f.SizePreferenceFactory(customer=customer, size_group=group)
    f.CustomerNoteFactory.create_batch(n, customer=customer, location=store)
    f.ListFactory.create_batch(n, customer=customer, sent_to_location=store)
    f.FollowUpTaskFactory.create_batch(n, customer=customer, assigned_to=f.AssociateFactory())
    f.LoyaltyEntryFactory.create_batch(n, customer=customer, location=store)
    f.StoreCreditEntryFactory.create_batch(n, customer=customer, location=store)
    return customer


def _order(n: int):
    order = f.OrderFactory(location=f.LocationFactory(), associate=f.AssociateFactory())
    f.OrderLineFactory.create_batch(n, order=order)
    f.FulfilmentFactory.create_batch(n, order=order)
    f.PaymentFactory.create_batch(n, order=order)
    return order


def _location(n: int):
    location = f.LocationFactory()
    for _ in range(n):
        f.AssociateFactory(locations=[location])
    f.StockFactory.create_batch(n, location=location)
    return location


def _list(n: int):
    wishlist = f.ListFactory()
    f.ListItemFactory.create_batch(n, list=wishlist, added_by_associate=f.AssociateFactory())
    return wishlist


def _cart(n: int):
    cart = f.CartFactory()
    f.CartLineFactory.create_batch(n, cart=cart)
    return cart


def _fulfilment(n: int):
    fulfilment = f.FulfilmentFactory()
    f.FulfilmentLineFactory.create_batch(n, fulfilment=fulfilment)
    return fulfilment


def _payment(n: int):
    payment = f.PaymentFactory()
    f.RefundFactory.create_batch(n, payment=payment)
    return payment


def _return(n: int):
    return_request = f.ReturnFactory()
    f.ReturnLineFactory.create_batch(n, return_request=return_request)
    return return_request


def _transfer(n: int):
    transfer = f.TransferFactory()
    f.TransferLineFactory.create_batch(n, transfer=transfer)
    return transfer


PARENTS = [
    _product,
    _variant,
    _customer,
    _order,
    _location,
    _list,
    _cart,
    _fulfilment,
    _payment,
    _return,
    _transfer,
]


@pytest.mark.parametrize("build", PARENTS, ids=lambda b: b.__name__.strip("_"))
def test_change_page_queries_do_not_grow_with_inline_rows(admin_client, build):
    few_obj, many_obj = build(2), build(10)
    few, _, _ = count_queries(admin_client, admin_url(type(few_obj), "change", few_obj.pk))
    many, sql, _ = count_queries(admin_client, admin_url(type(many_obj), "change", many_obj.pk))
    assert many == few, "\n".join(sql)


@pytest.mark.parametrize("build", PARENTS, ids=lambda b: b.__name__.strip("_"))
def test_change_form_with_inlines_saves_as_submitted(admin_client, build):
    obj = build(3)
    url = admin_url(type(obj), "change", obj.pk)
    response = admin_client.post(url, change_form_data(admin_client, url))
    assert response.status_code == 302, response.context and response.context["errors"]


# --- changelist columns ------------------------------------------------------------------------


def test_product_changelist_counts_variants_and_shows_the_current_price_range(admin_client):
    now = timezone.now()
    product = f.ProductFactory(name="Linen shirt")
    cheap, dear = f.VariantFactory.create_batch(2, product=product)
    f.PriceFactory(variant=cheap, amount=Decimal("49.00"), valid_from=now - dt.timedelta(days=30))
    # A promotion overlapping the base price: the newest row in force is the price.
    f.PriceFactory(
        variant=cheap,
        amount=Decimal("39.00"),
        compare_at_amount=Decimal("49.00"),
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=5),
    )
    f.PriceFactory(variant=dear, amount=Decimal("59.00"), valid_from=now - dt.timedelta(days=3))
    f.PriceFactory(variant=dear, amount=Decimal("99.00"), valid_from=now + dt.timedelta(days=3))

    response = admin_client.get(admin_url(Product, "changelist"))
    row = response.context["cl"].result_list.get(pk=product.pk)
    assert (row.variant_count, row.min_price, row.max_price) == (
        2,
        Decimal("39.00"),
        Decimal("59.00"),
    )
    assert "$39.00 – $59.00" in response.content.decode()


def test_customer_changelist_shows_ledger_balances(admin_client):
    customer = f.CustomerFactory()
    f.LoyaltyEntryFactory(customer=customer, points=120)
    f.LoyaltyEntryFactory(customer=customer, points=-20)
    f.StoreCreditEntryFactory(customer=customer, amount=Decimal("25.50"))
    f.StoreCreditEntryFactory(customer=customer, amount=Decimal("-5.00"))
    f.CustomerFactory()  # no ledger at all: zero, not blank

    response = admin_client.get(admin_url(type(customer), "changelist"))
    balances = {
        c.pk: (c.loyalty_balance, c.credit_balance) for c in response.context["cl"].result_list
    }
    assert balances[customer.pk] == (100, Decimal("20.50"))
    assert sorted(balances.values())[0] == (0, Decimal("0"))
    assert "$20.50" in response.content.decode()


def test_stock_changelist_shows_safety_stock_in_force_and_salable(admin_client):
    store = f.LocationFactory(safety_stock=2)
    uses_store = f.StockFactory(location=store, on_hand=10, reserved=3)
    overridden = f.StockFactory(location=store, on_hand=10, reserved=3, safety_stock=0)
    floored = f.StockFactory(location=store, on_hand=2, reserved=1)

    response = admin_client.get(admin_url(Stock, "changelist"), {"location__id__exact": store.pk})
    rows = {s.pk: (s.safety_in_force, s.salable) for s in response.context["cl"].result_list}
    assert rows == {uses_store.pk: (2, 5), overridden.pk: (0, 7), floored.pk: (2, 0)}


# --- actions and exports -----------------------------------------------------------------------


@pytest.mark.parametrize("model", [Product, Variant], ids=label)
def test_activate_and_deactivate_actions(admin_client, model):
    chosen = FACTORIES[model].create_batch(2)
    untouched = FACTORIES[model]()
    url = admin_url(model, "changelist")
    selected = [obj.pk for obj in chosen]

    response = admin_client.post(url, {"action": "deactivate", "_selected_action": selected})
    assert response.status_code == 302
    assert not model.objects.filter(pk__in=selected, is_active=True).exists()
    assert model.objects.get(pk=untouched.pk).is_active

    admin_client.post(url, {"action": "activate", "_selected_action": selected})
    assert model.objects.filter(pk__in=selected, is_active=True).count() == 2


def test_product_csv_export_has_one_row_per_variant(admin_client):
    shirt = f.ProductFactory(name="Linen shirt")
    small = f.VariantFactory(product=shirt, sku="LIN-S", barcode="111", size="S", colour="White")
    f.PriceFactory(variant=small, amount=Decimal("39.00"))
    f.VariantFactory(
        product=shirt, sku="LIN-M", barcode=None, size="M", colour="White", is_active=False
    )
    f.VariantFactory(sku="OTHER-1")  # another product, not selected

    response = admin_client.post(
        admin_url(Product, "changelist"),
        {"action": "export_products_csv", "_selected_action": [shirt.pk]},
    )
    assert response["Content-Type"].startswith("text/csv")
    assert csv_rows(response) == [
        ["product", "sku", "barcode", "size", "colour", "current_price", "currency", "active"],
        ["Linen shirt", "LIN-S", "111", "S", "White", "39.00", "USD", "yes"],
        ["Linen shirt", "LIN-M", "", "M", "White", "", "", "no"],
    ]


def test_stock_csv_export_has_one_row_per_stock_row(admin_client):
    store = f.LocationFactory(code="SPR01", safety_stock=1)
    variant = f.VariantFactory(sku="LIN-S", product=f.ProductFactory(name="Linen shirt"))
    stock = f.StockFactory(variant=variant, location=store, on_hand=10, reserved=3)
    f.StockFactory(location=store)  # not selected

    response = admin_client.post(
        admin_url(Stock, "changelist"),
        {"action": "export_stock_csv", "_selected_action": [stock.pk]},
    )
    assert csv_rows(response) == [
        ["sku", "product", "location_code", "on_hand", "reserved", "salable"],
        ["LIN-S", "Linen shirt", "SPR01", "10", "3", "6"],
    ]


# --- ledgers are read-only -----------------------------------------------------------------------


@pytest.mark.parametrize("model", LEDGERS, ids=label)
def test_ledger_rows_cannot_be_changed_or_deleted(admin_client, model):
    entry = FACTORIES[model]()
    change_url = admin_url(model, "change", entry.pk)

    page = admin_client.get(change_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.post(change_url, {}).status_code == 403
    assert admin_client.get(admin_url(model, "delete", entry.pk)).status_code == 403
    assert (
        admin_client.post(admin_url(model, "delete", entry.pk), {"post": "yes"}).status_code == 403
    )
    changelist = admin_client.get(admin_url(model, "changelist")).content.decode()
    assert "delete_selected" not in changelist
    assert model.objects.filter(pk=entry.pk).exists()


def test_loyalty_adjustment_can_be_added_by_hand(admin_client):
    customer = f.CustomerFactory()
    response = admin_client.post(
        admin_url(LoyaltyEntry, "add"),
        {"customer": customer.pk, "points": "150", "reason": "adjustment", "note": "Goodwill"},
    )
    assert response.status_code == 302
    entry = LoyaltyEntry.objects.get(customer=customer)
    assert (entry.points, entry.reason, entry.note) == (150, "adjustment", "Goodwill")


def test_a_zero_point_adjustment_is_refused_on_the_form(admin_client):
    customer = f.CustomerFactory()
    response = admin_client.post(
        admin_url(LoyaltyEntry, "add"),
        {"customer": customer.pk, "points": "0", "reason": "adjustment"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not LoyaltyEntry.objects.exists()


def test_store_credit_adjustment_can_be_added_by_hand(admin_client):
    customer = f.CustomerFactory()
    response = admin_client.post(
        admin_url(StoreCreditEntry, "add"),
        {"customer": customer.pk, "amount": "12.50", "reason": "goodwill"},
    )
    assert response.status_code == 302
    assert StoreCreditEntry.objects.get(customer=customer).amount == Decimal("12.50")


def test_saving_a_customer_leaves_the_ledger_inlines_alone(admin_client):
    customer = _customer(3)
    url = admin_url(type(customer), "change", customer.pk)
    data = change_form_data(admin_client, url)
    data["first_name"] = ["Ana"]

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    customer.refresh_from_db()
    assert customer.first_name == "Ana"
    assert LoyaltyEntry.objects.filter(customer=customer).count() == 3
    assert StoreCreditEntry.objects.filter(customer=customer).count() == 3


def test_consent_changed_in_the_admin_is_logged(admin_client):
    customer = f.CustomerFactory()
    f.ConsentFactory(customer=customer, channel=ContactChannel.EMAIL, state=ConsentState.MARKETING)
    url = admin_url(type(customer), "change", customer.pk)
    data = change_form_data(admin_client, url)
    data["consents-0-state"] = [ConsentState.NONE]

    assert admin_client.post(url, data).status_code == 302
    change = ConsentChange.objects.get(customer=customer)
    assert (change.channel, change.state) == (ContactChannel.EMAIL, ConsentState.NONE)
    assert customer.consents.get().state == ConsentState.NONE
    assert customer.interactions.filter(kind=Interaction.Kind.CONSENT).exists()


def test_consent_added_on_its_own_page_is_logged(admin_client):
    customer = f.CustomerFactory()
    response = admin_client.post(
        admin_url(Consent, "add"),
        {"customer": customer.pk, "channel": "sms", "state": "one_to_one", "source": "store"},
    )
    assert response.status_code == 302
    assert customer.consents.get().state == ConsentState.ONE_TO_ONE
    assert ConsentChange.objects.filter(customer=customer, channel="sms").exists()


def test_stock_change_page_edits_safety_stock_only(admin_client):
    stock = f.StockFactory(on_hand=10, reserved=2)
    url = admin_url(Stock, "change", stock.pk)
    data = change_form_data(admin_client, url)
    assert "on_hand" not in data and "reserved" not in data
    # A sale lands between opening the page and saving it: the save must not undo it.
    Stock.objects.filter(pk=stock.pk).update(on_hand=9, reserved=1)
    data["safety_stock"] = ["4"]

    assert admin_client.post(url, data).status_code == 302
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved, stock.safety_stock) == (9, 1, 4)


def test_stock_rows_cannot_be_added_or_deleted_here(admin_client):
    stock = f.StockFactory()
    assert admin_client.get(admin_url(Stock, "add")).status_code == 403
    assert admin_client.get(admin_url(Stock, "delete", stock.pk)).status_code == 403


# --- search --------------------------------------------------------------------------------------


def search(client, model, term: str) -> set:
    response = client.get(admin_url(model, "changelist"), {"q": term})
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def test_customer_search_by_email_phone_and_loyalty_number(admin_client):
    ana = f.CustomerFactory(email="ana@example.com", phone="+15551230001", loyalty_number="L777")
    f.CustomerFactory(email="bo@example.com", phone="+15559990002", loyalty_number="L778")
    Customer = type(ana)

    assert search(admin_client, Customer, "ana@example.com") == {ana.pk}
    assert search(admin_client, Customer, "5551230001") == {ana.pk}
    assert search(admin_client, Customer, "L777") == {ana.pk}


def test_variant_search_by_sku_and_barcode(admin_client):
    wanted = f.VariantFactory(sku="LIN-SHIRT-S", barcode="4006381333931")
    f.VariantFactory(sku="WOOL-COAT-M", barcode="4006381333948")

    assert search(admin_client, Variant, "LIN-SHIRT") == {wanted.pk}
    assert search(admin_client, Variant, "4006381333931") == {wanted.pk}


def test_order_search_by_number_and_email(admin_client):
    wanted = f.OrderFactory(number="W900001", email="ana@example.com")
    f.OrderFactory(number="W900002", email="bo@example.com")
    Order = type(wanted)

    assert search(admin_client, Order, "W900001") == {wanted.pk}
    assert search(admin_client, Order, "ana@example.com") == {wanted.pk}
