"""Stores admin: locations (with the associates who may act for them and a link to their
stock, which is far too big to render inline), distances and associates."""

import re

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from omni.admin import TIMESTAMPS, FlatQueriesInlineMixin, admin_changelist_link
from omni.phones import PhoneFormField
from stores.models import (
    WEEKDAYS,
    Associate,
    Location,
    LocationDistance,
    opening_hours_errors,
    time_zone_names,
)
from stores.services import location_distances_update

WEEKDAY_LABELS = {
    "mon": _("Monday"),
    "tue": _("Tuesday"),
    "wed": _("Wednesday"),
    "thu": _("Thursday"),
    "fri": _("Friday"),
    "sat": _("Saturday"),
    "sun": _("Sunday"),
}
# "09:00-12:00, 13:00-19:00": intervals split by commas, times by a hyphen or dash.
_INTERVAL = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–—]\s*(\d{1,2}:\d{2})\s*$")


class TimeZoneField(forms.ChoiceField):
    """A pick from the real IANA zones; whitespace around a typed-in value is dropped."""

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", [(name, name) for name in sorted(time_zone_names())])
        super().__init__(**kwargs)

    def to_python(self, value):
        return super().to_python(value).strip()


def hours_text(spans) -> str:
    return ", ".join(f"{opens}–{closes}" for opens, closes in spans)


def hours_parse(text: str) -> list[list[str]]:
    """ "9:00-12:00, 13:00–19:00" → [["09:00", "12:00"], ["13:00", "19:00"]]; blank: closed."""
    spans = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _INTERVAL.match(part)
        if match is None:
            raise forms.ValidationError(
                _("“%(part)s” is not an interval like 09:00–18:00."), params={"part": part}
            )
        spans.append([clock.zfill(5) for clock in match.groups()])
    return spans


def _hours_field(day: str) -> forms.CharField:
    return forms.CharField(
        label=WEEKDAY_LABELS[day],
        required=False,
        help_text=_("e.g. 10:00–20:00, or 10:00–13:00, 14:00–19:00; empty: closed")
        if day == "mon"
        else "",
        widget=forms.TextInput(attrs={"size": 24, "placeholder": _("Closed")}),
    )


class LocationForm(forms.ModelForm):
    """A location with its time zone picked from the real zones and its opening hours
    typed per weekday ("10:00–20:00", "" for closed), checked before anything is saved."""

    timezone = TimeZoneField(label=_("Time zone"))
    phone = PhoneFormField(label=_("phone"), required=False)
    hours_mon = _hours_field("mon")
    hours_tue = _hours_field("tue")
    hours_wed = _hours_field("wed")
    hours_thu = _hours_field("thu")
    hours_fri = _hours_field("fri")
    hours_sat = _hours_field("sat")
    hours_sun = _hours_field("sun")

    class Meta:
        model = Location
        fields = [
            field.name
            for field in Location._meta.concrete_fields
            if field.editable and field.name not in ("id", "opening_hours")
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hours = self.instance.opening_hours if isinstance(self.instance.opening_hours, dict) else {}
        for day in WEEKDAYS:
            self.initial.setdefault(f"hours_{day}", hours_text(hours.get(day) or []))

    def clean(self):
        data = super().clean()
        hours = {}
        for day in WEEKDAYS:
            field = f"hours_{day}"
            try:
                hours[day] = hours_parse(data.get(field) or "")
            except forms.ValidationError as error:
                self.add_error(field, error)
                continue
            if problems := opening_hours_errors({day: hours[day]}):
                self.add_error(field, problems)
        # A location open on no day (a warehouse) keeps no hours at all.
        self.opening_hours = hours if any(hours.values()) else {}
        return data

    def save(self, commit=True):
        self.instance.opening_hours = self.opening_hours
        return super().save(commit=commit)


class LocationAssociateInline(FlatQueriesInlineMixin, admin.TabularInline):
    model = Associate.locations.through
    fields = ("associate",)
    extra = 0
    verbose_name = _("associate who may act here")
    verbose_name_plural = _("associates who may act here")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("associate")


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    form = LocationForm
    list_display = (
        "code",
        "name",
        "kind",
        "city",
        "region",
        "ships_online_orders",
        "offers_pickup",
        "accepts_returns",
        "safety_stock",
        "is_active",
    )
    list_filter = ("kind", "is_active", "ships_online_orders", "offers_pickup", "accepts_returns")
    search_fields = ("code", "name", "city", "postcode")
    readonly_fields = ("stock", *TIMESTAMPS)
    fieldsets = (
        (_("Identity"), {"fields": ("code", "name", "kind", "is_active", "phone", "email")}),
        (
            _("Address and coordinates"),
            {
                "fields": (
                    "address_line1",
                    "address_line2",
                    ("city", "region"),
                    ("postcode", "country"),
                    ("latitude", "longitude"),
                    "timezone",
                )
            },
        ),
        (_("Opening hours"), {"fields": tuple(f"hours_{day}" for day in WEEKDAYS)}),
        (_("Services"), {"fields": ("ships_online_orders", "offers_pickup", "accepts_returns")}),
        (
            _("Safety stock"),
            {
                "fields": ("safety_stock", "stock"),
                "description": _(
                    "Units per SKU kept back from online sale; a stock row may override it."
                ),
            },
        ),
        (_("Timestamps"), {"fields": TIMESTAMPS, "classes": ("collapse",)}),
    )
    inlines = (LocationAssociateInline,)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Sourcing and nearest availability join on the distance table: keep it true.
        if not change or {"latitude", "longitude"} & set(form.changed_data):
            location_distances_update(location_id=obj.pk)

    @admin.display(description=_("Stock"))
    def stock(self, obj):
        # A store holds thousands of stock rows: link to them rather than render them here.
        if obj.pk is None:
            return "—"
        return admin_changelist_link(
            "inventory.stock", _("Stock at this location →"), location__id__exact=obj.pk
        )


@admin.register(LocationDistance)
class LocationDistanceAdmin(admin.ModelAdmin):
    list_display = ("origin", "destination", "distance_km")
    list_filter = ("origin",)
    list_select_related = ("origin", "destination")
    search_fields = ("origin__code", "destination__code")
    ordering = ("origin__name", "distance_km")


@admin.register(Associate)
class AssociateAdmin(admin.ModelAdmin):
    list_display = ("display_name", "user", "home_location", "role", "employee_code", "is_active")
    list_filter = ("role", "is_active", "home_location")
    list_select_related = ("user", "home_location")
    search_fields = ("display_name", "=employee_code", "user__email", "user__username")
    readonly_fields = TIMESTAMPS
    autocomplete_fields = ("user",)
    filter_horizontal = ("locations",)
    fields = (
        "user",
        "display_name",
        "employee_code",
        "role",
        "home_location",
        "locations",
        "is_active",
        TIMESTAMPS,
    )
