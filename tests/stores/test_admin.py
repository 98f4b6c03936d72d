"""Locations in the admin: saving a new location, or moving one, keeps the distance table
(which sourcing and nearest-store availability join on) true."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from stores.models import Location, LocationDistance
from stores.services import location_distances_rebuild
from tests import factories as f

pytestmark = pytest.mark.django_db

SPRINGFIELD = (Decimal("39.781700"), Decimal("-89.650100"))
CHICAGO = (Decimal("41.878100"), Decimal("-87.629800"))


def _form_data(client, url: str, location: Location | None, **changes) -> dict:
    """The change form's fields as the admin would post them, plus the inline's
    management form."""
    page = client.get(url).content.decode()
    data = {}
    if location is not None:
        data = {k: v for k, v in model_to_dict(location).items() if v is not None}
        data["opening_hours"] = "{}"
    data.update(changes)
    for prefix in set(re.findall(r'name="([^"]+)-TOTAL_FORMS"', page)):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return {k: ("on" if v is True else v) for k, v in data.items() if v is not False}


def _distance(a: Location, b: Location) -> Decimal:
    return LocationDistance.objects.get(origin=a, destination=b).distance_km


def test_moving_a_location_in_the_admin_recomputes_its_distances(admin_client):
    here = f.LocationFactory(latitude=SPRINGFIELD[0], longitude=SPRINGFIELD[1])
    there = f.LocationFactory(latitude=SPRINGFIELD[0], longitude=SPRINGFIELD[1])
    location_distances_rebuild()
    assert _distance(here, there) == Decimal("0.00")

    url = reverse("admin:stores_location_change", args=[there.pk])
    data = _form_data(admin_client, url, there, latitude=CHICAGO[0], longitude=CHICAGO[1])
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    # Springfield to Chicago is about 300 km, both ways.
    assert 280 < _distance(here, there) < 320
    assert _distance(there, here) == _distance(here, there)


def test_saving_without_moving_leaves_the_distances_alone(admin_client):
    here = f.LocationFactory(latitude=SPRINGFIELD[0], longitude=SPRINGFIELD[1])
    there = f.LocationFactory(latitude=CHICAGO[0], longitude=CHICAGO[1])
    location_distances_rebuild()
    LocationDistance.objects.filter(origin=here, destination=there).update(distance_km=1)
    url = reverse("admin:stores_location_change", args=[there.pk])
    response = admin_client.post(url, _form_data(admin_client, url, there, name="Renamed"))
    assert response.status_code == 302
    assert _distance(here, there) == Decimal("1.00")  # untouched: nothing moved


def test_adding_a_location_in_the_admin_gives_it_distances(admin_client):
    existing = f.LocationFactory(latitude=SPRINGFIELD[0], longitude=SPRINGFIELD[1])
    location_distances_rebuild()
    template = f.LocationFactory.build(code="NEW", latitude=CHICAGO[0], longitude=CHICAGO[1])
    url = reverse("admin:stores_location_add")
    data = _form_data(admin_client, url, None, **model_to_dict(template, exclude=["id"]))
    data["opening_hours"] = "{}"
    data = {k: v for k, v in data.items() if v is not None}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    new = Location.objects.get(code="NEW")
    assert 280 < _distance(existing, new) < 320
    assert _distance(new, new) == Decimal("0.00")
