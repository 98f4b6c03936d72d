"""The Iranian shop's back-office on a tablet (1024×768), in a real browser: an associate
at a Tehran store reads a customer's 360 right to left, the timeline dated on the Solar
Hijri calendar in Persian digits, on the store's clock (omni/calendars.py)."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from customers.models import Interaction
from omni.markets import build_market
from tests import factories as f
from tests.e2e.conftest import TABLET
from tests.e2e.test_languages import PASSWORD, assert_spoken_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_iranian_back_office_dates_the_360_in_solar_hijri(
    live_server, browser, screenshot, settings
):
    settings.OMNI_MARKET_CONFIG = build_market("IR")
    settings.TIME_ZONE = "America/New_York"
    store = f.LocationFactory(name="Tajrish", code="THR", timezone="Asia/Tehran")
    user = f.UserFactory(email="sara@example.com")
    f.AssociateFactory(user=user, home_location=store, display_name="Sara", language="")
    customer = f.CustomerFactory(first_name="Reza", last_name="Karimi", email="reza@example.com")
    entry = f.InteractionFactory(customer=customer, location=store)
    # 01:30 on 12 Azar 1405 in Tehran (still 2 December in New York).
    Interaction.objects.filter(pk=entry.pk).update(
        occurred_at=dt.datetime(2026, 12, 2, 22, 0, tzinfo=dt.UTC)
    )

    page = browser.new_page(viewport=TABLET, locale="fa-IR")
    base = live_server.url
    page.goto(f"{base}/accounts/login/?next=/backoffice/")
    page.fill("input[name=login]", "sara@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(re.compile(r"/backoffice/$"))

    page.goto(f"{base}{reverse('backoffice:customer-detail', args=[customer.pk])}")
    meta = page.locator(".bo-entry-meta").first.inner_text()
    assert "۱۲ آذر ۱۴۰۵" in meta and "۱:۳۰" in meta
    assert_spoken_in(page, "fa", "rtl", "customer 360")
    screenshot(page, "customer-360-solar-hijri")
