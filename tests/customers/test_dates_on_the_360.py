"""The 360 in the back-office of an Iranian shop: the timeline and the customer's dates in
Solar Hijri with Persian digits, on the store's clock (omni/calendars.py)."""

import datetime as dt

import pytest
from django.urls import reverse

from customers.models import Interaction
from omni.markets import build_market
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_timeline_of_a_persian_associate_is_on_the_solar_hijri_calendar(client, settings):
    settings.OMNI_MARKET_CONFIG = build_market("IR")
    settings.TIME_ZONE = "America/New_York"
    store = f.LocationFactory(name="Tajrish", code="THR", timezone="Asia/Tehran")
    associate = f.AssociateFactory(home_location=store, display_name="Sara", language="fa")
    customer = f.CustomerFactory(first_name="Reza", email="reza@example.com")
    entry = f.InteractionFactory(customer=customer, location=store)
    # 22:00 on 2 December in UTC is 01:30 on 3 December in Tehran (12 Azar 1405), still
    # 2 December in New York (11 Azar).
    moment = dt.datetime(2026, 12, 2, 22, 0, tzinfo=dt.UTC)
    Interaction.objects.filter(pk=entry.pk).update(occurred_at=moment)

    client.force_login(associate.user)
    page = client.get(reverse("backoffice:customer-detail", args=[customer.pk])).content.decode()
    assert "۱۲ آذر ۱۴۰۵" in page and "۱:۳۰" in page
    assert "۱۱ آذر" not in page and "دسامبر" not in page  # no Gregorian month
