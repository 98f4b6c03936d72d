"""The transfers admin: a list by state with one action per transition (ship, receive,
cancel), each through inventory.services; state and quantities are never edited by hand."""

from __future__ import annotations

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from inventory import services
from inventory.models import Stock, Transfer

pytestmark = pytest.mark.django_db

URL = reverse("admin:inventory_transfer_changelist")


def _act(client, action, ids):
    return client.post(
        URL, {"action": action, helpers.ACTION_CHECKBOX_NAME: [str(i) for i in ids]}, follow=True
    )


@pytest.fixture
def transfer(places, variant):
    services.stock_receive(variant_id=variant.pk, location_id=places["peoria"].pk, quantity=4)
    return services.transfer_request(
        source_id=places["peoria"].pk,
        destination_id=places["springfield"].pk,
        lines=[(variant.pk, 3)],
    )


def test_ship_then_receive_through_the_actions(admin_client, transfer, variant, places):
    response = _act(admin_client, "transfers_ship", [transfer.pk])
    assert "1 transfer(s) shipped" in response.content.decode()
    assert Stock.objects.get(variant=variant, location=places["peoria"]).on_hand == 1
    response = _act(admin_client, "transfers_receive", [transfer.pk])
    assert "1 transfer(s) received" in response.content.decode()
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.RECEIVED
    assert Stock.objects.get(variant=variant, location=places["springfield"]).on_hand == 3
    # Receiving again is refused by the service, by transfer number, and changes nothing.
    response = _act(admin_client, "transfers_receive", [transfer.pk])
    assert f"{transfer.number}: Transfer {transfer.number} was received already" in (
        response.content.decode()
    )
    assert Stock.objects.get(variant=variant, location=places["springfield"]).on_hand == 3


def test_cancel_keeps_who_did_it(admin_client, transfer, variant, places):
    _act(admin_client, "transfers_cancel", [transfer.pk])
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.CANCELLED
    assert transfer.cancel_reason.startswith("Cancelled in the admin by")
    assert Stock.objects.get(variant=variant, location=places["peoria"]).reserved == 0


def test_state_filter_and_no_hand_edits(admin_client, transfer):
    response = admin_client.get(URL, {"status__exact": "requested"})
    assert transfer.number in response.content.decode()
    assert (
        admin_client.get(URL, {"status__exact": "shipped"}).content.decode().count(transfer.number)
        == 0
    )
    change = admin_client.get(reverse("admin:inventory_transfer_change", args=[transfer.pk]))
    body = change.content.decode()
    assert 'name="status"' not in body and 'name="lines-0-quantity"' not in body
    assert admin_client.get(reverse("admin:inventory_transfer_add")).status_code == 403
