"""Locations (stores and warehouses) and the associates who work in them."""

import re
import zoneinfo
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omni.models import TimeStampedModel

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")


@lru_cache(maxsize=1)
def time_zone_names() -> frozenset[str]:
    """The IANA zones this machine knows (zoneinfo), read once."""
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    """A real IANA zone, spelled exactly ("Asia/Bangkok", not "Asia/Bangkok " or
    "bangkok"): a wrong one would make the store's pages fall back to server time."""
    if value not in time_zone_names():
        raise ValidationError(
            _("“%(value)s” is not a time zone; pick one such as Asia/Bangkok."),
            code="invalid_time_zone",
            params={"value": value},
        )


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def opening_hours_errors(value) -> list[str]:
    """What is wrong with an opening-hours value (empty when it is right): a dict of
    weekday ("mon" … "sun") to a list of [opens, closes] "HH:MM" pairs, each opening
    before it closes, a day's intervals in order and not overlapping."""
    if not isinstance(value, dict):
        return [str(_('Opening hours are a mapping of weekday to intervals, e.g. {"mon": …}.'))]
    errors: list[str] = []
    for day, spans in value.items():
        if day not in WEEKDAYS:
            errors.append(str(_("“%(day)s” is not a weekday (mon … sun).") % {"day": day}))
            continue
        if not isinstance(spans, list):
            errors.append(str(_("%(day)s: a list of [opens, closes] pairs.") % {"day": day}))
            continue
        last_close = -1
        for span in spans:
            if (
                not isinstance(span, list | tuple)
                or len(span) != 2
                or not all(isinstance(t, str) and _CLOCK.match(t) for t in span)
            ):
                errors.append(
                    str(_("%(day)s: %(span)s is not an interval like 09:00–18:00."))
                    % {"day": day, "span": span}
                )
                continue
            opens, closes = (_minutes(t) for t in span)
            if opens >= closes:
                errors.append(
                    str(_("%(day)s: opens at %(opens)s, which is not before %(closes)s."))
                    % {"day": day, "opens": span[0], "closes": span[1]}
                )
            elif opens <= last_close:
                errors.append(
                    str(_("%(day)s: %(opens)s–%(closes)s overlaps the interval before it."))
                    % {"day": day, "opens": span[0], "closes": span[1]}
                )
            last_close = max(last_close, closes)
    return errors


def validate_opening_hours(value) -> None:
    if errors := opening_hours_errors(value):
        raise ValidationError(errors, code="invalid_opening_hours")


class Location(TimeStampedModel):
    class Kind(models.TextChoices):
        STORE = "store", "Store"
        WAREHOUSE = "warehouse", "Warehouse"

    code = models.SlugField(max_length=20, unique=True, help_text="Short code, e.g. SPR01")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.STORE)
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField(max_length=100, blank=True, help_text="State or county")
    postcode = models.CharField(max_length=20, db_index=True)
    country = models.CharField(max_length=2, default="US")
    latitude = models.DecimalField(max_digits=9, decimal_places=6)
    longitude = models.DecimalField(max_digits=9, decimal_places=6)
    timezone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    # {"mon": [["09:00", "19:00"]], ..., "sun": []}: a list of open intervals per weekday.
    opening_hours = models.JSONField(default=dict, blank=True, validators=[validate_opening_hours])
    ships_online_orders = models.BooleanField(default=False)
    offers_pickup = models.BooleanField(default=False)
    ready_on_transfer_receipt = models.BooleanField(
        default=False,
        help_text="A pickup whose last items arrive by transfer is made ready (and the "
        "shopper emailed) on receipt, without staging it first",
    )
    accepts_returns = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    # Units per SKU kept back from online sale (display shelf); a Stock row may override it.
    safety_stock = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "is_active"], name="location_kind_active_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="location_coordinates_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_store(self) -> bool:
        return self.kind == self.Kind.STORE


class LocationDistance(models.Model):
    """Precomputed great-circle distance between two locations, so sourcing and
    nearest-store availability join on it in SQL instead of computing in Python."""

    origin = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="distances_from")
    destination = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    distance_km = models.DecimalField(max_digits=8, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["origin", "destination"], name="location_distance_pair"
            ),
            models.CheckConstraint(condition=Q(distance_km__gte=0), name="distance_non_negative"),
        ]
        indexes = [models.Index(fields=["origin", "distance_km"], name="distance_origin_km_idx")]

    def __str__(self) -> str:
        return f"{self.origin_id}→{self.destination_id}: {self.distance_km} km"


class Associate(TimeStampedModel):
    """A staff user who works in stores. Back-office access requires one."""

    class Role(models.TextChoices):
        ASSOCIATE = "associate", "Associate"
        MANAGER = "manager", "Manager"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="associate"
    )
    display_name = models.CharField(max_length=120, help_text="Shown to shoppers, e.g. 'Maya'")
    home_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="home_associates"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.ASSOCIATE)
    locations = models.ManyToManyField(
        Location, related_name="associates", blank=True, help_text="Locations they may act for"
    )
    employee_code = models.CharField(max_length=30, unique=True, null=True, blank=True)
    is_active = models.BooleanField(default=True)
    # The back-office and the admin speak it (blank: the browser's Accept-Language).
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The back-office and the admin are shown in this language"),
    )

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER
