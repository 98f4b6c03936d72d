"""The admin site for merchandisers, and the few pieces every app's admin shares: read-only
ledgers, streamed CSV exports, money display, and inlines whose query count does not grow
with their rows. The outbox, the email log and the REST API's keys, idempotency records
and webhooks are registered here too."""

import csv
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django import forms
from django.apps import apps as django_apps
from django.contrib import admin, messages
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import StreamingHttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from omni.api import services as api_services
from omni.api.webhooks import webhook_redeliver
from omni.models import (
    ApiKey,
    ApiScope,
    EmailLog,
    Heartbeat,
    IdempotencyRecord,
    OutboxMessage,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from omni.money import format_money

admin.site.site_header = _("Omni merchandising")
admin.site.site_title = _("Omni merchandising")
admin.site.index_title = _("Catalog, stores, customers, stock and orders")

# Streamed exports read in chunks so memory stays flat on the large data set.
EXPORT_CHUNK_SIZE = 2000

# Set by the code, never typed in: shown read-only wherever a form lists them.
TIMESTAMPS = ("created_at", "updated_at")


def count_of(model, fk: str):
    """A changelist column counting ``model`` rows that point at each row through ``fk``,
    as a correlated subquery: one query for the page, no GROUP BY over the whole list."""
    counted = (
        model.objects.filter(**{fk: OuterRef("pk")})
        .order_by()
        .values(fk)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), Value(0), output_field=IntegerField())


def money(amount: Decimal | None, currency: str | None = None) -> str:
    """Money as the shopper sees it, always with two decimals; "—" when there is none."""
    if amount is None:
        return "—"
    return format_money(amount, currency)


def admin_changelist_link(model_label: str, text: str, **filters) -> str:
    """A link to a changelist filtered by ``filters``: how a parent shows children that are
    too many to render inline (a store's stock, a customer's timeline). The model is named
    ("inventory.stock") rather than imported, so a lower app can link to a higher one."""
    app_label, model_name = model_label.split(".")
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    return format_html('<a href="{}?{}">{}</a>', url, urlencode(filters), text)


class _Echo:
    """A file-like object whose write() hands the line back, so csv.writer can feed a
    streaming response without buffering the whole file."""

    def write(self, value: str) -> str:
        return value


def streamed_csv(filename: str, header: Sequence[str], rows: Iterable[Sequence]):
    """A CSV download written row by row while ``rows`` (a lazy queryset iterator) is read."""
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class EstimatedCountPaginator(Paginator):
    """A changelist paginator for tables of millions of rows: the unfiltered list's count
    is PostgreSQL's own estimate (``pg_class.reltuples``, kept by ANALYZE), a filtered
    list's count stops at ``cap`` + 1 (``SELECT COUNT(*) FROM (... LIMIT cap + 1)``), so
    no page load counts the whole table. Pair with ``show_full_result_count = False``."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not queryset.query.has_filters() and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [queryset.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] > self.cap:
                return int(row[0])
        return queryset.order_by()[: self.cap + 1].count()


class ReadOnlyAdminMixin:
    """Rows nobody edits by hand: audit trails, and data that a service or a worker owns.
    Viewing stays allowed; the admin never tries to save or delete one."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LedgerAdminMixin:
    """Append-only ledgers: a row is never changed or deleted (the model raises if asked).
    Viewing stays allowed; ledgers that take manual adjustments set
    ``allow_manual_entries``."""

    allow_manual_entries = False

    def has_add_permission(self, request):
        return self.allow_manual_entries and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PreloadedRawIdWidget(ForeignKeyRawIdWidget):
    """A raw-id input labelled from the row the inline already loaded with select_related,
    instead of Django's one query per rendered row."""

    preloaded = None

    def label_and_url_for_value(self, value):
        obj = self.preloaded
        if obj is None or str(obj.pk) != str(value):
            return super().label_and_url_for_value(value)
        opts = obj._meta
        try:
            url = reverse(
                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change",
                args=(obj.pk,),
            )
        except NoReverseMatch:
            url = ""
        return Truncator(obj).words(14), url


