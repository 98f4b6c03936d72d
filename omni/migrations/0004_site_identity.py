"""The shop's name and domain on the Sites framework's row (no more "example.com" in
account emails). ``seed_demo`` sets them again for the SITE_URL of the running demo."""

from django.db import migrations


def set_site(apps, schema_editor):
    from omni.sites import site_sync

    site_sync(apps.get_model("sites", "Site"))


class Migration(migrations.Migration):
    dependencies = [
        ("omni", "0003_heartbeat_outbox_request_id"),
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [migrations.RunPython(set_site, migrations.RunPython.noop)]
