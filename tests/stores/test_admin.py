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


# --- store settings are checked where they are typed ------------------------------------------


def _hours_form(client, url, location, **changes):
    data = _form_data(client, url, location)
    data.pop("opening_hours", None)
    hours = location.opening_hours or {}
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        data[f"hours_{day}"] = ", ".join(f"{a}-{b}" for a, b in hours.get(day, []))
    data.update(changes)
    return data


def test_a_time_zone_with_a_trailing_space_is_saved_as_the_real_zone(admin_client):
    location = f.LocationFactory(timezone="America/Chicago")
    url = reverse("admin:stores_location_change", args=[location.pk])
    response = admin_client.post(
        url, _hours_form(admin_client, url, location, timezone="Asia/Bangkok ")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    location.refresh_from_db()
    assert location.timezone == "Asia/Bangkok"


@pytest.mark.parametrize("zone", ["Asia/Bankok", "bangkok", "UTC+7", ""])
def test_a_time_zone_that_does_not_exist_is_refused(admin_client, zone):
    location = f.LocationFactory(timezone="America/Chicago")
    url = reverse("admin:stores_location_change", args=[location.pk])
    response = admin_client.post(url, _hours_form(admin_client, url, location, timezone=zone))
    assert response.status_code == 200
    assert "timezone" in response.context["adminform"].form.errors
    location.refresh_from_db()
    assert location.timezone == "America/Chicago"


def test_the_time_zone_is_picked_from_the_real_zones(admin_client):
    location = f.LocationFactory()
    page = admin_client.get(reverse("admin:stores_location_change", args=[location.pk]))
    choices = dict(page.context["adminform"].form.fields["timezone"].choices)
    assert "Asia/Bangkok" in choices and "Asia/Bangkok " not in choices
    assert '<select name="timezone"' in page.content.decode()


def test_opening_hours_are_typed_per_weekday_and_saved_as_intervals(admin_client):
    location = f.LocationFactory()
    url = reverse("admin:stores_location_change", args=[location.pk])
    data = _hours_form(
        admin_client, url, location, hours_mon="9:00-12:30, 13:30–19:00", hours_sun=""
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    location.refresh_from_db()
    assert location.opening_hours["mon"] == [["09:00", "12:30"], ["13:30", "19:00"]]
    assert location.opening_hours["sun"] == []
    assert location.opening_hours["tue"] == [["09:00", "19:00"]]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("19:00-09:00", "not before"),
        ("10:00-10:00", "not before"),
        ("09:00-13:00, 12:00-18:00", "overlaps"),
        ("25:00-26:00", "not an interval"),
        ("nine to five", "not an interval"),
    ],
)
def test_opening_hours_that_cannot_be_are_refused(admin_client, typed, message):
    location = f.LocationFactory()
    before = location.opening_hours
    url = reverse("admin:stores_location_change", args=[location.pk])
    response = admin_client.post(url, _hours_form(admin_client, url, location, hours_wed=typed))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors["hours_wed"])
    location.refresh_from_db()
    assert location.opening_hours == before


def test_the_model_refuses_a_bad_zone_or_hours_from_any_writer():
    from django.core.exceptions import ValidationError

    location = f.LocationFactory.build(code="CHK", timezone="Asia/Bangkok ")
    with pytest.raises(ValidationError) as caught:
        location.full_clean()
    assert "timezone" in caught.value.message_dict
    location.timezone = "Asia/Bangkok"
    location.opening_hours = {"mon": [["18:00", "09:00"]], "someday": []}
    with pytest.raises(ValidationError) as caught:
        location.full_clean()
    assert len(caught.value.message_dict["opening_hours"]) == 2
