"""The 360 timeline is read in the associate's language, whatever language was active
when an entry was written; a legacy entry (plain text, no key) shows its stored text."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from customers import services
from customers.models import ConsentState, ContactChannel, Interaction
from customers.selectors import store_today
from tests import factories as f
from tests.omni.test_stored_text import fa_catalogue  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

NOTE = "Note by %(associate)s: %(body)s"
NOTE_FA = "یادداشت %(associate)s: %(body)s"


def test_an_entry_written_in_english_reads_in_persian_for_a_persian_associate(
    client,
    fa_catalogue,  # noqa: F811
):
    store = f.LocationFactory(name="Springfield", code="SPR")
    associate = f.AssociateFactory(home_location=store, display_name="Maya", language="fa")
    customer = f.CustomerFactory(first_name="Ana", last_name="Lima", email="ana@example.com")
    with translation.override("en"):
        services.note_add(customer=customer, associate=associate, body="prefers slim fits")
        services.consent_set(
            customer=customer,
            channel=ContactChannel.EMAIL,
            state=ConsentState.MARKETING,
            source="store",
        )
    f.InteractionFactory(customer=customer, summary="Visited before the keys existed")
    note = Interaction.objects.get(kind=Interaction.Kind.NOTE)
    assert note.summary == "Note by Maya: prefers slim fits"  # the English fallback
    assert note.summary_key == "note.added" and not note.is_legacy
    fa_catalogue({NOTE: NOTE_FA, "Marketing": "بازاریابی"})

    client.force_login(associate.user)
    page = client.get(reverse("backoffice:customer-detail", args=[customer.pk])).content.decode()

    with translation.override("fa"):
        persian_note = gettext(NOTE) % {"associate": "Maya", "body": "prefers slim fits"}
        consent = Interaction.objects.get(kind=Interaction.Kind.CONSENT).summary_text
    assert persian_note == "یادداشت Maya: prefers slim fits"
    assert persian_note in page and "Note by Maya" not in page
    assert "بازاریابی" in consent and consent in page
    assert "Visited before the keys existed" in page


def test_the_api_gives_the_timeline_in_the_request_s_language(fa_catalogue):  # noqa: F811
    customer = f.CustomerFactory()
    associate = f.AssociateFactory(display_name="Maya")
    services.note_add(customer=customer, associate=associate, body="hemmed")
    fa_catalogue({NOTE: NOTE_FA})
    entry = Interaction.objects.get(customer=customer)
    from customers.api import InteractionSerializer

    with translation.override("fa"):
        data = InteractionSerializer(entry).data
    assert data["summary"] == "یادداشت Maya: hemmed"
    assert data["summary_key"] == "note.added"
    assert data["summary_params"] == {"associate": "Maya", "body": "hemmed"}


CART_LEFT = (
    "Cart of %(total)s left online: %(items)s. Reach out if they'd like help or to hold the items."
)


def test_a_follow_up_the_system_wrote_reads_in_each_associates_language(
    client,
    fa_catalogue,  # noqa: F811
):
    """The abandoned-cart worker writes the task in English; the Persian associate's task
    list and the 360 read it in Persian, and once done the timeline says it in Persian too."""
    from omni import stored_text

    store = f.LocationFactory(name="Springfield", code="SPR")
    associate = f.AssociateFactory(home_location=store, display_name="Maya", language="fa")
    customer = f.CustomerFactory(first_name="Ana")
    with translation.override("en"):
        task = services.task_create(
            customer=customer,
            location=store,
            reason=stored_text.text("task.cart_left", total="$49.00", items="Linen Shirt (M)"),
            due_on=store_today(location=store),
            created_by=None,
        )
    assert task.reason.startswith("Cart of $49.00 left online: Linen Shirt (M).")
    assert task.reason_key == "task.cart_left"
    persian = "سبد خرید %(total)s آنلاین رها شد: %(items)s."
    fa_catalogue({CART_LEFT: persian, NOTE: NOTE_FA})
    expected = persian % {"total": "$49.00", "items": "Linen Shirt (M)"}

    client.force_login(associate.user)
    tasks = client.get(reverse("backoffice:tasks")).content.decode()
    record = client.get(reverse("backoffice:customer-detail", args=[customer.pk])).content.decode()
    assert expected in tasks and expected in record
    assert "left online" not in tasks

    services.task_complete(task=task, associate=associate)
    done = Interaction.objects.get(customer=customer, subject_type="customers.followuptask")
    with translation.override("fa"):
        assert expected in done.summary_text
    with translation.override("en"):
        assert "Cart of $49.00 left online" in done.summary_text


def test_the_migration_gives_old_system_tasks_their_key():
    import importlib

    migration = importlib.import_module("customers.migrations.0007_task_reason_stored_text")
    store = f.LocationFactory()
    old = f.FollowUpTaskFactory(
        location=store,
        created_by=None,
        reason="Cart of $120.00 left online: Oxford Shirt (M), Tee (S), Cap and 2 more. "
        "Reach out if they'd like help or to hold the items.",
    )
    typed = f.FollowUpTaskFactory(location=store, reason="Call when the blazer is back")
    from django.apps import apps

    migration.reasons_to_keys(apps, None)
    old.refresh_from_db()
    typed.refresh_from_db()
    assert old.reason_key == "task.cart_left_more"
    assert old.reason_params == {
        "total": "$120.00",
        "items": "Oxford Shirt (M), Tee (S), Cap",
        "count": 2,
    }
    with translation.override("en"):
        assert old.reason_text == old.reason
    assert typed.reason_key == "" and typed.reason_text == "Call when the blazer is back"
