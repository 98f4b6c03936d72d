from decimal import Decimal

import pytest

from customers import selectors, services
from customers.errors import IdentityConflict, InvalidContact
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
