"""The retailer's numbers: daily rollups, one row per (location, channel, local day).

Every row is derived from source rows (orders, returns, fulfilments, transfers,
follow-up tasks) by ``reporting.services.rollup_day_refresh``, which recomputes a whole
(location, day) partition — the incremental path after an event and the rebuild command
both call it, so they cannot disagree. ``location`` is null for online orders that no
store takes part in (shipped from a warehouse); their day is the market's.

Figures that add up over days live in the daily tables. Distinct customers do not add
up (a customer who buys on Monday and Friday is one customer of the week), so
``CustomerDay`` keeps one row per (customer, location, channel, day) and the dashboard
counts distinct customers, channels and spend over the period from it in one query.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.models import Category
from customers.models import Channel, Customer
from omni import money
from stores.models import Associate, Location


def _money_field(name):
    return models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, default=0, verbose_name=name
    )


class DailyRollup(models.Model):
    """Sales, returns and pickups of one (location, channel, day, currency).

    Orders count on the day they were placed, at the store they were placed in (or, for
    an online pickup, the pickup store); cancelled orders count nowhere. Returns count
    where and when they were received, under the channel of the order returned. Pickups
    count at the pickup store on the day they became ready / were collected / lapsed.
    """

    location = models.ForeignKey(
        Location,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("location"),
    )
    channel = models.CharField(max_length=12, choices=Channel.choices, verbose_name=_("channel"))
    day = models.DateField(verbose_name=_("day"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    orders = models.PositiveIntegerField(default=0, verbose_name=_("orders"))
    sales = _money_field(_("sales"))
    discounts = _money_field(_("discounts"))
    units = models.PositiveIntegerField(default=0, verbose_name=_("units"))
    new_customers = models.PositiveIntegerField(default=0, verbose_name=_("new customers"))
    pickup_orders = models.PositiveIntegerField(default=0, verbose_name=_("pickup orders"))
    returns = models.PositiveIntegerField(default=0, verbose_name=_("returns"))
    returned_units = models.PositiveIntegerField(default=0, verbose_name=_("returned units"))
    refunds = _money_field(_("refunds"))
    store_returns_of_online = models.PositiveIntegerField(
        default=0, verbose_name=_("online orders returned in a store")
    )
    # What the customers returning an online order here bought in this store on that same
    # local day (store orders of the same customer): the BORIS visit's sales.
    boris_visit_sales = _money_field(_("bought on the same visit"))
    pickups_ready = models.PositiveIntegerField(default=0, verbose_name=_("pickups ready"))
    ready_seconds = models.BigIntegerField(default=0, verbose_name=_("placed to ready, seconds"))
    pickups_collected = models.PositiveIntegerField(default=0, verbose_name=_("pickups collected"))
    collect_seconds = models.BigIntegerField(
        default=0, verbose_name=_("ready to collected, seconds")
    )
    pickups_expired = models.PositiveIntegerField(default=0, verbose_name=_("pickups expired"))
    shipped_from_store = models.PositiveIntegerField(
        default=0, verbose_name=_("shipments from the store")
    )

    class Meta:
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        ordering = ["day", "location_id", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "channel", "day", "currency"],
                name="rollup_key_unique",
                nulls_distinct=False,
            )
        ]
        indexes = [
            models.Index(fields=["day", "location"], name="rollup_day_location_idx"),
            models.Index(fields=["location", "day"], name="rollup_location_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.location_id} {self.channel} {self.day}"


class DailyCategory(models.Model):
    """Units sold and returned per product category (return rate by category)."""

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=12, choices=Channel.choices)
    day = models.DateField()
    currency = models.CharField(max_length=3)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    units_sold = models.PositiveIntegerField(default=0)
    sales = _money_field(_("sales"))
    units_returned = models.PositiveIntegerField(default=0)
    refunds = _money_field(_("refunds"))

    class Meta:
        verbose_name = _("daily category figures")
        verbose_name_plural = _("daily category figures")
        indexes = [models.Index(fields=["day", "location"], name="rollup_cat_day_idx")]

    def __str__(self) -> str:
        return f"{self.location_id} {self.channel} {self.day}"


class DailyReturnReason(models.Model):
    """Returned lines per reason and condition grade."""

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=12, choices=Channel.choices)
    day = models.DateField()
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=20)
    condition = models.CharField(max_length=1, blank=True)
    lines = models.PositiveIntegerField(default=0)
    units = models.PositiveIntegerField(default=0)
    refunds = _money_field(_("refunds"))

    class Meta:
        verbose_name = _("daily return reasons")
        verbose_name_plural = _("daily return reasons")
        indexes = [models.Index(fields=["day", "location"], name="rollup_reason_day_idx")]

    def __str__(self) -> str:
        return f"{self.location_id} {self.channel} {self.day}"


class DailyTransfers(models.Model):
    """Transfers shipped out of and received into a location on its day."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    transfers_out = models.PositiveIntegerField(default=0)
    transfers_in = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("daily transfers")
        verbose_name_plural = _("daily transfers")
        constraints = [
            models.UniqueConstraint(fields=["location", "day"], name="rollup_transfers_unique")
        ]

    def __str__(self) -> str:
        return f"{self.location_id} {self.day}"


class DailyAssociate(models.Model):
    """What an associate's work brought in, by the attribution rule
    (``reporting.services.ATTRIBUTION``): orders they helped with or rang up, online
    orders of their clients, online orders of items from lists they prepared, and
    follow-ups done (``count`` only)."""

    class Source(models.TextChoices):
        HELPED = "helped", _("Sales rung up or helped")
        CLIENT = "client", _("Online orders of their clients")
        LIST = "list", _("Online orders from lists they prepared")
        FOLLOWUP = "followup", _("Follow-ups done")

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    day = models.DateField()
    associate = models.ForeignKey(Associate, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices)
    currency = models.CharField(max_length=3, blank=True)
    count = models.PositiveIntegerField(default=0)
    sales = _money_field(_("sales"))

    class Meta:
        verbose_name = _("daily associate figures")
        verbose_name_plural = _("daily associate figures")
        indexes = [
            models.Index(fields=["day", "location"], name="rollup_assoc_day_idx"),
            models.Index(fields=["associate", "day"], name="rollup_assoc_who_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.associate_id} {self.source} {self.day}"


class CustomerDay(models.Model):
    """One customer's orders and spend at one (location, channel, day): distinct
    customers, their channels and their spend over any period are counted from here."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=12, choices=Channel.choices)
    day = models.DateField()
    currency = models.CharField(max_length=3)
    orders = models.PositiveIntegerField(default=0)
    sales = _money_field(_("sales"))

    class Meta:
        verbose_name = _("customer day")
        verbose_name_plural = _("customer days")
        indexes = [
            models.Index(fields=["day", "location"], name="rollup_custday_day_idx"),
            models.Index(fields=["customer", "day"], name="rollup_custday_who_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.channel} {self.day}"
