"""The Sites row carries the shop's name and the domain it is served on (SITE_URL), set by
the data migration and again by ``seed_demo`` — so account emails never say example.com."""

import pytest
from django.contrib.sites.models import Site
from django.core.management import call_command

from omni.sites import site_domain, site_sync

pytestmark = pytest.mark.django_db


def test_the_migration_named_the_site():
    site = Site.objects.get_current()
    assert site.name == "Omni"
    assert site.domain != "example.com"


def test_site_follows_site_url_and_name(settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    settings.OMNI_SITE_NAME = "Corner Shop"
    site_sync()
    site = Site.objects.get_current()
    assert (site.name, site.domain) == ("Corner Shop", "127.0.0.1:8123")
    assert site_domain() == "127.0.0.1:8123"


def test_seed_demo_sets_the_site_even_when_already_seeded(settings, monkeypatch):
    settings.DEBUG = True  # seed_demo refuses a DEBUG-off (production-looking) database
    settings.SITE_URL = "http://localhost:9000"
    Site.objects.filter(pk=settings.SITE_ID).update(domain="example.com", name="example.com")
    from demo.management.commands import seed_demo

    # Only the site part is under test here: stop right after it.
    def stop(*args, **kwargs):
        raise SystemExit

    monkeypatch.setattr(seed_demo, "demo_inspect", stop)
    with pytest.raises(SystemExit):
        call_command("seed_demo", "--scale", "small")
    Site.objects.clear_cache()
    assert Site.objects.get_current().domain == "localhost:9000"
