"""The returns desk (BORIS) and "today at this store", through their URLs: any order
from any channel found by number, code, email or phone; the one policy refusing what it
should with the words it uses everywhere; a manager's override recorded; stock landing in
this store; refunds, store credit and exchanges; and nothing written when refused."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Interaction, List, StoreCreditEntry
from customers.selectors import loyalty_balance, store_credit_balance, store_today
from customers.services import normalise_phone
from inventory.models import Stock, StockMovement
from omni.models import OutboxMessage
from orders.models import Fulfilment, OrderLine, Refund
from orders.services import CarryOut, OrderRequest, PaymentChoice, order_place
from returns.models import Return, ReturnLine
from returns.selectors import returns_for_customer
from returns.services import return_receive, return_request
from stores.models import Associate
from tests import factories as f
from tests.returns.conftest import LineSpec

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, associate):
    client.force_login(associate.user)
    return client


@pytest.fixture
def manager_desk(client, manager):
    client.force_login(manager.user)
    return client


def form_url(order, **query):
    url = reverse("backoffice:return-form", args=[order.number])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


class _FormFields(HTMLParser):
    """The fields a browser would submit from a rendered page: inputs with their value
    (radios and checkboxes when checked), the selected option of each select (else its
    first), textareas."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in {"submit", "button"}:
            if a.get("type") in {"radio", "checkbox"} and "checked" not in a:
                return
            self.fields[name] = a.get("value") or ""
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select:
            if self._select not in self.fields or "selected" in a:
                self.fields[self._select] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def rendered_fields(html: str) -> dict[str, str]:
    parser = _FormFields()
    parser.feed(html)
    return parser.fields


def rendered_fields_enabled(html: str) -> dict[str, str]:
    """The fields a browser submits: those outside a disabled fieldset."""
    kept = re.sub(r"<fieldset[^>]* disabled[^>]*>.*?</fieldset>", "", html, flags=re.S)
    return rendered_fields(kept)


