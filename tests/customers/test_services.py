from decimal import Decimal

import pytest

from customers import selectors, services
from customers.errors import IdentityConflict, InvalidContact, InvalidProfile
from customers.models import (
    Channel,
    ConsentChange,
    ConsentState,
    ContactChannel,
    Customer,
    CustomerIdentity,
    Interaction,
    LoyaltyEntry,
    StoreCreditEntry,
)
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("(212) 555-0101", "+12125550101"), ("+44 20 7946 0958", "+442079460958")],
)
def test_phone_numbers_are_normalised(raw, expected):
    assert services.normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12", "not a phone", ""])
def test_bad_phone_numbers_are_refused_with_a_clear_message(raw):
    with pytest.raises(InvalidContact) as exc:
        services.normalise_phone(raw)
    assert exc.value.details["field"] == "phone"


def test_a_guest_checkout_attaches_to_the_existing_customer_with_that_email():
    first = services.customer_resolve(
        email="Ana@Example.com", first_name="Ana", source=Channel.STORE
    )
    again = services.customer_resolve(email=" ana@example.com ", phone="212 555 0101")
    assert again.pk == first.pk
    assert Customer.objects.count() == 1
    assert again.phone == "+12125550101"  # blanks are filled in
    assert set(first.identities.values_list("kind", "value")) == {
        ("email", "ana@example.com"),
        ("phone", "+12125550101"),
    }


def test_a_store_sale_by_phone_finds_the_web_customer():
    web = services.customer_resolve(email="bo@example.com", phone="+1 312 555 0199")
    store = services.customer_resolve(phone="312-555-0199", source=Channel.STORE)
    assert store.pk == web.pk


def test_existing_names_are_never_overwritten():
    customer = services.customer_resolve(email="cy@example.com", first_name="Cyril")
    services.customer_resolve(email="cy@example.com", first_name="Someone Else")
    customer.refresh_from_db()
    assert customer.first_name == "Cyril"


def test_email_and_phone_of_two_different_customers_is_a_conflict():
    services.customer_resolve(email="one@example.com")
    services.customer_resolve(phone="2125550111")
    with pytest.raises(IdentityConflict):
        services.customer_resolve(email="one@example.com", phone="2125550111")
    assert Customer.objects.count() == 2


def test_invalid_email_is_refused_and_nothing_is_written():
    with pytest.raises(InvalidContact):
        services.customer_resolve(email="not-an-email")
    assert not Customer.objects.exists() and not CustomerIdentity.objects.exists()


def test_verification_upgrades_an_identity():
    services.customer_resolve(email="dee@example.com")
    services.customer_resolve(email="dee@example.com", verified=True)
    identity = CustomerIdentity.objects.get(value="dee@example.com")
    assert identity.is_verified and identity.verified_at is not None


def test_consent_changes_are_kept_as_history_and_on_the_timeline():
    customer = CustomerFactory()
    assert selectors.consent_state(customer=customer) == ConsentState.NONE
    services.consent_set(
        customer=customer, channel=ContactChannel.EMAIL, state=ConsentState.MARKETING, source="web"
    )
    services.consent_set(
        customer=customer, channel=ContactChannel.EMAIL, state=ConsentState.MARKETING, source="web"
    )
    services.consent_set(
        customer=customer,
        channel=ContactChannel.EMAIL,
        state=ConsentState.ONE_TO_ONE,
        source="store",
    )
    assert selectors.consent_state(customer=customer) == ConsentState.ONE_TO_ONE
    assert ConsentChange.objects.filter(customer=customer).count() == 2
    assert Interaction.objects.filter(customer=customer, kind="consent").count() == 2


def test_unknown_consent_state_is_refused():
    with pytest.raises(InvalidContact):
        services.consent_set(
            customer=CustomerFactory(), channel="email", state="maybe", source="web"
        )


