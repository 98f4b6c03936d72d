"""The till: registers at a store, shifts on them (float, cash moves, counted close), the
sales rung up on a shift (each an order of channel ``store``) and sales parked for later.

Money on a shift is in the market's currency; amounts are Decimal with two places."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from omni import money
from omni.models import TimeStampedModel


def _money_field(name, **kwargs):
    return models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, verbose_name=name, **kwargs
    )


class Register(TimeStampedModel):
    """A till at a store: a drawer and a device that sales are rung up on."""

    location = models.ForeignKey(
        "stores.Location",
        on_delete=models.PROTECT,
        related_name="registers",
        verbose_name=_("location"),
    )
    code = models.CharField(max_length=20, verbose_name=_("code"))
    name = models.CharField(max_length=60, verbose_name=_("name"))
    is_active = models.BooleanField(default=True, verbose_name=_("active"))
    # The customer record anonymous sales on this register are made for (an order always
    # has a customer); inactive, so no search or campaign ever finds it.
    walk_in_customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("walk-in customer"),
    )

    class Meta:
        verbose_name = _("register")
        verbose_name_plural = _("registers")
        ordering = ["location_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["location", "code"], name="register_code_per_store")
        ]

    def __str__(self) -> str:
        return self.name


class Shift(models.Model):
    """One associate's stretch on a register, from the opening float to the counted close.
    At most one open shift per register (a partial unique constraint)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    register = models.ForeignKey(
        Register, on_delete=models.PROTECT, related_name="shifts", verbose_name=_("register")
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN, verbose_name=_("status")
    )
    currency = models.CharField(max_length=3, default=money.currency, verbose_name=_("currency"))
    opening_float = _money_field(_("opening float"))
    opened_by = models.ForeignKey(
        "stores.Associate",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(default=timezone.now, verbose_name=_("opened at"))
    closed_by = models.ForeignKey(
        "stores.Associate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    # Set at close: what the drawer should hold, what was counted, and the difference.
    expected_cash = _money_field(_("expected cash"), null=True, blank=True)
    counted_cash = _money_field(_("counted cash"), null=True, blank=True)
    variance = _money_field(_("variance"), null=True, blank=True)
    close_note = models.CharField(max_length=255, blank=True, verbose_name=_("close note"))
    reopened_count = models.PositiveSmallIntegerField(default=0, verbose_name=_("reopened"))

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["register"], condition=Q(status="open"), name="one_open_shift_per_register"
            ),
            models.CheckConstraint(condition=Q(opening_float__gte=0), name="shift_float_positive"),
        ]
        indexes = [models.Index(fields=["register", "-opened_at"], name="shift_register_recent")]

    def __str__(self) -> str:
        return f"{self.register} {self.opened_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class CashMove(models.Model):
    """Cash put into (positive) or taken out of (negative) the drawer outside a sale: a
    float top-up, a bank drop, a petty-cash purchase — always with a reason."""

    shift = models.ForeignKey(
        Shift, on_delete=models.CASCADE, related_name="cash_moves", verbose_name=_("shift")
    )
    amount = _money_field(_("amount"))
    reason = models.CharField(max_length=120, verbose_name=_("reason"))
    associate = models.ForeignKey(
        "stores.Associate", on_delete=models.PROTECT, related_name="+", verbose_name=_("associate")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("cash move")
        verbose_name_plural = _("cash moves")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="cash_move_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.reason}"


class ShiftRefund(models.Model):
    """A refund the returns desk paid out at this shift's register (in cash from its
    drawer, or back to a card through its terminal): counted on this shift's X and Z
    reports and in its expected cash, and in no other shift's, however many registers
    the store has open."""

    shift = models.ForeignKey(
        Shift, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("shift")
    )
    refund = models.OneToOneField(
        "orders.Refund", on_delete=models.PROTECT, related_name="+", verbose_name=_("refund")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("refund on a shift")
        verbose_name_plural = _("refunds on a shift")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.shift_id}: {self.refund_id}"


class TillSale(models.Model):
    """A sale rung up on a shift: the order it became and how it was tendered. The
    ``idempotency_key`` (made by the till's page, kept across an offline queue) makes a
    sale posted twice one sale. A sale taken offline whose stock ran out meanwhile is kept
    (``status`` flagged, with what was rung up in ``basket``) for the manager, never lost."""

    class Status(models.TextChoices):
        COMPLETED = "completed", _("Completed")
        FLAGGED = "flagged", _("Stock short: for the manager")
        RESOLVED = "resolved", _("Resolved by the manager")

    shift = models.ForeignKey(
        Shift, on_delete=models.PROTECT, related_name="sales", verbose_name=_("shift")
    )
    order = models.OneToOneField(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="till_sale",
        verbose_name=_("order"),
    )
    associate = models.ForeignKey(
        "stores.Associate", on_delete=models.PROTECT, related_name="+", verbose_name=_("associate")
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.COMPLETED,
        verbose_name=_("status"),
    )
    idempotency_key = models.CharField(max_length=64, unique=True, verbose_name=_("key"))
    offline = models.BooleanField(default=False, verbose_name=_("rung up offline"))
    rung_up_at = models.DateTimeField(default=timezone.now, verbose_name=_("rung up at"))
    total = _money_field(_("total"))
    cash_tendered = _money_field(_("cash tendered"), default=0)
    change_due = _money_field(_("change due"), default=0)
    # What was rung up ({"lines": [[variant_id, qty], ...], "tenders": [...]}) for a
    # flagged sale the manager settles.
    basket = models.JSONField(default=dict, blank=True, verbose_name=_("basket"))
    note = models.CharField(max_length=255, blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("till sale")
        verbose_name_plural = _("till sales")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["shift", "status"], name="till_sale_shift_status")]

    def __str__(self) -> str:
        return self.idempotency_key


class ParkedSale(models.Model):
    """A basket put aside at a register (the customer went to fetch another size)."""

    register = models.ForeignKey(
        Register, on_delete=models.CASCADE, related_name="parked", verbose_name=_("register")
    )
    associate = models.ForeignKey(
        "stores.Associate", on_delete=models.PROTECT, related_name="+", verbose_name=_("associate")
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    lines = models.JSONField(default=dict, verbose_name=_("lines"))
    label = models.CharField(max_length=60, blank=True, verbose_name=_("label"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("parked sale")
        verbose_name_plural = _("parked sales")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.label or f"#{self.pk}"
