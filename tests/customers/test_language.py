"""The customer's language: set at sign-up (the page's language), on the profile, by an
associate on the 360 (and shown there); account emails go out in it."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import translation

from customers.models import Customer, Interaction
from returns.services import return_receive
from tests import factories as f
from tests.returns.conftest import _order_with, places  # noqa: F401

pytestmark = pytest.mark.django_db

PASSWORD = "a-Long-pass-phrase-2026"


def html_lang(html: str) -> tuple[str, str]:
    match = re.search(r'<html lang="([^"]+)" dir="([^"]+)"', html)
    assert match, "no <html lang dir>"
    return match.group(1), match.group(2)


def test_signing_up_on_a_thai_page_saves_thai(client):
    response = client.post(
        "/th/accounts/signup/",
        {"email": "noor@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert Customer.objects.get(email="noor@example.com").language == "th"
    # The verification email is Thai too: allauth's own text in allauth's catalogue.
    message = mail.outbox[-1]
    assert "/th/accounts/confirm-email/" in message.body


def test_signing_up_in_english_keeps_the_default(client):
    client.post(
        reverse("account_signup"),
        {"email": "bo@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert Customer.objects.get(email="bo@example.com").language == "en"


def test_a_password_reset_email_is_in_the_customers_language(client):
    user = f.UserFactory(email="ana@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    f.CustomerFactory(user=user, email="ana@example.com", language="fa")
    response = client.post(reverse("account_reset_password"), {"email": "ana@example.com"})
    assert response.status_code == 302
    message = mail.outbox[-1]
    # allauth's own text, from its Persian catalogue; the link is the page's own.
    assert "گذرواژه" in message.body
    assert "/accounts/password/reset/key/" in message.body
    html = next((body for body, kind in message.alternatives if kind == "text/html"), None)
    if html is not None:
        assert html_lang(html) == ("fa", "rtl")


def test_the_profile_saves_the_language(client):
    user = f.UserFactory(email="ana@example.com")
    customer = f.CustomerFactory(user=user, email="ana@example.com")
    client.force_login(user)
    page = client.get(reverse("customers:profile")).content.decode()
    assert 'name="details-language"' in page
    response = client.post(
        reverse("customers:profile"),
        {"section": "details", "details-first_name": "Ana", "details-language": "vi"},
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.language == "vi"
    refused = client.post(
        reverse("customers:profile"), {"section": "details", "details-language": "xx"}
    )
    assert refused.status_code == 400
    customer.refresh_from_db()
    assert customer.language == "vi"


@pytest.fixture
def bo(client):
    store = f.LocationFactory(name="Springfield", code="SPR")
    client.force_login(f.AssociateFactory(home_location=store, display_name="Maya").user)
    return client


def test_the_360_shows_and_changes_the_language(bo):
    customer = f.CustomerFactory(first_name="Ana", language="th")
    page = bo.get(reverse("backoffice:customer-detail", args=[customer.pk])).content.decode()
    assert 'id="language"' in page
    assert '<option value="th" lang="th" selected>ไทย</option>' in page

    url = reverse("backoffice:customer-language-set", args=[customer.pk])
    response = bo.post(url, {"language": "fa"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert '<option value="fa" lang="fa" selected>' in response.content.decode()
    customer.refresh_from_db()
    assert customer.language == "fa"
    assert customer.interactions.filter(kind=Interaction.Kind.ACCOUNT).exists()


def test_the_360_refuses_a_language_the_shop_does_not_offer(bo):
    customer = f.CustomerFactory(language="th")
    url = reverse("backoffice:customer-language-set", args=[customer.pk])
    response = bo.post(url, {"language": "de"})
    assert response.status_code == 400
    customer.refresh_from_db()
    assert customer.language == "th"


def test_the_desk_prints_the_return_receipt_in_the_customers_language(client, places):  # noqa: F811
    """The associate reads the screen in English; the receipt the Persian customer takes
    home is Persian, right to left."""
    associate = f.AssociateFactory(home_location=places.springfield, language="en")
    order = _order_with(places=places, customer=f.CustomerFactory(language="fa"))
    done = return_receive(
        order=order,
        location=places.springfield,
        associate=associate,
        lines=[(order.lines.get().pk, 1, "too_small", "A", "restock")],
        refund_method="store_credit",
    )
    client.force_login(associate.user)
    page = client.get(reverse("backoffice:return-receipt", args=[done.number])).content.decode()
    assert '<html lang="en" dir="ltr">' in page
    assert '<article class="card ops-receipt" lang="fa" dir="rtl">' in page
    with translation.override("fa"):
        heading = translation.gettext("Return receipt %(number)s") % {"number": done.number}
    with translation.override("en"):
        back = translation.gettext("Returns desk")
    assert heading in page and back in page