def test_interactions_point_at_their_subject_without_importing_it():
    order = OrderFactory()
    entry = services.interaction_record(
        customer=order.customer,
        kind=Interaction.Kind.ORDER,
        channel=Channel.WEB,
        summary="Order placed",
        subject=order,
    )
    assert (entry.subject_type, entry.subject_id) == ("orders.order", str(order.pk))


def test_ledgers_append_and_balances_are_sums():
    customer = CustomerFactory()
    services.loyalty_add(customer=customer, points=120, reason=LoyaltyEntry.Reason.PURCHASE)
    services.loyalty_add(customer=customer, points=-20, reason=LoyaltyEntry.Reason.RETURN)
    assert services.loyalty_add(customer=customer, points=0, reason="bonus") is None
    services.store_credit_add(
        customer=customer, amount=Decimal("30.00"), reason=StoreCreditEntry.Reason.RETURN_REFUND
    )
    services.store_credit_add(
        customer=customer, amount=Decimal("-12.50"), reason=StoreCreditEntry.Reason.SPEND
    )
    assert selectors.loyalty_balance(customer=customer) == 100
    assert selectors.store_credit_balance(customer=customer) == Decimal("17.50")
    with pytest.raises(TypeError):
        services.store_credit_add(customer=customer, amount=1.5, reason="goodwill")


# --- clienteling ---------------------------------------------------------------------------


def test_a_note_is_on_the_record_and_the_timeline(customer, associate, store):
    from customers.models import CustomerNote

    note = services.note_add(customer=customer, associate=associate, body=" Prefers slim fits ")
    assert note.body == "Prefers slim fits" and note.location == store and not note.is_pinned
    entry = Interaction.objects.get(customer=customer, kind=Interaction.Kind.NOTE)
    assert entry.associate == associate and "slim fits" in entry.summary
    assert services.note_pin(note=note, pinned=True).is_pinned
    assert CustomerNote.objects.get(pk=note.pk).is_pinned
    with pytest.raises(InvalidProfile):
        services.note_add(customer=customer, associate=associate, body="  ")


def test_a_follow_up_is_created_completed_once_and_on_the_timeline(customer, associate, store):
    import datetime as dt

    from customers.errors import InvalidTransition
    from customers.models import FollowUpTask

    task = services.task_create(
        customer=customer,
        location=store,
        reason="Call when the blazer in 38 is back",
        due_on=dt.date.today(),
        created_by=associate,
    )
    assert task.status == FollowUpTask.Status.OPEN and task.assigned_to is None
    done = services.task_complete(task=task, associate=associate)
    assert done.status == FollowUpTask.Status.DONE and done.completed_at is not None
    assert done.assigned_to == associate
    assert services.task_complete(task=task, associate=associate).completed_at == done.completed_at
    assert (
        Interaction.objects.filter(customer=customer, kind=Interaction.Kind.OUTREACH).count() == 1
    )
    with pytest.raises(InvalidTransition):
        services.task_cancel(task=task, associate=associate)
    other = services.task_create(
        customer=customer, location=store, reason="x", due_on=dt.date.today(), created_by=associate
    )
    services.task_cancel(task=other, associate=associate)
    with pytest.raises(InvalidTransition):
        services.task_complete(task=other, associate=associate)


def test_looking_at_a_record_is_logged(customer, associate, store):
    entry = services.customer_access_record(customer=customer, user=associate.user, location=store)
    assert (entry.customer, entry.user, entry.action) == (customer, associate.user, "view")


def test_updating_the_profile_changes_only_what_is_given(customer, associate, store):
    updated = services.customer_update_profile(
        customer=customer,
        last_name="Lima-Souza",
        preferences={"fit": "slim"},
        home_store=store,
        primary_associate=associate,
        associate=associate,
    )
    customer.refresh_from_db()
    assert customer.first_name == "Ana" and customer.last_name == "Lima-Souza"
    assert customer.preferences == {"fit": "slim"} and customer.home_store == store
    assert customer.primary_associate == associate and updated.pk == customer.pk
    entry = Interaction.objects.get(customer=customer, kind=Interaction.Kind.ACCOUNT)
    assert entry.detail["fields"] == ["last_name", "preferences", "home_store", "primary_associate"]
    services.customer_update_profile(customer=customer, last_name="Lima-Souza")  # no change
    assert Interaction.objects.filter(customer=customer, kind="account").count() == 1
    services.customer_update_profile(customer=customer, home_store=None)
    customer.refresh_from_db()
    assert customer.home_store is None and customer.primary_associate == associate


