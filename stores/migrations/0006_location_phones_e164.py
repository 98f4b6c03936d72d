"""Store and warehouse phone numbers re-normalised to E.164 in the market's country at
migration time (US by default); one that cannot be read stays as typed (shown as typed)."""

from django.conf import settings
from django.db import migrations


def location_phones_renormalise(apps, schema_editor=None, *, region: str | None = None) -> int:
    from omni.phones import phone_renormalised

    market = getattr(settings, "OMNI_MARKET_CONFIG", None)
    region = region or getattr(market, "country", "") or "US"
    Location = apps.get_model("stores", "Location")
    changed = 0
    for location in Location.objects.exclude(phone="").only("pk", "phone").iterator():
        value = phone_renormalised(location.phone, region=region)
        if value and value != location.phone:
            Location.objects.filter(pk=location.pk).update(phone=value)
            changed += 1
    return changed


def _forwards(apps, schema_editor):
    location_phones_renormalise(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("stores", "0005_translatable_labels")]

    operations = [migrations.RunPython(_forwards, migrations.RunPython.noop, elidable=True)]
