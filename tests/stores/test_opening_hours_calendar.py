"""Store opening hours on the store finder: the week starts on the market's first day
(Saturday in Iran, Monday in Vietnam, Sunday in the US) and the times are in the
language's clock and digits."""

import pytest

from omni.markets import build_market
from tests import factories as f

pytestmark = pytest.mark.django_db


def first_day(client) -> str:
    response = client.get("/stores/")
    (card,) = response.context["cards"]
    return card.week[0][0]


@pytest.mark.parametrize(
    ("market", "day"), [("IR", "Saturday"), ("VN", "Monday"), ("US", "Sunday")]
)
def test_the_week_starts_on_the_markets_first_day(client, settings, market, day):
    settings.OMNI_MARKET_CONFIG = build_market(market)
    f.LocationFactory(name="Central")
    client.cookies["django_language"] = "en"  # an English page, whatever the market's default
    assert first_day(client) == day


def test_persian_hours_are_24_hour_with_persian_digits(client):
    f.LocationFactory(name="Central")
    body = client.get("/fa/stores/").content.decode()
    assert "۱۱:۰۰–۱۷:۰۰" in body and "11:00" not in body