def test_profile_changes_are_validated(customer):
    from tests.factories import AssociateFactory, WarehouseFactory

    with pytest.raises(InvalidProfile):
        services.customer_update_profile(customer=customer, home_store=WarehouseFactory())
    with pytest.raises(InvalidProfile):
        services.customer_update_profile(customer=customer, preferences=["slim"])
    with pytest.raises(InvalidProfile):
        services.customer_update_profile(
            customer=customer, primary_associate=AssociateFactory(is_active=False)
        )


# --- sizes -------------------------------------------------------------------------------------


@pytest.fixture
def sized():
    from tests.factories import CategoryFactory, ProductFactory, VariantFactory

    tops = CategoryFactory(size_group="tops")
    shoes = CategoryFactory(size_group="shoes")
    bags = CategoryFactory(size_group="")

    def variant(category, size):
        return VariantFactory(product=ProductFactory(category=category), size=size)

    return {
        "top_s": variant(tops, "S"),
        "top_m": variant(tops, "M"),
        "shoe_39": variant(shoes, "39"),
        "bag": variant(bags, "One size"),
    }


def test_sizes_are_learned_from_the_latest_purchase_per_group(customer, sized):
    services.sizes_learn_from_purchase(
        customer=customer,
        variants=[sized["top_s"], sized["shoe_39"], sized["bag"], sized["top_m"]],
        source_channel="store",
    )
    assert dict(customer.sizes.values_list("size_group", "size")) == {"tops": "M", "shoes": "39"}
    services.sizes_learn_from_purchase(
        customer=customer, variants=[sized["top_s"]], source_channel="web"
    )
    assert customer.sizes.get(size_group="tops").size == "S"


def test_an_edited_size_is_never_overwritten_by_learning(customer, sized):
    from customers.models import SizePreference

    edited = services.size_set(customer=customer, size_group="tops", size="L")
    assert edited.source == SizePreference.Source.EDITED
    services.sizes_learn_from_purchase(
        customer=customer, variants=[sized["top_s"], sized["shoe_39"]], source_channel="web"
    )
    assert dict(customer.sizes.values_list("size_group", "size")) == {"tops": "L", "shoes": "39"}
    assert customer.sizes.get(size_group="tops").source == SizePreference.Source.EDITED


def test_learning_sizes_is_a_fixed_number_of_queries(customer, django_assert_max_num_queries):
    from tests.factories import CategoryFactory, ProductFactory, VariantFactory

    groups = ["tops", "bottoms", "dresses", "shoes"]
    variants = [
        VariantFactory(product=ProductFactory(category=CategoryFactory(size_group=g)), size=s)
        for g in groups
        for s in ("S", "M", "L")
    ]
    services.size_set(customer=customer, size_group="tops", size="XL")
    services.sizes_learn_from_purchase(
        customer=customer, variants=variants[3:6], source_channel="web"
    )
    # lock, variants, existing sizes, one bulk update, one bulk insert (+ savepoint).
    with django_assert_max_num_queries(7):
        services.sizes_learn_from_purchase(
            customer=customer, variants=variants, source_channel="web"
        )
    assert customer.sizes.count() == 4


def test_size_set_validates(customer):
    with pytest.raises(InvalidProfile):
        services.size_set(customer=customer, size_group="hats", size="M")
    with pytest.raises(InvalidProfile):
        services.size_set(customer=customer, size_group="tops", size=" ")
