"""The data migration that turns the English timeline summaries the old code wrote into a
key and parameters (customers 0006): each old sentence becomes a key whose English
rendering is the same sentence; anything else stays legacy, shown as stored."""

import importlib

import pytest
from django.apps import apps
from django.utils import translation

from omni import stored_text
from tests import factories as f

migration = importlib.import_module("customers.migrations.0006_summary_keys_from_english")

# (kind, a sentence as the old code wrote it, the key it becomes)
OLD_ROWS = [
    ("order", "Order W0001234: 2 item(s), $49.00", "order.placed"),
    ("order", "Order W0001234: 1 item(s), $9.00 for pickup at Springfield", "order.placed_pickup"),
    ("order", "Order S0000007: 3 item(s), 1,250.00 THB at Siam", "order.placed_carry_out"),
    ("order", "Order W0001234 shipped from North DC", "order.shipped"),
    ("order", "Order W0001234 shipped from North DC (tracking 1Z999)", "order.shipped_tracked"),
    (
        "order",
        "Linen shirt of order W0001234 not found at Peoria; sent from another location instead",
        "order.line_rerouted",
    ),
    ("order", "Order W0001234 delivered", "order.delivered"),
    ("pickup", "Order W0001234 ready for pickup at Springfield", "pickup.ready"),
    ("pickup", "Collected order W0001234 at Springfield", "pickup.collected"),
    ("pickup", "Collected order W0001234 at Springfield (1 of 3 items)", "pickup.collected_part"),
    (
        "pickup",
        "Part of order W0001234 arrived at Springfield; 2 item(s) still on their way",
        "pickup.part_arrived",
    ),
    ("pickup", "All items of order W0001234 are at Springfield", "pickup.all_arrived"),
    ("pickup", "Pickup of order W0001234 cancelled", "pickup.cancelled"),
    ("pickup", "Pickup of order W0001234 cancelled: changed her mind", "pickup.cancelled_because"),
    ("order", "Shipment of order W0001234 cancelled", "shipment.cancelled"),
    (
        "pickup",
        "Pickup of order W0001234 at Springfield not collected; items released",
        "pickup.expired",
    ),
    ("note", "Note by Maya: prefers slim fits", "note.added"),
    ("outreach", "Follow-up done by Maya: call about the blazer", "followup.done"),
    ("outreach", "Maya emailed Ana", "outreach.email"),
    ("outreach", "Maya Lee called Ana: left a voicemail", "outreach.phone_note"),
    ("list_change", "Created the list “Autumn”", "list.created"),
    ("list_change", "Renamed “Autumn” to “Winter”", "list.renamed"),
    ("list_change", "Deleted the list “Autumn”", "list.deleted"),
    ("list_change", "Added Linen shirt (M, Blue) to “Autumn”", "list.item_added"),
    ("list_change", "Maya added Linen shirt to “Autumn”", "list.item_added_by"),
    ("list_change", "Removed Linen shirt from “Autumn”", "list.item_removed"),
    ("list_change", "Shared “Autumn”", "list.shared"),
    ("list_change", "Stopped sharing “Autumn”", "list.unshared"),
    ("list_change", "Sent “Autumn” to Springfield", "list.sent"),
    ("list_change", "Sent “Autumn” to Springfield for Thu 03 Dec", "list.sent_for"),
    ("list_change", "“Autumn” marked prepared", "list.marked"),
    (
        "list_change",
        "2 items of “Autumn” held at Springfield until Thu 03 Dec 18:00",
        "list.held",
    ),
    (
        "account",
        "Online account linked by the verified email ana@example.com",
        "account.linked",
    ),
    (
        "account",
        "Merged the duplicate record #42 (Ana Lima) into this one",
        "customer.merged",
    ),
    ("account", "Phone number changed", "phone.changed"),
    ("account", "Phone number removed", "phone.removed"),
    ("account", "Profile updated: first name, phone", "profile.updated"),
    ("consent", "Email consent: Marketing", "consent.changed"),
    ("consent", "SMS consent: One-to-one from an associate only", "consent.changed"),
    (
        "return",
        "Return R0000012 started for order W0001234: 2 items ($98.00), by post",
        "return.requested",
    ),
    (
        "return",
        "Return R0000012 started for order W0001234: 1 item ($49.00), to bring to Springfield",
        "return.requested_to_store",
    ),
    ("return", "Return R0000012 cancelled", "return.cancelled"),
    ("return", "Return R0000012 cancelled: found another size", "return.cancelled_because"),
    (
        "return",
        "Returned 1 item of order W0001234 at Springfield (R0000012): $49.00 as store credit",
        "return.received_store_credit",
    ),
    (
        "return",
        "Returned 2 items of order W0001234 at Peoria (R0000012): $98.00 to the original payment",
        "return.received_original",
    ),
    ("return", "Inspected Linen shirt from R0000012: write off", "return.inspected"),
]

# Written by people or by the demo in words no pattern knows: they stay legacy.
FREE_ROWS = [
    ("store_visit", "Visited the store"),
    ("list_change", "Created the list “Autumn” with 3 item(s)"),
    ("return", "Return R0000012 of W0001234 received at Springfield"),
    ("consent", "Fax consent: Marketing"),
    ("account", "Profile updated: favourite colour"),
    ("order", "Order W1 shipped by pigeon"),
]


def _profile_fields():
    return migration._profile_fields(apps)


@pytest.mark.parametrize(("kind", "summary", "key"), OLD_ROWS)
def test_each_old_sentence_becomes_its_key_and_reads_the_same_in_english(kind, summary, key):
    parsed = migration.summary_parse(summary, kind, {}, _profile_fields())
    assert parsed is not None and parsed[0] == key
    assert stored_text.is_registered(key)
    with translation.override("en"):
        rendered = stored_text.render(*parsed, legacy="LEGACY")
    # The old code wrote "item(s)"; the new text says "1 item" or "2 items".
    expected = (
        summary.replace(" 1 item(s) still on their way", " 1 item still on its way")
        .replace(": 1 item(s),", ": 1 item,")
        .replace("item(s)", "items")
    )
    assert rendered == expected


@pytest.mark.parametrize(("kind", "summary"), FREE_ROWS)
def test_a_sentence_no_pattern_knows_stays_legacy(kind, summary):
    assert migration.summary_parse(summary, kind, {}, _profile_fields()) is None


def test_the_old_email_entries_keep_their_subject_as_sent():
    for summary in ("Email sent: Order W1 is on its way", "Email: Your return code R1"):
        key, params = migration.summary_parse(summary, "email", {"email_kind": "order_shipped"})
        assert key == "email.sent"
        assert params["subject"]["params"] == {}
        assert stored_text.render(key, params).endswith(summary.split(": ", 1)[1])


@pytest.mark.django_db
def test_the_migration_rewrites_old_rows_and_leaves_free_ones_legacy():
    customer = f.CustomerFactory()
    old = f.InteractionFactory(
        customer=customer, kind="pickup", summary="Order W0001234 ready for pickup at Springfield"
    )
    free = f.InteractionFactory(customer=customer, kind="note", summary="Called about the hem")
    migration.summaries_to_keys(apps, None)
    old.refresh_from_db()
    free.refresh_from_db()
    assert old.summary_key == "pickup.ready"
    assert old.summary_params == {"number": "W0001234", "location": "Springfield"}
    assert old.summary == "Order W0001234 ready for pickup at Springfield"
    assert free.is_legacy and free.summary_text == "Called about the hem"