def _input_tag(html: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert found, f"no input {name} on the page"
    return found.group(0)


def line_data(line, quantity=1, *, reason="too_small", condition="A", disposition="restock"):
    return {
        f"qty-{line.pk}": str(quantity),
        f"reason-{line.pk}": reason,
        f"condition-{line.pk}": condition,
        f"disposition-{line.pk}": disposition,
    }


def writes() -> dict[str, int]:
    return {
        "returns": Return.objects.count(),
        "lines": ReturnLine.objects.count(),
        "movements": StockMovement.objects.count(),
        "refunds": Refund.objects.count(),
        "credit": StoreCreditEntry.objects.count(),
    }


# --- permissions ----------------------------------------------------------------------


class TestPermissions:
    def test_anonymous_and_shoppers_are_kept_out(self, client, make_order):
        order = make_order()
        for name, args in (
            ("backoffice:today", []),
            ("backoffice:returns-desk", []),
            ("backoffice:return-form", [order.number]),
        ):
            response = client.get(reverse(name, args=args))
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        client.force_login(f.UserFactory())
        assert client.get(reverse("backoffice:returns-desk")).status_code == 403
        assert client.get(reverse("backoffice:today")).status_code == 403
        response = client.post(form_url(order), line_data(order.lines.get()))
        assert response.status_code == 403
        assert not Return.objects.exists()

    def test_unknown_order_is_not_found(self, desk):
        assert desk.get(reverse("backoffice:return-form", args=["W0"])).status_code == 404

    def test_receipt_of_another_stores_return_is_not_found(
        self, client, make_order, places, associate
    ):
        order = make_order()
        done = return_receive(
            order=order,
            location=places.springfield,
            associate=associate,
            lines=[(order.lines.get().pk, 1, "too_small", "A", "restock")],
            refund_method="store_credit",
        )
        stranger = f.AssociateFactory(home_location=places.peoria)
        client.force_login(stranger.user)
        url = reverse("backoffice:return-receipt", args=[done.number])
        assert client.get(url).status_code == 404
        client.force_login(associate.user)
        assert client.get(url).status_code == 200
        assert client.get(reverse("backoffice:return-receipt", args=["R0"])).status_code == 404


# --- finding the order ----------------------------------------------------------------


class TestDesk:
    def test_find_by_email_phone_and_number(self, desk, make_order):
        customer = f.CustomerFactory(email="olivia@example.com", phone="+12175550199")
        f.CustomerIdentityFactory(customer=customer, kind="email", value="olivia@example.com")
        web = make_order(customer=customer)
        other = make_order()
        page = desk.get(reverse("backoffice:returns-desk"), {"q": "Olivia@Example.com"})
        body = page.content.decode()
        assert web.number in body and other.number not in body
        response = desk.get(reverse("backoffice:returns-desk"), {"q": web.number.lower()})
        assert response.status_code == 302
        assert response["Location"] == form_url(web)

    def test_find_by_phone_in_any_format(self, desk, make_order):
        customer = f.CustomerFactory()
        f.CustomerIdentityFactory(
            customer=customer, kind="phone", value=normalise_phone("(217) 555-0142")
        )
        order = make_order(customer=customer)
        body = desk.get(reverse("backoffice:returns-desk"), {"q": "217.555.0142"})
        assert order.number in body.content.decode()

    def test_nothing_found_says_so(self, desk):
        body = desk.get(reverse("backoffice:returns-desk"), {"q": "nobody@example.com"})
        assert "No order matches" in body.content.decode()

    def test_htmx_search_is_the_fragment(self, desk, make_order):
        order = make_order()
        response = desk.get(
            reverse("backoffice:returns-desk"), {"q": order.email}, HTTP_HX_REQUEST="true"
        )
        body = response.content.decode()
        assert 'id="return-results"' in body and "<html" not in body
        assert order.number in body

    def test_a_return_code_opens_the_online_return(self, desk, make_order, places):
        order = make_order()
        requested = return_request(
            order=order,
            customer=order.customer,
            lines=[(order.lines.get().pk, 1, "too_large", "")],
            method="in_store",
            location=places.springfield,
        )
        desk_page = desk.get(reverse("backoffice:returns-desk")).content.decode()
        assert requested.number in desk_page  # expected here
        response = desk.get(reverse("backoffice:returns-desk"), {"q": requested.number.lower()})
        assert response["Location"] == form_url(order, **{"return": requested.number})
        spaced = f" {requested.number[:5]} {requested.number[5:]} "  # as read out
        response = desk.get(reverse("backoffice:returns-desk"), {"q": spaced})
        assert response["Location"] == form_url(order, **{"return": requested.number})
        form = desk.get(response["Location"]).content.decode()
        assert f"Completing return <strong>{requested.number}</strong>" in form

    def test_unknown_return_code(self, desk):
        body = desk.get(reverse("backoffice:returns-desk"), {"q": "R12345678"}).content.decode()
        assert "No return has the code R12345678" in body


# --- taking the return ----------------------------------------------------------------


class TestReturnForm:
    def test_form_shows_lines_and_policy(self, desk, make_order):
        order = make_order(lines=[LineSpec(quantity=2), LineSpec(final_sale=True)])
        body = desk.get(form_url(order)).content.decode()
        assert "Bought 2" in body
        assert "was a final sale" in body
        assert "ask a manager to override" in body.lower()

    def test_a_refused_line_is_marked_up_front_with_no_inputs(self, desk, make_order):
        order = make_order(lines=[LineSpec(), LineSpec(final_sale=True)])
        shirt, scarf = order.lines.order_by("pk")
        body = desk.get(form_url(order)).content.decode()
        scarf_box = re.search(rf'<fieldset[^>]*aria-describedby="refused-{scarf.pk}"', body)
        assert scarf_box and " disabled" in scarf_box.group(0)
        assert body.count("was a final sale.") == 1
        assert f'name="qty-{scarf.pk}"' in body  # shown, but disabled with its fieldset
        assert f'aria-describedby="refused-{shirt.pk}"' not in body
        # What a browser submits from this page leaves the refused line out.
        assert f"qty-{scarf.pk}" not in rendered_fields_enabled(body)

    def test_a_refusal_is_said_once(self, desk, make_order):
        order = make_order(lines=[LineSpec(final_sale=True)])
        response = desk.post(
            form_url(order), {**line_data(order.lines.get()), "refund_method": "original"}
        )
        assert response.status_code == 400
        assert response.content.decode().count("was a final sale.") == 1
        # ... and not queued again for the next page either.
        assert "was a final sale." not in desk.get(reverse("backoffice:today")).content.decode()

    def test_a_form_error_is_said_once(self, desk, make_order):
        order = make_order()
        response = desk.post(form_url(order), {"refund_method": "original"})
        assert response.content.decode().count("Enter how many of at least one item") == 1

    def test_a_manager_may_fill_in_an_overridable_line(self, manager_desk, make_order):
        order = make_order(days_ago=90)
        line = order.lines.get()
        body = manager_desk.get(form_url(order)).content.decode()
        assert f'aria-describedby="refused-{line.pk}"' not in body  # not disabled
        assert "you can override this" in body

    def test_restock_here_with_store_credit(self, desk, make_order, places, associate):
        order = make_order(lines=[LineSpec(price=Decimal("49.00"), quantity=2)])
        line = order.lines.get()
        response = desk.post(
            form_url(order), {**line_data(line, 2), "refund_method": "store_credit"}
        )
        assert response.status_code == 302
        done = Return.objects.get()
        assert response["Location"] == reverse("backoffice:return-receipt", args=[done.number])
        assert done.location == places.springfield and done.associate == associate
        assert done.status == Return.Status.REFUNDED
        stock = Stock.objects.get(variant=line.variant, location=places.springfield)
        assert stock.on_hand == 2
        assert store_credit_balance(customer=order.customer) == Decimal("98.00")
        assert loyalty_balance(customer=order.customer) == 0  # the 98 points earned, reversed
        assert Interaction.objects.filter(
            customer=order.customer, kind=Interaction.Kind.RETURN
        ).exists()
        assert OutboxMessage.objects.filter(topic="email.return_received").count() == 1
        assert list(returns_for_customer(customer=order.customer)) == [done]
        receipt = desk.get(response["Location"]).content.decode()
        assert done.number in receipt and "98.00" in receipt
        assert "A: resaleable" in receipt

    def test_refund_to_original_payment_and_grades(self, desk, make_order):
        order = make_order(lines=[LineSpec(), LineSpec()])
        first, second = order.lines.order_by("pk")
        data = {
            **line_data(first, condition="B", disposition="inspect"),
            **line_data(second, condition="C", disposition="write_off", reason="damaged"),
            "refund_method": "original",
        }
        assert desk.post(form_url(order), data).status_code == 302
        done = Return.objects.get()
        grades = dict(done.lines.values_list("order_line_id", "condition"))
        assert grades == {first.pk: "B", second.pk: "C"}
        assert Refund.objects.get().amount == Decimal("98.00")
        assert not StockMovement.objects.exists()  # inspect and write-off: none on sale

    def test_send_to_warehouse_requests_a_transfer(self, desk, make_order, places):
        order = make_order()
        line = order.lines.get()
        data = {**line_data(line, disposition="to_warehouse"), "refund_method": "original"}
        assert desk.post(form_url(order), data).status_code == 302
        interaction = Interaction.objects.get(kind=Interaction.Kind.RETURN)
        assert interaction.detail["restocked"] == 1

    def test_exchange_for_another_size(self, desk, make_order, places):
        order = make_order()
        line = order.lines.get()
        # Sold with Illinois's 6.25% on top, as the exchange at Springfield will be: the
        # returned value (price and tax) pays for the same-priced size.
        OrderLine.objects.filter(pk=line.pk).update(
            tax_rate=Decimal("0.0625"), tax_amount=Decimal("3.06")
        )
        larger = f.VariantFactory(product=line.variant.product, size="XL")
        f.PriceFactory(variant=larger, amount=Decimal("49.00"))
        f.StockFactory(variant=larger, location=places.springfield, on_hand=2)
        body = desk.get(form_url(order)).content.decode()
        assert f'<option value="{larger.pk}"' in body
        data = {
            **line_data(line),
            f"exchange-{line.pk}": str(larger.pk),
            "refund_method": "exchange",
        }
        response = desk.post(form_url(order), data)
        assert response.status_code == 302
        done = Return.objects.get()
        assert done.exchange_order is not None
        assert done.exchange_order.lines.get().variant == larger

    def test_exchange_for_another_product_is_refused(self, desk, make_order, places):
        order = make_order()
        line = order.lines.get()
        stranger = f.VariantFactory()
        f.PriceFactory(variant=stranger, amount=Decimal("10.00"))
        before = writes()
        response = desk.post(
            form_url(order),
            {
                **line_data(line),
                f"exchange-{line.pk}": str(stranger.pk),
                "refund_method": "exchange",
            },
        )
        assert response.status_code == 400
        assert "same product" in response.content.decode()
        assert writes() == before

    def test_exchange_without_a_replacement(self, desk, make_order):
        order = make_order()
        response = desk.post(
            form_url(order), {**line_data(order.lines.get()), "refund_method": "exchange"}
        )
        assert response.status_code == 400
        assert "Choose what the shopper takes in exchange." in response.content.decode()
        assert not Return.objects.exists()

    def test_completing_an_online_return_with_what_the_page_renders(
        self, desk, make_order, places, associate
    ):
        order = make_order(lines=[LineSpec(quantity=3)])
        line = order.lines.get()
        # One unit already came back at a till: it still counts; the online return's own
        # two units must not count against it.
        return_receive(
            order=order,
            location=places.springfield,
            associate=associate,
            lines=[(line.pk, 1, "too_small", "A", "restock")],
            refund_method="store_credit",
        )
        requested = return_request(
            order=order,
            customer=order.customer,
            lines=[(line.pk, 2, "too_large", "")],
            method="in_store",
            location=places.springfield,
        )
        page = desk.get(form_url(order, **{"return": requested.number})).content.decode()
        assert "has already been returned" not in page
        quantity = _input_tag(page, f"qty-{line.pk}")
        assert 'value="2"' in quantity and 'max="2"' in quantity
        fields = rendered_fields(page)
        assert fields[f"qty-{line.pk}"] == "2"
        assert fields[f"reason-{line.pk}"] == "too_large"  # as the shopper said online
        assert fields["return"] == requested.number
        # What the associate adds at the counter: the grade and where the items go.
        fields |= {f"condition-{line.pk}": "A", f"disposition-{line.pk}": "restock"}
        response = desk.post(form_url(order), fields)
        assert response.status_code == 302, response.content.decode()
        assert response["Location"] == reverse("backoffice:return-receipt", args=[requested.number])
        assert Return.objects.count() == 2  # the till's and the completed online one
        requested.refresh_from_db()
        assert requested.status == Return.Status.REFUNDED
        assert requested.location == places.springfield
        assert [(rl.quantity, rl.condition) for rl in requested.lines.all()] == [(2, "A")]
        # Received, its code opens the receipt, not a form to take it again...
        again = desk.get(form_url(order, **{"return": requested.number}))
        assert again["Location"] == reverse("backoffice:return-receipt", args=[requested.number])
        # ...and it counts like any other: nothing of the line is left to take.
        page = desk.get(form_url(order)).content.decode()
        assert f'name="qty-{line.pk}"' not in page

    def test_completing_an_online_return_with_fewer_than_requested(self, desk, make_order, places):
        order = make_order(lines=[LineSpec(quantity=2)])
        line = order.lines.get()
        requested = return_request(
            order=order,
            customer=order.customer,
            lines=[(line.pk, 2, "too_large", "")],
            method="in_store",
            location=places.springfield,
        )
        fields = rendered_fields(
            desk.get(form_url(order, **{"return": requested.number})).content.decode()
        )
        fields |= {
            f"qty-{line.pk}": "1",
            f"condition-{line.pk}": "B",
            f"disposition-{line.pk}": "restock",
        }
        assert desk.post(form_url(order), fields).status_code == 302
        requested.refresh_from_db()
        assert [rl.quantity for rl in requested.lines.all()] == [1]

    def test_a_return_code_of_another_order_is_not_found(self, desk, make_order, places):
        order, other = make_order(), make_order()
        requested = return_request(
            order=other,
            customer=other.customer,
            lines=[(other.lines.get().pk, 1, "too_large", "")],
            method="in_store",
            location=places.springfield,
        )
        assert desk.get(form_url(order, **{"return": requested.number})).status_code == 404


# --- refusals: clear words, nothing written -------------------------------------------


class TestRefusals:
    def test_more_than_was_bought(self, desk, make_order):
        order = make_order()
        line = order.lines.get()
        response = desk.post(form_url(order), {**line_data(line, 3), "refund_method": "original"})
        assert response.status_code == 400
        body = response.content.decode()
        assert "Only 1 of" in body
        assert f'id="qty-{line.pk}-error"' in body
        assert not Return.objects.exists()

    def test_second_return_of_the_same_unit(self, desk, make_order):
        order = make_order()
        line = order.lines.get()
        data = {**line_data(line), "refund_method": "original"}
        assert desk.post(form_url(order), data).status_code == 302
        before = writes()
        response = desk.post(form_url(order), data)
        assert response.status_code == 400
        assert "has already been returned" in response.content.decode()
        assert writes() == before

    def test_expired_window_without_override(self, desk, make_order):
        order = make_order(days_ago=90)
        response = desk.post(
            form_url(order), {**line_data(order.lines.get()), "refund_method": "original"}
        )
        assert response.status_code == 400
        assert "return window" in response.content.decode()
        assert not Return.objects.exists()

    def test_override_by_a_non_manager(self, desk, make_order):
        order = make_order(days_ago=90)
        before = writes()
        response = desk.post(
            form_url(order),
            {
                **line_data(order.lines.get()),
                "refund_method": "original",
                "override_reason": "Loyal customer",
            },
        )
        assert response.status_code == 400
        assert "Only a manager can override" in response.content.decode()
        assert writes() == before

    def test_manager_override_is_recorded(self, manager_desk, manager, make_order):
        order = make_order(days_ago=90)
        response = manager_desk.post(
            form_url(order),
            {
                **line_data(order.lines.get()),
                "refund_method": "store_credit",
                "override_reason": "Gift, receipt found late",
            },
        )
        assert response.status_code == 302
        done = Return.objects.get()
        assert done.policy_override_by == manager
        assert done.policy_override_reason == "Gift, receipt found late"
        receipt = manager_desk.get(response["Location"]).content.decode()
        assert "Gift, receipt found late" in receipt

    def test_manager_sees_the_override_box(self, manager_desk, make_order):
        order = make_order(days_ago=90)
        assert "Manager override" in manager_desk.get(form_url(order)).content.decode()

    def test_final_sale_refused(self, desk, make_order):
        order = make_order(lines=[LineSpec(final_sale=True)])
        response = desk.post(
            form_url(order), {**line_data(order.lines.get()), "refund_method": "original"}
        )
        assert response.status_code == 400
        assert "final sale" in response.content.decode()

    def test_not_yet_received(self, desk, make_order):
        order = make_order(received="shipped")
        response = desk.post(
            form_url(order), {**line_data(order.lines.get()), "refund_method": "original"}
        )
        assert "has not been delivered or collected yet" in response.content.decode()

    def test_missing_and_garbage_fields(self, desk, make_order):
        order = make_order()
        line = order.lines.get()
        cases = [
            ({"refund_method": "original"}, "Enter how many"),
            ({f"qty-{line.pk}": "two", "refund_method": "original"}, "Enter a whole number"),
            ({f"qty-{line.pk}": "-1", "refund_method": "original"}, "Enter 0 or more"),
            ({f"qty-{line.pk}": "1", "refund_method": "original"}, "Choose why it comes back"),
            ({**line_data(line, condition=""), "refund_method": "original"}, "Grade its"),
            ({**line_data(line, disposition=""), "refund_method": "x"}, "Say where it goes"),
            ({**line_data(line, condition="Z"), "refund_method": "original"}, "Unknown condition"),
            ({**line_data(line), "refund_method": "cash"}, "Unknown refund method"),
        ]
        for data, words in cases:
            response = desk.post(form_url(order), data)
            assert response.status_code == 400, data
            assert words in response.content.decode(), data
        assert not Return.objects.exists()

    def test_store_that_takes_no_returns(self, client, make_order, places):
        order = make_order()
        clerk = f.AssociateFactory(home_location=places.chicago)
        client.force_login(clerk.user)
        response = client.post(
            form_url(order), {**line_data(order.lines.get()), "refund_method": "original"}
        )
        assert response.status_code == 400
        assert "does not take returns" in response.content.decode()


# --- today ----------------------------------------------------------------------------


class TestToday:
    def _pickup(self, places, status, **extra):
        order = f.OrderFactory()
        return f.FulfilmentFactory(
            order=order,
            kind=Fulfilment.Kind.PICKUP,
            location=places.springfield,
            status=status,
            **extra,
        )

    def _fill(self, places, associate, n):
        now = timezone.now()
        for _ in range(n):
            self._pickup(places, Fulfilment.Status.PLACED)
            self._pickup(places, Fulfilment.Status.PICKING)
            self._pickup(places, Fulfilment.Status.READY, hold_until=now + dt.timedelta(hours=3))
            self._pickup(places, Fulfilment.Status.READY, hold_until=now + dt.timedelta(days=4))
            self._pickup(places, Fulfilment.Status.COLLECTED)
            f.ListFactory(sent_to_location=places.springfield, store_status=List.StoreStatus.NEW)
            f.FollowUpTaskFactory(
                location=places.springfield,
                assigned_to=associate,
                due_on=store_today(location=places.springfield),
            )
            f.ReturnFactory(location=places.springfield, received_at=now, status="refunded")
        # another store's work is not counted here
        f.FulfilmentFactory(
            order=f.OrderFactory(), kind=Fulfilment.Kind.PICKUP, location=places.peoria
        )

    def counts_on(self, desk):
        body = desk.get(reverse("backoffice:today")).content.decode()
        import re

        return dict(
            (label.strip(), int(count))
            for count, label in re.findall(
                r'<strong class="ops-count">(\d+)</strong><span>([^<]+)</span>', body
            )
        )

    def test_counts(self, desk, places, associate):
        self._fill(places, associate, 2)
        counts = self.counts_on(desk)
        assert counts["Pickups to prepare"] == 4
        assert counts["Ready, awaiting collection"] == 4
        assert counts["Holds expiring soon"] == 2
        assert counts["New lists sent here"] == 2
        assert counts["My tasks due"] == 2
        assert counts["Returns received today"] == 2

    def test_recovery_panel_counts_this_stores_carts_won_back(self, desk, places):
        now = timezone.now()
        cart = f.CartFactory(store=places.springfield)
        f.CartRecoveryStepFactory(
            cart=cart,
            stage=1,
            clicks=1,
            first_clicked_at=now,
            created_at=now - dt.timedelta(hours=2),
        )
        f.OrderFactory(cart=cart, placed_at=now - dt.timedelta(hours=1), total=Decimal("120.00"))
        # another store's reminder is not counted here
        f.CartRecoveryStepFactory(cart=f.CartFactory(store=places.peoria), stage=1)

        body = desk.get(reverse("backoffice:today")).content.decode()

        panel = body.split('id="recovery-title"', 1)[1]
        row = re.search(r"Email 1.*?</tr>", panel, re.S).group(0)
        assert re.findall(r"<td>([^<]+)</td>", row) == ["1", "1", "1", "$120.00"]

    def test_recovery_panel_says_when_nothing_was_sent(self, desk, places):
        body = desk.get(reverse("backoffice:today")).content.decode()
        assert "No abandoned-cart reminders went to this store" in body

    def test_shows_store_name(self, desk, places):
        body = desk.get(reverse("backoffice:today")).content.decode()
        assert "Today at Springfield" in body

    @pytest.mark.parametrize("n", [1, 6])
    def test_query_count(self, desk, places, associate, n, django_assert_max_num_queries):
        self._fill(places, associate, n)
        # 10 on a warm session + 3 to store the chosen location on the first visit + 1
        # for the cart-recovery panel (one query however many carts) + 1 for the
        # transfer counts.
        with django_assert_max_num_queries(15):
            assert desk.get(reverse("backoffice:today")).status_code == 200


# --- query counts on the desk ---------------------------------------------------------


class TestDeskQueryCounts:
    @pytest.mark.parametrize("n", [1, 8])
    def test_search(self, desk, make_order, n, django_assert_max_num_queries):
        customer = f.CustomerFactory(email="many@example.com")
        for _ in range(n):
            make_order(customer=customer)
        with django_assert_max_num_queries(10):
            response = desk.get(reverse("backoffice:returns-desk"), {"q": "many@example.com"})
        assert response.content.decode().count("ops-link") == n

    @pytest.mark.parametrize("n", [1, 6])
    def test_form(self, desk, make_order, n, django_assert_max_num_queries):
        order = make_order(lines=[LineSpec() for _ in range(n)])
        for line in order.lines.all():
            f.VariantFactory(product=line.variant.product, size="XXL")
        # 4 who/where, 6 the order, 3 the policy's facts, 1 exchange sizes, 1 the tills
        # with an open shift (an exchange at the till), 3 the session remembering the
        # store on a first visit.
        with django_assert_max_num_queries(18):
            response = desk.get(form_url(order))
        assert response.content.decode().count("ops-line") >= n

    @pytest.mark.parametrize("n", [1, 6])
    def test_form_completing_an_online_return(
        self, desk, make_order, places, n, django_assert_max_num_queries
    ):
        order = make_order(lines=[LineSpec() for _ in range(n)])
        requested = return_request(
            order=order,
            customer=order.customer,
            lines=[(line.pk, 1, "too_large", "") for line in order.lines.all()],
            method="in_store",
            location=places.springfield,
        )
        # As above, and 2 for the return and its lines.
        with django_assert_max_num_queries(20):
            response = desk.get(form_url(order, **{"return": requested.number}))
        assert response.content.decode().count('name="qty-') == n

    @pytest.mark.parametrize("n", [1, 6])
    def test_receipt(self, desk, make_order, places, associate, n, django_assert_max_num_queries):
        order = make_order(lines=[LineSpec() for _ in range(n)])
        done = return_receive(
            order=order,
            location=places.springfield,
            associate=associate,
            lines=[(line.pk, 1, "too_small", "A", "restock") for line in order.lines.all()],
            refund_method="store_credit",
        )
        with django_assert_max_num_queries(9):
            desk.get(reverse("backoffice:return-receipt", args=[done.number]))


@pytest.mark.parametrize("n", [1, 5])
def test_the_desk_shows_thumbnails_on_expected_returns_and_the_forms_lines(
    desk, make_order, places, n, tmp_path, settings, django_assert_max_num_queries
):
    from tests.returns.test_views import _pictured

    settings.MEDIA_ROOT = tmp_path
    desk.get(reverse("backoffice:returns-desk"))  # the session remembers the store
    orders, stems = [], []
    for _ in range(n):
        order = make_order(lines=[LineSpec()])
        line = order.lines.get()
        stems.append(_pictured(line))
        return_request(
            order=order,
            customer=order.customer,
            lines=[(line.pk, 1, "too_large", "")],
            method="in_store",
            location=places.springfield,
        )
        orders.append(order)
    with django_assert_max_num_queries(9):
        page = desk.get(reverse("backoffice:returns-desk")).content.decode()
    expected = page[page.index("Online returns expected here") :]
    assert all(f"{stem}-80w.webp 80w" in expected for stem in stems)
    form = desk.get(form_url(orders[0])).content.decode()
    legend = form[form.index('class="ops-line-legend"') :]
    assert f"{stems[0]}-80w.webp 80w" in legend[:1500]


def test_a_carry_out_sale_returned_at_another_store(client, places):
    """A store sale at Peoria, returned at Springfield: lands in Springfield's stock."""
    shirt = f.VariantFactory()
    f.PriceFactory(variant=shirt, amount=Decimal("40.00"))
    f.StockFactory(variant=shirt, location=places.peoria, on_hand=3)
    order = order_place(
        OrderRequest(
            lines=[(shirt.pk, 1)],
            fulfilment=CarryOut(),
            payment=PaymentChoice.card("4242 4242 4242 4242"),
            customer=f.CustomerFactory(),
            channel="store",
            location=places.peoria,
        )
    ).order
    clerk = f.AssociateFactory(home_location=places.springfield, role=Associate.Role.ASSOCIATE)
    client.force_login(clerk.user)
    line = order.lines.get()
    response = client.post(form_url(order), {**line_data(line), "refund_method": "original"})
    assert response.status_code == 302
    assert Stock.objects.get(variant=shirt, location=places.springfield).on_hand == 1
    assert Stock.objects.get(variant=shirt, location=places.peoria).on_hand == 2
