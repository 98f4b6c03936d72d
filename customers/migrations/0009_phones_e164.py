"""Phone numbers re-normalised to E.164 in the market's country (omni.phones): the old rule
gave any 10-digit number +1, so a Thai ``081 234 5678`` became ``+10812345678``.

Read with the region of the market at migration time (US by default, as before). A number
that cannot be read stays exactly as stored; customers that now share a number are never
merged here: ``manage.py phones_review`` and the back-office's "Possible duplicates" list
them (and the unreadable numbers) for an associate to merge. A phone identity whose new
value another customer already holds keeps its old value (the identity is unique), and
one the same customer already holds is dropped (it was the same number twice)."""

from django.conf import settings
from django.db import migrations


def _region() -> str:
    market = getattr(settings, "OMNI_MARKET_CONFIG", None)
    return getattr(market, "country", "") or "US"


def phones_renormalise(apps, schema_editor=None, *, region: str | None = None) -> dict:
    """Re-normalise Customer.phone and phone identities; the counts (for the test and the
    log): changed, unreadable, identities left for a merge."""
    from omni.phones import phone_renormalised

    region = region or _region()
    Customer = apps.get_model("customers", "Customer")
    CustomerIdentity = apps.get_model("customers", "CustomerIdentity")
    counts = {"changed": 0, "unreadable": 0, "identities_kept": 0}
    for customer in Customer.objects.exclude(phone="").only("pk", "phone").iterator():
        value = phone_renormalised(customer.phone, region=region)
        if value is None:
            counts["unreadable"] += 1
        elif value != customer.phone:
            Customer.objects.filter(pk=customer.pk).update(phone=value)
            counts["changed"] += 1
    for identity in CustomerIdentity.objects.filter(kind="phone").order_by("pk").iterator():
        value = phone_renormalised(identity.value, region=region)
        if not value or value == identity.value:
            continue
        holder = (
            CustomerIdentity.objects.filter(kind="phone", value=value)
            .values_list("customer_id", flat=True)
            .first()
        )
        if holder is None:
            CustomerIdentity.objects.filter(pk=identity.pk).update(value=value)
        elif holder == identity.customer_id:
            CustomerIdentity.objects.filter(pk=identity.pk).delete()
        else:
            counts["identities_kept"] += 1
    return counts


def _forwards(apps, schema_editor):
    phones_renormalise(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("customers", "0008_money_currency_and_digits")]

    operations = [migrations.RunPython(_forwards, migrations.RunPython.noop, elidable=True)]
