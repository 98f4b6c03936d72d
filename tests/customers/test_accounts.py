"""Accounts (allauth) and the customer behind a login: sign-up, email verification, login
in the storefront's look, and the rule that only a *verified* email joins a login to the
orders a guest placed with it."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from customers import services
from customers.models import Customer, CustomerIdentity, List
from tests import factories as f

pytestmark = pytest.mark.django_db

PASSWORD = "a-Long-pass-phrase-2026"


def _sign_up(client, email: str):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


def _confirm_from_email(client, email: str):
    """Follow the link in the verification email, as the shopper does."""
    message = next(m for m in reversed(mail.outbox) if email in m.to)
    path = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body).group(1)
    assert client.get(path).status_code == 200
    return client.post(path)


def _guest_order(email: str, number: str):
    guest = services.customer_resolve(email=email, first_name="Gwen")
    order = f.OrderFactory(customer=guest, email=email, number=number)
    f.OrderLineFactory(order=order)
    return guest, order


def test_login_and_signup_pages_wear_the_storefront(client):
    for name in ("account_login", "account_signup", "account_reset_password"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        text = response.content.decode()
        assert 'class="storefront auth-page"' in text
        assert "css/account.css" in text and "css/storefront.css" in text
        assert 'class="site-header storefront-header"' in text
    text = client.get(reverse("account_login")).content.decode()
    assert '<label for="id_login">' in text and '<label for="id_password">' in text
    assert reverse("account_reset_password") in text and reverse("account_signup") in text


def test_wrong_password_is_a_clear_message_on_the_form(client):
    user = f.UserFactory(email="ana@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = client.post(
        reverse("account_login"), {"login": "ana@example.com", "password": "nope"}
    )
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_seeded_style_user_logs_in_with_email_and_goes_to_next(client):
    user = f.UserFactory(email="olivia.shopper@omni.example")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    f.CustomerFactory(user=user, email=user.email)
    response = client.post(
        f"{reverse('account_login')}?next=/account/",
        {"login": "olivia.shopper@omni.example", "password": "pass-word-123"},
    )
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert client.get("/account/").status_code == 200


def test_signup_gives_the_login_its_own_customer(client):
    response = _sign_up(client, "new.shopper@example.com")
    assert response.status_code == 302
    customer = Customer.objects.get(user__email="new.shopper@example.com")
    identity = CustomerIdentity.objects.get(customer=customer, kind="email")
    assert identity.value == "new.shopper@example.com" and not identity.is_verified
    _confirm_from_email(client, "new.shopper@example.com")
    identity.refresh_from_db()
    assert identity.is_verified


def test_guest_who_signs_up_sees_earlier_orders_once_the_email_is_verified(client):
    guest, order = _guest_order("gwen@example.com", "W5550001")
    _sign_up(client, "gwen@example.com")
    # Signed in but not verified yet: the guest's orders are not shown.
    assert order.number not in client.get(reverse("orders:account-orders")).content.decode()
    guest.refresh_from_db()
    assert guest.user_id is None
    # Something saved before verifying is kept when the records join.
    variant = f.VariantFactory()
    client.post(reverse("customers:list-add"), {"product": variant.product_id})

    _confirm_from_email(client, "gwen@example.com")

    guest.refresh_from_db()
    assert guest.user is not None and guest.user.email == "gwen@example.com"
    assert client.get(reverse("orders:account-orders")).content.decode().count(order.number) >= 1
    detail = client.get(reverse("orders:account-order-detail", args=[order.number]))
    assert detail.status_code == 200
    assert List.objects.get(items__product=variant.product).customer == guest
    assert CustomerIdentity.objects.get(value="gwen@example.com").is_verified


def test_an_unverified_email_never_links_to_someone_elses_orders(client):
    guest, order = _guest_order("victim@example.com", "W5550002")
    _sign_up(client, "victim@example.com")
    mail.outbox.clear()  # the attacker never reads the victim's mailbox
    for url in (
        reverse("customers:account"),
        reverse("orders:account-orders"),
    ):
        assert order.number not in client.get(url).content.decode()
    detail = reverse("orders:account-order-detail", args=[order.number])
    assert client.get(detail).status_code == 404
    guest.refresh_from_db()
    assert guest.user_id is None
    mine = Customer.objects.get(user__email="victim@example.com")
    assert mine.pk != guest.pk
    assert not CustomerIdentity.objects.filter(customer=mine, kind="email").exists()


def test_verified_email_owned_by_another_login_is_left_alone():
    first = f.UserFactory(email="shared@example.com")
    owner = services.customer_resolve(email="shared@example.com", user=first)
    second = f.UserFactory(username="second", email="shared@example.com")
    linked = services.customer_link_login(user=second, email="shared@example.com", verified=True)
    assert linked.pk != owner.pk
    owner.refresh_from_db()
    assert owner.user == first


def test_link_login_is_idempotent():
    user = f.UserFactory(email="same@example.com")
    first = services.customer_link_login(user=user, email="same@example.com", verified=False)
    again = services.customer_link_login(user=user, email="same@example.com", verified=True)
    assert first.pk == again.pk
    assert Customer.objects.filter(user=user).count() == 1
    assert CustomerIdentity.objects.get(value="same@example.com").is_verified


def test_associate_and_shopper_share_the_login_page(client):
    associate = f.AssociateFactory()
    EmailAddress.objects.create(
        user=associate.user, email=associate.user.email, verified=True, primary=True
    )
    response = client.post(
        reverse("account_login"), {"login": associate.user.email, "password": "pass-word-123"}
    )
    assert response.status_code == 302
    assert "Go to the back-office" in client.get(reverse("customers:account")).content.decode()


def test_every_account_page_renders_in_the_storefront_look(client):
    """allauth's other pages (logged in and out) use the same layout and elements."""
    pages_out = [
        reverse("account_reset_password"),
        reverse("account_reset_password_done"),
        reverse("account_confirm_email", args=["not-a-key"]),
        reverse("account_email_verification_sent"),
    ]
    for url in pages_out:
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'class="storefront auth-page"' in response.content.decode(), url
    user = f.UserFactory(email="ana@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.force_login(user)
    for url in (
        reverse("account_logout"),
        reverse("account_email"),
        reverse("account_change_password"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'class="storefront auth-page"' in response.content.decode(), url


def test_password_reset_by_email_link(client):
    user = f.UserFactory(email="ana@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = client.post(reverse("account_reset_password"), {"email": "ana@example.com"})
    assert response.status_code == 302
    body = mail.outbox[-1].body
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)", body).group(1)
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path
    response = client.post(
        action, {"password1": "Another-pass-2026", "password2": "Another-pass-2026"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Another-pass-2026")


def test_signup_email_and_confirm_page_name_the_shop_and_the_email_only(client):
    _sign_up(client, "nia@example.com")
    user = Customer.objects.get(user__email="nia@example.com").user
    message = next(m for m in reversed(mail.outbox) if "nia@example.com" in m.to)
    html = message.alternatives[0][0]
    assert message.subject.startswith("[Omni] ")
    assert "example.com]" not in message.subject
    for text in (message.body, html):
        assert "register an account on" not in text
        assert "your Omni account" in text
        assert f"user {user.username}" not in text
    path = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body).group(1)
    page = client.get(path).content.decode()
    assert "nia@example.com" in page and f"user {user.username}" not in page
