"""The data migration that re-normalises stored phone numbers to E.164 in the market's
country (customers 0009, stores 0006): the till's ``+10812345678`` (the old rule's +1 on
a Thai 081 234 5678) and the web's ``+66812345678`` become one number; the two customers
are listed as possible duplicates — never merged — and an associate merges them from the
back-office list; a number that cannot be read stays as stored and is listed."""

import importlib

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from customers.models import Customer, CustomerIdentity
from customers.selectors import customers_sharing_a_phone, customers_with_unreadable_phone
from omni.markets import build_market
from tests import factories as f

customers_0008 = importlib.import_module("customers.migrations.0009_phones_e164")
stores_0006 = importlib.import_module("stores.migrations.0006_location_phones_e164")


@pytest.fixture
def thai_rows(db, settings):
    settings.OMNI_MARKET_CONFIG = build_market("TH")
    till = f.CustomerFactory(first_name="Somchai", phone="+10812345678", email="")
    web = f.CustomerFactory(first_name="Somchai", phone="+66812345678", email="s@example.com")
    f.CustomerIdentityFactory(customer=till, kind="phone", value="+10812345678")
    f.CustomerIdentityFactory(customer=web, kind="phone", value="+66812345678")
    alone = f.CustomerFactory(phone="+10898765432", email="")
    f.CustomerIdentityFactory(customer=alone, kind="phone", value="+10898765432")
    odd = f.CustomerFactory(phone="+1234", email="")
    return till, web, alone, odd


def test_the_migration_renormalises_and_lists_the_customers_now_sharing_a_number(thai_rows):
    till, web, alone, odd = thai_rows
    counts = customers_0008.phones_renormalise(apps)
    assert counts == {"changed": 2, "unreadable": 1, "identities_kept": 1}
    till.refresh_from_db(), alone.refresh_from_db(), odd.refresh_from_db()
    assert (till.phone, alone.phone) == ("+66812345678", "+66898765432")
    assert odd.phone == "+1234"  # left as stored
    assert CustomerIdentity.objects.get(customer=alone).value == "+66898765432"
    # Never merged: both records stay active, listed side by side.
    assert Customer.objects.filter(is_active=True).count() == 4
    groups = customers_sharing_a_phone()
    assert [(g.phone, [c.pk for c in g.customers]) for g in groups] == [
        ("+66812345678", [till.pk, web.pk])
    ]
    assert customers_with_unreadable_phone() == [odd]


def test_the_migration_is_safe_to_run_twice(thai_rows):
    customers_0008.phones_renormalise(apps)
    assert customers_0008.phones_renormalise(apps) == {
        "changed": 0,
        "unreadable": 1,
        "identities_kept": 1,
    }


def test_store_phones_are_renormalised_too(db, settings):
    settings.OMNI_MARKET_CONFIG = build_market("TH")
    store = f.LocationFactory(phone="+026581000")  # the old rule on 02 658 1000
    assert stores_0006.location_phones_renormalise(apps) == 1
    store.refresh_from_db()
    assert store.phone == "+6626581000"


def test_the_review_command_prints_the_pairs_and_the_unreadable(thai_rows, capsys):
    till, web, _alone, odd = thai_rows
    customers_0008.phones_renormalise(apps)
    call_command("phones_review")
    out = capsys.readouterr().out
    assert "Customers sharing a phone number: 1" in out
    assert f"+66812345678: #{till.pk}" in out and f"#{web.pk}" in out
    assert f"#{odd.pk}" in out and "+1234" in out


def test_a_manager_merges_a_listed_pair_from_the_back_office(client, thai_rows):
    till, web, _alone, _odd = thai_rows
    customers_0008.phones_renormalise(apps)
    store = f.LocationFactory()
    # An associate sees the pair but a merge (it cannot be undone) is a manager's.
    associate = f.AssociateFactory(home_location=store)
    client.force_login(associate.user)
    body = client.get(reverse("backoffice:customer-duplicates")).content.decode()
    assert "081 234 5678" in body and f'name="source" value="{web.pk}"' not in body
    refused = client.post(
        reverse("backoffice:customer-duplicate-merge"), {"source": web.pk, "target": till.pk}
    )
    assert refused.status_code == 403
    web.refresh_from_db()
    assert web.is_active

    manager = f.AssociateFactory(home_location=store, role="manager")
    client.force_login(manager.user)
    page = client.get(reverse("backoffice:customer-duplicates"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "081 234 5678" in body  # the number in the shop's national format
    assert f'name="source" value="{web.pk}"' in body
    response = client.post(
        reverse("backoffice:customer-duplicate-merge"), {"source": web.pk, "target": till.pk}
    )
    assert response.status_code == 302
    web.refresh_from_db()
    assert (web.is_active, web.merged_into_id) == (False, till.pk)
    assert customers_sharing_a_phone() == []
