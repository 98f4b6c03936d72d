"""The 360 timeline is read in the associate's language, whatever language was active
when an entry was written; a legacy entry (plain text, no key) shows its stored text."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from customers import services
from customers.models import ConsentState, ContactChannel, Interaction
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
