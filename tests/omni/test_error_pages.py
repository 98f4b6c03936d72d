"""Branded error pages: the storefront's look for shoppers, the back-office's for
/backoffice/ paths, never Django's debug page for a missing product (even with DEBUG on, as
in the demo); and the favicon on every layout."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.staticfiles import finders
from django.test import Client, RequestFactory, override_settings

from omni import views
from tests import factories as f

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_a_missing_product_is_the_branded_404_even_in_debug(client):
    response = client.get("/p/no-such-product/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "We can't find that page" in body
    assert 'class="storefront"' in body and 'name="q"' in body
    assert "Django" not in body and "URLconf" not in body and "Traceback" not in body


def test_an_unknown_storefront_address_is_the_branded_404(client):
    response = client.get("/nowhere/at/all/")
    assert response.status_code == 404
    assert "We can't find that page" in response.content.decode()


def test_backoffice_404_and_403_wear_the_backoffice_look(client):
    associate = f.AssociateFactory()
    client.force_login(associate.user)
    response = client.get("/backoffice/pickups/999999/")
    assert response.status_code == 404
    body = response.content.decode()
    assert 'class="backoffice"' in body and "Back to today" in body
    client.force_login(f.UserFactory())  # a shopper
    response = client.get("/backoffice/")
    assert response.status_code == 403
    body = response.content.decode()
    assert 'class="backoffice"' in body and "for store associates" in body


def test_400_and_500_pages():
    request = RequestFactory().get("/cart/")
    request.user, request.session = AnonymousUser(), SessionStore()
    response = views.bad_request(request)
    assert response.status_code == 400 and "couldn't read that request" in response.text
    response = views.server_error(RequestFactory().get("/backoffice/pickups/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "take their details on paper" in response.text  # the back-office's words


def test_the_favicon_is_served_and_linked_from_every_layout(admin_client):
    assert finders.find("images/favicon.svg")
    shopper, associate = Client(), Client()
    associate.force_login(f.AssociateFactory().user)
    pages = [shopper.get("/"), shopper.get("/accounts/login/"), admin_client.get("/admin/")]
    pages.append(associate.get("/backoffice/"))
    for page in pages:
        assert page.status_code == 200
        assert 'rel="icon" href="/static/images/favicon.svg"' in page.content.decode()
