"""Segment rules over the one model: a table of customers × rules → the exact members,
compiled to one query whatever the rules; bad rules refused naming the rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.errors import SegmentRulesInvalid
from campaigns.segments import rules_clean, segment_count, segment_customers
from catalog.models import Category
from customers.models import Channel, ConsentState, ContactChannel
from orders.models import Order
from tests import factories as f

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _ago(days: int) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


@pytest.fixture
def people():
    spr = f.LocationFactory(code="SPR")
    peo = f.LocationFactory(code="PEO")
    ana = f.CustomerFactory(first_name="ana", home_store=spr, language="en")
    ben = f.CustomerFactory(first_name="ben", home_store=peo, language="th")
    cat = f.CustomerFactory(first_name="cat", home_store=spr, language="fa")
    dan = f.CustomerFactory(first_name="dan", home_store=spr, language="vi")
    eve = f.CustomerFactory(first_name="eve", language="en")
    gone = f.CustomerFactory(first_name="gone", language="en")
    gone.merged_into = ana
    gone.save()
    # ana: online only, 200 spent lately.
    f.OrderFactory(customer=ana, channel=Channel.WEB, total=Decimal("120.00"), placed_at=_ago(10))
    f.OrderFactory(customer=ana, channel=Channel.APP, total=Decimal("80.00"), placed_at=_ago(40))
    # ben: a store purchase long ago.
    f.OrderFactory(customer=ben, channel=Channel.STORE, total=Decimal("50.00"), placed_at=_ago(400))
    # cat: both channels, 60 in all, last 100 days ago.
    f.OrderFactory(customer=cat, channel=Channel.STORE, total=Decimal("30.00"), placed_at=_ago(100))
    f.OrderFactory(customer=cat, channel=Channel.WEB, total=Decimal("30.00"), placed_at=_ago(200))
    # eve: only a cancelled order (it counts for nothing).
    f.OrderFactory(
        customer=eve,
        channel=Channel.WEB,
        total=Decimal("999.00"),
        placed_at=_ago(5),
        status=Order.Status.CANCELLED,
    )
    f.OrderFactory(customer=gone, channel=Channel.WEB, total=Decimal("500.00"), placed_at=_ago(3))
    tops = Category.SizeGroup.TOPS
    f.SizePreferenceFactory(customer=ana, size_group=tops, size="M")
    f.SizePreferenceFactory(customer=cat, size_group=tops, size="L")
    email = ContactChannel.EMAIL
    f.ConsentFactory(customer=ana, channel=email, state=ConsentState.MARKETING)
    f.ConsentFactory(customer=cat, channel=email, state=ConsentState.ONE_TO_ONE)
    f.ConsentFactory(customer=dan, channel=email, state=ConsentState.MARKETING)
    f.ConsentFactory(customer=ben, channel=ContactChannel.SMS, state=ConsentState.MARKETING)
    f.LoyaltyEntryFactory(customer=ana, points=500)
    f.LoyaltyEntryFactory(customer=ana, points=-100)
    f.LoyaltyEntryFactory(customer=cat, points=250)
    return {"spr": spr, "peo": peo}


CASES = [
    ({}, {"ana", "ben", "cat", "dan", "eve"}),
    ({"channel": "web"}, {"ana"}),
    ({"channel": "store"}, {"ben"}),
    ({"channel": "both"}, {"cat"}),
    ({"spend_min": "100"}, {"ana"}),
    ({"spend_min": "50", "spend_days": 500}, {"ana", "ben", "cat"}),
    ({"spend_max": "60"}, {"ben", "cat", "dan", "eve"}),
    ({"spend_min": "1", "spend_max": "60"}, {"cat"}),
    ({"last_purchase_after": (NOW - dt.timedelta(days=30)).date().isoformat()}, {"ana"}),
    ({"last_purchase_before": (NOW - dt.timedelta(days=50)).date().isoformat()}, {"ben", "cat"}),
    ({"size_group": "tops"}, {"ana", "cat"}),
    ({"size_group": "tops", "size": "m"}, {"ana"}),
    ({"email_consent": "marketing"}, {"ana", "dan"}),
    ({"email_consent": "one_to_one"}, {"cat"}),
    ({"email_consent": "none"}, {"ben", "eve"}),
    ({"languages": ["th", "fa"]}, {"ben", "cat"}),
    ({"loyalty_points_min": 300}, {"ana"}),
    ({"loyalty_points_min": 250}, {"ana", "cat"}),
    ({"channel": "web", "email_consent": "marketing", "languages": ["en"]}, {"ana"}),
]


@pytest.mark.parametrize(("rules", "members"), CASES)
def test_rules_select_exactly_these_customers(people, rules, members):
    names = set(segment_customers(rules).values_list("first_name", flat=True))
    assert names == members


def test_home_store_rule(people):
    names = set(
        segment_customers({"home_stores": [people["spr"].pk]}).values_list("first_name", flat=True)
    )
    assert names == {"ana", "cat", "dan"}


def test_every_rule_at_once_is_still_one_query(people):
    rules = {
        "channel": "web",
        "spend_min": "10",
        "spend_max": "1000",
        "last_purchase_after": "2000-01-01",
        "home_stores": [people["spr"].pk],
        "size_group": "tops",
        "size": "M",
        "email_consent": "marketing",
        "languages": ["en"],
        "loyalty_points_min": 1,
    }
    with CaptureQueriesContext(connection) as captured:
        names = [c.first_name for c in segment_customers(rules)]
    assert names == ["ana"]
    assert len(captured) == 1


def test_the_preview_counts_members_and_those_a_newsletter_reaches(people):
    assert segment_count({"home_stores": [people["spr"].pk]}) == (3, 2)


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"channel": "fax"}, "channel"),
        ({"spend_min": "lots"}, "spend_min"),
        ({"spend_min": "-5"}, "spend_min"),
        ({"spend_min": "100", "spend_max": "10"}, "spend_max"),
        ({"spend_days": 0}, "spend_days"),
        ({"last_purchase_after": "31/12/2025"}, "last_purchase_after"),
        ({"home_stores": ["x"]}, "home_stores"),
        ({"size": "M"}, "size_group"),
        ({"size_group": "hats"}, "size_group"),
        ({"email_consent": "maybe"}, "email_consent"),
        ({"languages": ["xx"]}, "languages"),
        ({"loyalty_points_min": "many"}, "loyalty_points_min"),
    ],
)
def test_bad_rules_name_the_rule(rules, field):
    with pytest.raises(SegmentRulesInvalid) as caught:
        rules_clean(rules)
    assert caught.value.field == field