class PreloadedRawIdForm(forms.ModelForm):
    """Hands each row's already-loaded related objects to its raw-id widgets."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            return
        for name, field in self.fields.items():
            if isinstance(field.widget, PreloadedRawIdWidget):
                field.widget.preloaded = getattr(self.instance, name)


class FlatQueriesInlineMixin:
    """Keeps an inline's query count flat in its number of rows.

    Every row gets its own copy of the form's fields, and both a <select> and a raw-id label
    query the database on each copy: ten rows, ten queries. Here a <select>'s choices are
    read once per formset, and ``raw_id_fields`` (for big tables: variants, order lines)
    are labelled from the related row, which ``get_queryset`` loads with select_related.
    """

    form = PreloadedRawIdForm

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.raw_id_fields)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.raw_id_fields:
            kwargs["widget"] = PreloadedRawIdWidget(
                db_field.remote_field, self.admin_site, using=kwargs.get("using")
            )
            return super().formfield_for_foreignkey(db_field, request, **kwargs)
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        is_parent_link = db_field.remote_field.model is self.parent_model
        if formfield is not None and type(formfield.widget) is forms.Select and not is_parent_link:
            limit = formfield.get_limit_choices_to()
            if limit:
                formfield.queryset = formfield.queryset.complex_filter(limit)
            # A plain list survives the per-row copies, so the query runs once.
            formfield.choices = list(formfield.choices)
        return formfield


# --- omni's own tables ---------------------------------------------------------------------


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "topic", "status", "attempts", "available_at", "created_at", "done_at")
    list_filter = ("status",)
    search_fields = ("=dedupe_key", "topic")
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "dispatched_at", "done_at")
    show_full_result_count = False


@admin.register(Heartbeat)
class HeartbeatAdmin(LedgerAdminMixin, admin.ModelAdmin):
    """When the worker and beat last showed they were alive (written by them only)."""

    list_display = ("name", "at", "detail")


@admin.register(EmailLog)
class EmailLogAdmin(LedgerAdminMixin, admin.ModelAdmin):
    # ``subject``: as sent, in ``language`` (a record, never re-rendered here).
    list_display = (
        "created_at",
        "kind",
        "stage",
        "to",
        "subject",
        "language",
        "object_ref",
        "sent_at",
    )
    list_filter = ("kind",)
    search_fields = ("to", "=object_id", "subject")
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description=_("About"))
    def object_ref(self, obj):
        return f"{obj.object_type.split('.')[-1]} #{obj.object_id}"


# --- the REST API: keys, idempotency records, webhooks ----------------------------------------


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    location_codes = forms.CharField(
        required=False,
        help_text=_(
            "Comma-separated location codes this key may act for (empty: all). A "
            "store's POS key names its store."
        ),
    )

    class Meta:
        model = ApiKey
        fields = ["name", "scopes", "location_codes", "rate_per_minute", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["location_codes"] = ", ".join(self.instance.location_codes or [])

    def clean_location_codes(self) -> list[str]:
        codes = sorted(
            {c.strip() for c in self.cleaned_data["location_codes"].split(",") if c.strip()}
        )
        # Named, not imported: omni imports no domain app.
        location = django_apps.get_model("stores", "Location")
        known = set(location.objects.filter(code__in=codes).values_list("code", flat=True))
        if unknown := [c for c in codes if c not in known]:
            raise forms.ValidationError(
                _("Unknown location codes: %(codes)s"),
                code="unknown_location",
                params={"codes": ", ".join(unknown)},
            )
        return codes


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = ("name", "prefix", "scope_list", "locations", "is_active", "last_used_at")
    list_filter = ("is_active",)
    search_fields = ("name", "=prefix")
    readonly_fields = ("prefix", "created_by", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("created_by",)
    actions = ["revoke"]

    @admin.display(description=_("Scopes"))
    def scope_list(self, obj):
        return ", ".join(obj.scopes or []) or "—"

    @admin.display(description=_("Locations"))
    def locations(self, obj):
        return ", ".join(obj.location_codes or []) or gettext("all")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # Made by the service, which returns the raw key once; only its hash is stored.
        key, raw = api_services.api_key_create(
            name=obj.name,
            scopes=form.cleaned_data["scopes"],
            location_codes=form.cleaned_data["location_codes"],
            rate_per_minute=obj.rate_per_minute,
            created_by=request.user,
        )
        for field in ApiKey._meta.concrete_fields:
            setattr(obj, field.attname, getattr(key, field.attname))
        obj._state.adding = False
        messages.warning(
            request,
            gettext(
                "Copy the new API key now; it is not stored and will not be shown again: %(key)s"
            )
            % {"key": raw},
        )

    @admin.action(description=_("Revoke the selected keys (they stop working at once)"))
    def revoke(self, request, queryset):
        revoked = 0
        for key in queryset.filter(is_active=True):
            api_services.api_key_revoke(api_key=key)
            revoked += 1
        message = ngettext("%(count)d key revoked.", "%(count)d keys revoked.", revoked)
        self.message_user(request, message % {"count": revoked}, messages.SUCCESS)


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "owner", "key", "method", "path", "response_status")
    search_fields = ("=key", "=owner", "path")
    date_hierarchy = "created_at"
    show_full_result_count = False


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=[*WebhookEvent.choices, ("*", _("Every event"))],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookSubscription
        fields = ["url", "events", "description", "is_active", "api_key"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ("url", "event_list", "is_active", "api_key", "created_at")
    list_filter = ("is_active",)
    search_fields = ("url", "description")
    list_select_related = ("api_key",)
    raw_id_fields = ("api_key",)
    readonly_fields = ("secret", *TIMESTAMPS)

    @admin.display(description=_("Events"))
    def event_list(self, obj):
        return ", ".join(obj.events or [])

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        subscription = api_services.webhook_subscription_create(
            url=obj.url,
            events=form.cleaned_data["events"],
            description=obj.description,
            api_key=obj.api_key,
        )
        for field in WebhookSubscription._meta.concrete_fields:
            setattr(obj, field.attname, getattr(subscription, field.attname))
        obj._state.adding = False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "event",
        "subscription",
        "attempt",
        "status",
        "response_status",
        "duration_ms",
    )
    list_filter = ("status", "event")
    search_fields = ("=event_id", "subscription__url")
    list_select_related = ("subscription",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["redeliver"]

    @admin.action(description=_("Redeliver the selected events"))
    def redeliver(self, request, queryset):
        count = 0
        for delivery in queryset:
            webhook_redeliver(delivery=delivery)
            count += 1
        message = ngettext(
            "%(count)d event queued for redelivery.",
            "%(count)d events queued for redelivery.",
            count,
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)
