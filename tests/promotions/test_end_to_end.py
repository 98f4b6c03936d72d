"""Offers end to end, through the screens (and the API a WMS drives, and the beat task
that sends the thank-you): a merchandiser creates "20% off knitwear this weekend" and a
batch of "10% next visit" codes in the admin; the shopper sees the offer on the product
page, applies a code in the cart, checks out; the order page shows the discounts; a
partial return at the desk refunds the discounted amount; the follow-up email hands out
a one-time code."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from customers.models import ConsentState
from customers.selectors import consent_state
from omni.api.services import api_key_create
from omni.models import ApiScope
from orders import services as order_services
from orders.models import Order, OrderLineDiscount, Refund
from promotions.models import Promotion, Voucher, VoucherBatch
from tests import factories as f
from tests.api.conftest import Caller
from tests.orders.helpers import CARD_FIELDS, make_variant, receive

pytestmark = pytest.mark.django_db

SATURDAY = dt.datetime(2026, 11, 28, 15, 0, tzinfo=dt.UTC)
ADDRESS = {"line1": "1 Capitol Ave", "city": "Springfield", "region": "IL", "postcode": "62701"}


def promotion_form(**fields) -> dict:
    return {
        "name": "",
        "label": "",
        "trigger": "automatic",
        "is_active": "on",
        "benefit": "percent_off",
        "value": "0",
        "buy_quantity": "0",
        "get_quantity": "0",
        "products": "",
        "variants": "",
        "min_quantity": "0",
        "min_amount": "0",
        "starts_on": "",
        "ends_on": "",
        "priority": "0",
        "stacking": "stackable",
        "limit_per_customer": "",
    } | fields


def test_offers_from_the_admin_to_the_follow_up_email(client, places, settings):
    settings.SITE_URL = "https://shop.example.com"
    settings.OMNI_POST_PURCHASE_DAYS = 3
    settings.OMNI_POST_PURCHASE_CAMPAIGN = "post-purchase"
    knitwear = f.CategoryFactory(name="Knitwear", slug="knitwear")
    sweater = make_variant("80.00", product=f.ProductFactory(name="Merino Crew", category=knitwear))
    receive(sweater, places["warehouse"], 10)
    related = make_variant("40.00", product=f.ProductFactory(name="Wool Beanie", category=knitwear))
    receive(related, places["warehouse"], 10)

    with time_machine.travel(SATURDAY, tick=False) as clock:
        # --- the merchandiser, in the admin --------------------------------------------
        merchandiser = Client()
        merchandiser.force_login(f.SuperUserFactory(username="merch"))
        add_url = reverse("admin:promotions_promotion_add")
        refused = merchandiser.post(
            add_url, promotion_form(name="Too much", value="150", categories=[knitwear.pk])
        )
        assert refused.status_code == 200
        assert "A percentage cannot be more than 100." in refused.content.decode()
        negative = merchandiser.post(add_url, promotion_form(name="Less", value="-5"))
        assert "Ensure this value is greater than or equal to 0." in negative.content.decode()
        assert not Promotion.objects.exists()

        created = merchandiser.post(
            add_url,
            promotion_form(
                name="20% off knitwear this weekend",
                value="20",
                categories=[knitwear.pk],
                starts_on="2026-11-28",
                ends_on="2026-11-29",
            ),
        )
        assert created.status_code == 302, created.content.decode()[:3000]
        next_visit = merchandiser.post(
            add_url,
            promotion_form(
                name="10% next visit", trigger="code", value="10", channels=["web", "store"]
            ),
        )
        assert next_visit.status_code == 302
        codes_promotion = Promotion.objects.get(name="10% next visit")
        generated = merchandiser.post(
            reverse("admin:promotions_promotion_generate", args=[codes_promotion.pk]),
            {
                "name": "Post-purchase",
                "count": "5",
                "campaign": "post-purchase",
                "prefix": "NV",
                "uses_each": "1",
            },
        )
        batch = VoucherBatch.objects.get()
        assert generated.url == reverse("admin:promotions_voucherbatch_change", args=[batch.pk])
        exported = merchandiser.get(reverse("admin:promotions_voucherbatch_csv", args=[batch.pk]))
        rows = list(csv.reader(io.StringIO(exported.content.decode())))
        codes = [row[0] for row in rows[1:]]
        assert len(codes) == len(set(codes)) == 5 and all(c.startswith("NV") for c in codes)

        # --- the shopper ------------------------------------------------------------------
        shopper = Client()
        product_page = shopper.get(reverse("catalog:product", args=[sweater.product.slug]))
        page = product_page.content.decode()
        assert "20% off knitwear this weekend" in page
        assert "$80.00" in page and "$64.00" in page  # was / now
        shopper.post("/cart/add/", {"variant": sweater.pk, "quantity": 2, "next": "/cart/"})
        applied = shopper.post(
            "/cart/code/",
            {"code": codes[0].lower(), "next": "/cart/"},
            HTTP_HX_REQUEST="true",
        )
        cart_html = applied.content.decode()
        assert "10% next visit" in cart_html and "20% off knitwear this weekend" in cart_html
        placed = shopper.post(
            "/checkout/",
            {
                "email": "ana@example.com",
                "first_name": "Ana",
                "last_name": "Shopper",
                "phone": "(217) 555-0100",
                "fulfilment": "ship",
                "payment": "card",
                "marketing_email": "on",
                **CARD_FIELDS,
                **ADDRESS,
            },
        )
        assert placed.status_code == 302, placed.content.decode()[:3000]
        order = Order.objects.get()
        line = order.lines.get()
        # 160 − 20% (32.00) − 10% of the 128 left (12.80) = 115.20; Illinois tax on that.
        assert (line.line_total, line.discount_total) == (D("160.00"), D("44.80"))
        labels = sorted(OrderLineDiscount.objects.filter(line=line).values_list("label", "amount"))
        assert labels == [
            ("10% next visit", D("12.80")),
            ("20% off knitwear this weekend", D("32.00")),
        ]
        tax = (D("115.20") * line.tax_rate).quantize(D("0.01"), rounding=ROUND_HALF_UP)
        assert line.tax_amount == tax
        assert order.total == D("115.20") + tax  # shipping free over 75
        assert Voucher.objects.get(code=codes[0]).used_count == 1
        confirmation = shopper.get(placed.url).content.decode()
        assert "20% off knitwear this weekend" in confirmation
        assert "10% next visit" in confirmation and "$44.80" in confirmation
        assert consent_state(customer=order.customer) == ConsentState.MARKETING

        # --- the WMS delivers it (API) ------------------------------------------------------
        _, raw = api_key_create(name="WMS", scopes=[ApiScope.ORDERS_WRITE], location_codes=[])
        wms = Caller()
        wms.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        parcel = order.fulfilments.get()
        for step in ("picking", "packed", "shipped", "delivered"):
            moved = wms.post(f"/api/v1/fulfilments/{parcel.pk}/status/", {"status": step})
            assert moved.status_code == 200, moved.json()

        # --- a partial return at the desk ---------------------------------------------------
        clock.move_to(SATURDAY + dt.timedelta(days=1))
        associate = f.AssociateFactory(home_location=places["springfield"])
        desk = Client()
        desk.force_login(associate.user)
        returned = desk.post(
            reverse("backoffice:return-form", args=[order.number]),
            {
                f"qty-{line.pk}": "1",
                f"reason-{line.pk}": "too_small",
                f"condition-{line.pk}": "A",
                f"disposition-{line.pk}": "restock",
                "refund_method": "original",
            },
        )
        assert returned.status_code == 302, returned.content.decode()[:3000]
        half_tax = (tax / 2).quantize(D("0.01"), rounding=ROUND_HALF_UP)
        assert Refund.objects.get().amount == D("57.60") + half_tax

        # --- the thank-you, three days on ---------------------------------------------------
        clock.move_to(SATURDAY + dt.timedelta(days=3, hours=1))
        mail.outbox.clear()
        # The return above is closed (received), so the thank-you may go.
        order_services.orders_follow_up()
        thanks = [m for m in mail.outbox if "ana@example.com" in m.to]
        assert thanks, [m.subject for m in mail.outbox]
        handed = Voucher.objects.get(batch=batch, issued_to=order.customer)
        assert handed.code != codes[0] and handed.used_count == 0
        assert handed.code in thanks[0].body
