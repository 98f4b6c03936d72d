"""The till in the admin: registers are set up there; shifts, cash moves and till sales
(money, written only by till.services) are read, never added, changed or deleted, by a
superuser as by the demo merchandiser (view only); each changelist costs the same queries
for 1 row as for 20, and the sales kept for the manager (no order) are a filter away."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from demo.staff import _merchandisers_group
from tests import factories as f
from tests.orders.helpers import receive
from tests.test_admin import change_form_data
from till import services
from till.models import CashMove, ParkedSale, Register, Shift, TillSale

from .conftest import cash

pytestmark = pytest.mark.django_db

MONEY = [Shift, CashMove, TillSale]
ALL = [Register, *MONEY, ParkedSale]
# The most any till changelist may cost, for 1 row as for 20.
CHANGELIST_BUDGET = 10


def url(model, view: str, *args) -> str:
    return reverse(f"admin:till_{model._meta.model_name}_{view}", args=args)


def label(model) -> str:
    return model.__name__


# --- rows, made the way the till makes them -------------------------------------------------


def _shifts(register, associate, n: int) -> list[Shift]:
    """``n`` shifts on ``register``: n - 1 closed, the last still open."""
    made = []
    for i in range(n):
        shift = services.shift_open(register=register, associate=associate, opening_float="100")
        if i < n - 1:
            shift = services.shift_close(shift=shift, associate=associate, counted="100")
        made.append(shift)
    return made


def _sales(shift, associate, variant, n: int, start: int = 0) -> list[TillSale]:
    return [
        services.sale_complete(
            shift=shift,
            associate=associate,
            lines={variant.pk: 1},
            tenders=[cash("50.00")],
            idempotency_key=f"adm-{start + i}",
        )
        for i in range(n)
    ]


def _rows(model, n: int, *, store, register, associate, shift, shirt, start: int = 0) -> None:
    """``n`` more rows of ``model`` at ``store``."""
    if model is Register:
        for i in range(n):
            services.register_create(location=store, code=f"R{start + i}", name=f"Till {i}")
    elif model is Shift:
        other = services.register_create(location=store, code=f"S{start}", name="Back till")
        _shifts(other, associate, n)
    elif model is CashMove:
        for i in range(n):
            services.shift_cash_move(
                shift=shift, associate=associate, amount=f"-{i + 1}.50", reason="Bank drop"
            )
    elif model is TillSale:
        _sales(shift, associate, shirt, n, start)
    elif model is ParkedSale:
        customer = f.CustomerFactory()
        for i in range(n):
            services.sale_park(
                register=register,
                associate=associate,
                lines={str(shirt.pk): 1},
                customer_id=customer.pk,
                label=f"Blue coat {i}",
            )


@pytest.fixture
def shirt(shirt, store):
    receive(shirt, store, 60)  # enough for every sale a test rings up
    return shirt


@pytest.fixture
def world(store, register, associate, shift, shirt):
    return dict(store=store, register=register, associate=associate, shift=shift, shirt=shirt)


@pytest.fixture
def flagged(world, socks):
    """A sale rung up offline for more than the store holds (1 pair): kept, no order."""
    return services.sale_complete(
        shift=world["shift"],
        associate=world["associate"],
        lines={socks.pk: 3},
        tenders=[cash("20.00")],
        idempotency_key="offline-1",
        offline=True,
    )


@pytest.fixture
def merch_client(client):
    user = f.UserFactory(is_staff=True)
    user.groups.add(_merchandisers_group())
    client.force_login(user)
    return client


def _one_of_each(world) -> dict:
    """A row of every till model (the register and the open shift are the fixtures')."""
    move = services.shift_cash_move(
        shift=world["shift"], associate=world["associate"], amount="-20", reason="Bank drop"
    )
    (sale,) = _sales(world["shift"], world["associate"], world["shirt"], 1)
    parked = services.sale_park(
        register=world["register"], associate=world["associate"], lines={str(world["shirt"].pk): 2}
    )
    return {
        Register: world["register"],
        Shift: world["shift"],
        CashMove: move,
        TillSale: sale,
        ParkedSale: parked,
    }


# --- pages render -----------------------------------------------------------------------------


@pytest.mark.parametrize("model", ALL, ids=label)
def test_changelist_and_change_page_render_for_a_superuser(admin_client, world, model):
    obj = _one_of_each(world)[model]
    assert admin_client.get(url(model, "changelist")).status_code == 200
    assert admin_client.get(url(model, "change", obj.pk)).status_code == 200


def test_a_shifts_page_shows_its_cash_moves_and_links_to_its_sales(admin_client, world):
    rows = _one_of_each(world)
    page = admin_client.get(url(Shift, "change", rows[Shift].pk)).content.decode()
    assert "Bank drop" in page
    assert f"{url(TillSale, 'changelist')}?shift__id__exact={rows[Shift].pk}" in page


# --- money rows are never written in the admin ------------------------------------------------


@pytest.mark.parametrize("model", [*MONEY, ParkedSale], ids=label)
def test_money_rows_cannot_be_added_changed_or_deleted(admin_client, world, model):
    obj = _one_of_each(world)[model]
    before = model.objects.count()
    assert admin_client.get(url(model, "add")).status_code == 403
    assert admin_client.get(url(model, "delete", obj.pk)).status_code == 403
    assert admin_client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    page = admin_client.get(url(model, "change", obj.pk))
    assert page.context["has_change_permission"] is False
    assert 'name="_save"' not in page.content.decode()
    # A change posted anyway changes nothing (the page is view-only).
    response = admin_client.post(url(model, "change", obj.pk), {"note": "x", "amount": "999"})
    assert response.status_code == 403
    changelist = admin_client.post(
        url(model, "changelist"), {"action": "delete_selected", "_selected_action": [obj.pk]}
    )
    assert changelist.status_code in (200, 302, 403)
    assert model.objects.count() == before
    assert model.objects.filter(pk=obj.pk).exists()


def test_no_money_row_is_changed_by_a_posted_form(admin_client, world):
    rows = _one_of_each(world)
    sale = rows[TillSale]
    total = sale.total
    admin_client.post(url(TillSale, "change", sale.pk), {"total": "0.01", "status": "flagged"})
    sale.refresh_from_db()
    assert (sale.total, sale.status) == (total, TillSale.Status.COMPLETED)


# --- registers are set up here ----------------------------------------------------------------


def test_a_register_is_added_at_a_store_with_its_code_as_the_till_writes_it(admin_client, store):
    warehouse = f.WarehouseFactory()
    page = admin_client.get(url(Register, "add"))
    choices = [
        c[0].value for c in page.context["adminform"].form.fields["location"].choices if c[0]
    ]
    assert store.pk in choices and warehouse.pk not in choices
    response = admin_client.post(
        url(Register, "add"),
        {"location": store.pk, "code": " t2 ", "name": "Till 2", "is_active": "on"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    register = Register.objects.get(location=store, code="T2")
    assert register.name == "Till 2" and register.is_active


def test_a_second_register_with_the_same_code_at_a_store_is_refused(admin_client, register):
    response = admin_client.post(
        url(Register, "add"),
        {"location": register.location_id, "code": "t1", "name": "Again", "is_active": "on"},
    )
    assert response.status_code == 200
    assert Register.objects.filter(location=register.location, code="T1").count() == 1


def test_a_register_is_renamed_and_switched_off_but_keeps_the_store_it_traded_at(
    admin_client, register, shift
):
    other = f.LocationFactory()
    change = url(Register, "change", register.pk)
    data = change_form_data(admin_client, change)
    data.update(name=["Front till"], location=[str(other.pk)])
    data.pop("is_active", None)
    response = admin_client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    register.refresh_from_db()
    assert (register.name, register.is_active) == ("Front till", False)
    assert register.location_id == shift.register.location_id  # read-only once it has shifts


def test_a_traded_register_cannot_take_another_tills_code(admin_client, register, shift):
    from till import services

    services.register_create(location=register.location, code="T2", name="Till 2")
    change = url(Register, "change", register.pk)
    data = change_form_data(admin_client, change)
    data.update(code=["t2"])
    response = admin_client.post(change, data)
    assert response.status_code == 200
    assert "already has a register T2" in response.content.decode()
    register.refresh_from_db()
    assert register.code == "T1"


def test_registers_are_filtered_by_store(admin_client, register):
    elsewhere = services.register_create(location=f.LocationFactory(), code="T1", name="Far")
    page = admin_client.get(url(Register, "changelist"), {"store": register.location_id})
    assert list(page.context["cl"].result_list) == [register]
    assert elsewhere not in page.context["cl"].result_list


# --- flagged sales ----------------------------------------------------------------------------


def test_sales_kept_for_the_manager_are_filtered_by_having_no_order(admin_client, world, flagged):
    (completed,) = _sales(world["shift"], world["associate"], world["shirt"], 1)
    assert flagged.order_id is None and flagged.status == TillSale.Status.FLAGGED
    changelist = url(TillSale, "changelist")
    no_order = admin_client.get(changelist, {"placed": "no"}).context["cl"].result_list
    assert list(no_order) == [flagged]
    placed = admin_client.get(changelist, {"placed": "yes"}).context["cl"].result_list
    assert list(placed) == [completed]
    by_status = admin_client.get(changelist, {"status__exact": "flagged"}).context["cl"]
    assert list(by_status.result_list) == [flagged]
    assert admin_client.get(url(TillSale, "change", flagged.pk)).status_code == 200


# --- the demo merchandiser: view only ---------------------------------------------------------


@pytest.mark.parametrize("model", ALL, ids=label)
def test_the_demo_merchandiser_sees_the_till_and_changes_nothing(merch_client, world, model):
    obj = _one_of_each(world)[model]
    assert merch_client.get(url(model, "changelist")).status_code == 200
    page = merch_client.get(url(model, "change", obj.pk))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert merch_client.get(url(model, "add")).status_code == 403
    assert merch_client.get(url(model, "delete", obj.pk)).status_code == 403


def test_the_merchandiser_group_holds_view_only_on_the_till():
    group = _merchandisers_group()
    codenames = set(
        Permission.objects.filter(group=group, content_type__app_label="till").values_list(
            "codename", flat=True
        )
    )
    # View on every till table (the refunds on a shift are read on the shift's page).
    assert codenames >= {f"view_{m._meta.model_name}" for m in ALL}
    assert all(codename.startswith("view_") for codename in codenames)


def test_the_admin_index_lists_the_till_for_the_merchandiser(merch_client):
    page = merch_client.get(reverse("admin:app_list", args=["till"]))
    assert page.status_code == 200
    for model in ALL:
        assert url(model, "changelist") in page.content.decode()


# --- changelists cost the same for 1 row as for 20 ----------------------------------------------


def _count(client, address: str) -> tuple[int, list[str]]:
    client.get(address)  # warm per-process caches (content types, session)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200
    return len(queries), [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("model", ALL, ids=label)
def test_changelist_queries_are_flat_from_1_to_20_rows(
    admin_client, world, model, django_assert_max_num_queries
):
    address = url(model, "changelist")
    if not model.objects.exists():  # the register and its open shift are there already
        _rows(model, 1, **world)
    assert model.objects.count() == 1
    one, _ = _count(admin_client, address)
    _rows(model, 19, start=100, **world)
    assert model.objects.count() == 20
    with django_assert_max_num_queries(CHANGELIST_BUDGET):
        assert admin_client.get(address).status_code == 200
    twenty, sql = _count(admin_client, address)
    assert twenty == one, "\n".join(sql)


@pytest.mark.parametrize("value", ["abc", "99999999999999999999999", "-1", ""])
def test_a_store_filter_typed_by_hand_is_never_a_server_error(admin_client, world, value):
    for model in ALL:
        assert admin_client.get(url(model, "changelist"), {"store": value}).status_code == 200
