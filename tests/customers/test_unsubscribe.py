"""One-click unsubscribe from marketing email: no login, GET confirms, POST (the button or
the mail client's RFC 8058 one-click POST) sets email consent to none."""

import pytest
from django.urls import reverse

from customers import services
from customers.models import Channel, ConsentChange, ConsentState, ContactChannel
from customers.selectors import consent_state
from customers.unsubscribe import unsubscribe_token
from tests import factories as f


@pytest.fixture
def customer(db):
    customer = f.CustomerFactory(email="ana@example.com")
    services.consent_set(
        customer=customer,
        channel=ContactChannel.EMAIL,
        state=ConsentState.MARKETING,
        source=Channel.WEB,
    )
    return customer


def url_for(customer, channel=ContactChannel.EMAIL) -> str:
    token = unsubscribe_token(customer_id=customer.pk, channel=channel)
    return reverse("customers:unsubscribe", kwargs={"token": token})


def test_the_url_has_the_agreed_shape(customer):
    assert url_for(customer).startswith("/email/unsubscribe/")


def test_get_shows_a_confirm_button_and_changes_nothing(client, customer):
    response = client.get(url_for(customer))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Unsubscribe from marketing email?" in page
    assert 'method="post"' in page and "a***@example.com" in page
    assert consent_state(customer=customer) == ConsentState.MARKETING


def test_post_without_login_or_csrf_token_unsubscribes(customer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)  # as a mail client posts: no cookie, no token
    response = client.post(url_for(customer), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert consent_state(customer=customer) == ConsentState.NONE
    change = ConsentChange.objects.filter(customer=customer).latest("changed_at")
    assert (change.state, change.source) == (ConsentState.NONE, Channel.EMAIL)


def test_posting_twice_is_harmless(client, customer):
    client.post(url_for(customer))
    response = client.post(url_for(customer))

    assert response.status_code == 200
    assert ConsentChange.objects.filter(customer=customer, state=ConsentState.NONE).count() == 1


def test_it_only_touches_the_channel_in_the_token(client, customer):
    services.consent_set(
        customer=customer,
        channel=ContactChannel.SMS,
        state=ConsentState.MARKETING,
        source=Channel.WEB,
    )
    client.post(url_for(customer, ContactChannel.SMS))

    assert consent_state(customer=customer, channel=ContactChannel.SMS) == ConsentState.NONE
    assert consent_state(customer=customer) == ConsentState.MARKETING


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_token_gets_a_clear_400_page(client, customer, method):
    token = unsubscribe_token(customer_id=customer.pk)
    other = f.CustomerFactory()
    # Someone else's payload with this token's signature.
    other_payload = unsubscribe_token(customer_id=other.pk).rsplit(":", 1)[0]
    forged = f"{other_payload}:{token.rsplit(':', 1)[1]}"
    for bad in (forged, token[:-2] + "xx", "nonsense"):
        response = getattr(client, method)(reverse("customers:unsubscribe", kwargs={"token": bad}))
        assert response.status_code == 400
        assert "This unsubscribe link isn’t valid" in response.content.decode()
    assert consent_state(customer=customer) == ConsentState.MARKETING


def test_a_token_for_a_customer_that_no_longer_exists_is_refused(client, db):
    token = unsubscribe_token(customer_id=987654)
    response = client.post(reverse("customers:unsubscribe", kwargs={"token": token}))
    assert response.status_code == 400


def test_other_methods_are_refused(client, customer):
    assert client.put(url_for(customer)).status_code == 405
