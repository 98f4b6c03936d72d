"""The merchandiser's side: a segment built with the rules form (validated, previewed with
a count), a campaign composed per language with products, sent with the button, its
counts on the list; back-in-stock requests read-only."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from campaigns.models import BackInStockRequest, Campaign, Segment
from customers.models import ConsentState, ContactChannel
from tests import factories as f

pytestmark = pytest.mark.django_db


def _segment_form(**rules):
    return {"name": "Thai speakers", **rules}


def test_a_segment_is_made_with_the_rules_form_and_previewed(admin_client):
    for n, language in enumerate(("th", "th", "en")):
        customer = f.CustomerFactory(language=language, email=f"s{n}@example.com")
        if n == 0:
            f.ConsentFactory(
                customer=customer, channel=ContactChannel.EMAIL, state=ConsentState.MARKETING
            )
    response = admin_client.post(
        reverse("admin:campaigns_segment_add"),
        _segment_form(languages=["th"], spend_min="", channel=""),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    segment = Segment.objects.get()
    assert segment.rules == {"languages": ["th"]}
    page = admin_client.get(reverse("admin:campaigns_segment_change", args=[segment.pk]))
    text = page.content.decode()
    assert "2 customers; 1 with marketing email consent" in text


def test_the_preview_counts_before_saving(admin_client):
    f.CustomerFactory(language="th")
    f.CustomerFactory(language="en")
    url = reverse("admin:campaigns_segment_preview")
    page = admin_client.get(url, {"languages": ["th"], "name": ""}).content.decode()
    assert "1 customer; 0 with marketing email consent" in page
    bad = admin_client.get(url, {"spend_min": "9", "spend_max": "1"}).content.decode()
    assert "The most must not be below the least." in bad
    assert not Segment.objects.exists()
    form = admin_client.get(reverse("admin:campaigns_segment_add")).content.decode()
    assert f'formaction="{url}"' in form


def test_bad_rules_are_form_errors(admin_client):
    response = admin_client.post(
        reverse("admin:campaigns_segment_add"),
        _segment_form(spend_min="100", spend_max="10", size="M"),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "spend_max" in errors
    assert not Segment.objects.exists()


def test_a_campaign_is_composed_sent_with_the_button_and_counted(
    admin_client, settings, django_capture_on_commit_callbacks
):
    settings.OMNI_CAMPAIGN_BATCH_SIZE = 50
    for n in range(3):
        f.ConsentFactory(
            customer=f.CustomerFactory(email=f"m{n}@example.com"),
            channel=ContactChannel.EMAIL,
            state=ConsentState.MARKETING,
        )
    segment = Segment.objects.create(name="All", rules={})
    product = f.ProductFactory(name="Linen Shirt")
    add = admin_client.post(
        reverse("admin:campaigns_campaign_add"),
        {
            "name": "Spring",
            "segment": segment.pk,
            "products": [product.pk],
            "versions-TOTAL_FORMS": "2",
            "versions-INITIAL_FORMS": "0",
            "versions-0-language": "en",
            "versions-0-subject": "Spring is here",
            "versions-0-body": "New colours.",
            "versions-1-language": "th",
            "versions-1-subject": "ฤดูใบไม้ผลิ",
            "versions-1-body": "สีใหม่",
        },
    )
    assert add.status_code == 302, add.content.decode()[:3000]
    campaign = Campaign.objects.get()
    change_url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    page = admin_client.get(change_url).content.decode()
    assert 'name="_send"' in page
    form = {
        "name": "Spring",
        "segment": segment.pk,
        "products": [product.pk],
        "versions-TOTAL_FORMS": "2",
        "versions-INITIAL_FORMS": "2",
        "_send": "1",
    }
    for i, version in enumerate(campaign.versions.order_by("language")):
        form |= {
            f"versions-{i}-id": version.pk,
            f"versions-{i}-campaign": campaign.pk,
            f"versions-{i}-language": version.language,
            f"versions-{i}-subject": version.subject,
            f"versions-{i}-body": version.body,
        }
    with django_capture_on_commit_callbacks(execute=True):
        sent = admin_client.post(change_url, form, follow=True)
    assert "is being sent in batches" in sent.content.decode()
    assert len(mail.outbox) == 3
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    listing = admin_client.get(reverse("admin:campaigns_campaign_changelist")).content.decode()
    assert '<td class="field-sends">3</td>' in listing


def test_back_in_stock_requests_are_read_only(admin_client):
    variant = f.VariantFactory()
    BackInStockRequest.objects.create(
        variant=variant,
        email="a@example.com",
        language="en",
        expires_at="2099-01-01T00:00:00Z",
    )
    listing = admin_client.get(reverse("admin:campaigns_backinstockrequest_changelist"))
    assert listing.status_code == 200 and "a@example.com" in listing.content.decode()
    assert admin_client.get(reverse("admin:campaigns_backinstockrequest_add")).status_code == 403
