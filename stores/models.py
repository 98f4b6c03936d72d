"""Locations (stores and warehouses) and the associates who work in them."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from omni.models import TimeStampedModel


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
    timezone = models.CharField(max_length=64, default="America/New_York")
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    # {"mon": [["09:00", "19:00"]], ..., "sun": []}: a list of open intervals per weekday.
    opening_hours = models.JSONField(default=dict, blank=True)
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

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER
