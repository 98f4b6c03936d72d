"""Campaigns admin for merchandisers: segments (a rules form, validated, with a preview
count), newsletters (a version per language, products picked from the catalogue, a send /
schedule button, counts of sends, bounces and unsubscribes) and the back-in-stock
requests (read-only: the storefront makes them, the availability refresh answers them)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from campaigns.errors import CampaignNotSendable, SegmentRulesInvalid
from campaigns.models import BackInStockRequest, Campaign, CampaignVersion, Segment
from campaigns.segments import CHANNELS, segment_count
from campaigns.services import campaign_send_start
from campaigns.services.segments import segment_save
from catalog.models import Category
from customers.models import ConsentState
from omni.admin import ReadOnlyAdminMixin
from stores.models import Location

CHANNEL_LABELS = {
    "web": _("Bought online only"),
    "store": _("Bought in a store only"),
    "both": _("Bought online and in a store"),
}

# The rules form's fields, in the order of the JSON keys they fill.
RULE_FIELDS = (
    "channel",
    "spend_min",
    "spend_max",
    "spend_days",
    "last_purchase_after",
    "last_purchase_before",
    "home_stores",
    "size_group",
    "size",
    "email_consent",
    "languages",
    "loyalty_points_min",
)


class SegmentForm(forms.ModelForm):
    """The rules as form fields; saved as the JSON ``campaigns.segments`` compiles."""

    channel = forms.ChoiceField(
        label=_("Channel mix"),
        required=False,
        choices=[("", "—"), *((c, CHANNEL_LABELS[c]) for c in CHANNELS)],
    )
    spend_min = forms.DecimalField(
        label=_("Spent at least"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    spend_max = forms.DecimalField(
        label=_("Spent at most"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    spend_days = forms.IntegerField(
        label=_("Spend over the last (days)"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=_("365 when empty"),
    )
    last_purchase_after = forms.DateField(
        label=_("Last purchase after"), required=False, widget=AdminDateWidget
    )
    last_purchase_before = forms.DateField(
        label=_("Last purchase before"), required=False, widget=AdminDateWidget
    )
    home_stores = forms.ModelMultipleChoiceField(
        label=_("Home store"),
        required=False,
        queryset=Location.objects.filter(kind=Location.Kind.STORE).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
    )
    size_group = forms.ChoiceField(
        label=_("Size group"), required=False, choices=[("", "—"), *Category.SizeGroup.choices]
    )
    size = forms.CharField(label=_("Size"), required=False, max_length=20)
    email_consent = forms.ChoiceField(
        label=_("Email consent"), required=False, choices=[("", "—"), *ConsentState.choices]
    )
    languages = forms.MultipleChoiceField(
        label=_("Language"),
        required=False,
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
    )
    loyalty_points_min = forms.IntegerField(
        label=_("Loyalty points at least"), required=False, min_value=0, max_value=10**9
    )

    class Meta:
        model = Segment
        fields = ("name",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        currency = gettext("In %(currency)s, orders not cancelled") % {
            "currency": settings.OMNI_CURRENCY
        }
        self.fields["spend_min"].help_text = self.fields["spend_max"].help_text = currency
        rules = (self.instance.rules or {}) if self.instance.pk else {}
        for name in RULE_FIELDS:
            if name in rules:
                self.initial[name] = rules[name]

    def clean(self):
        cleaned = super().clean()
        raw = {}
        for name in RULE_FIELDS:
            value = cleaned.get(name)
            if name == "home_stores":
                value = [s.pk for s in value] if value else []
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            elif value is not None and not isinstance(value, (list, str, int)):
                value = str(value)
            if value not in (None, "", []):
                raw[name] = value
        from campaigns.segments import rules_clean

        try:
            self.rules = rules_clean(raw)
        except SegmentRulesInvalid as exc:
            self.add_error(exc.field if exc.field in self.fields else None, str(exc))
        return cleaned


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    form = SegmentForm
    list_display = ("name", "updated_at")
    search_fields = ("name",)
    readonly_fields = ("preview",)
    change_form_template = "admin/campaigns/segment/change_form.html"
    fieldsets = (
        (None, {"fields": ("name", "preview")}),
        (
            _("Purchases"),
            {
                "fields": (
                    "channel",
                    "spend_min",
                    "spend_max",
                    "spend_days",
                    "last_purchase_after",
                    "last_purchase_before",
                )
            },
        ),
        (
            _("Profile"),
            {"fields": ("home_stores", "size_group", "size", "languages", "loyalty_points_min")},
        ),
        (_("Consent"), {"fields": ("email_consent",)}),
    )

    @admin.display(description=_("Preview"))
    def preview(self, obj: Segment) -> str:
        if obj is None or obj.pk is None:
            return gettext("Save to see how many customers the rules select.")
        members, reachable = segment_count(obj.rules)
        return ngettext(
            "%(members)s customer; %(reachable)s with marketing email consent "
            "(a newsletter goes to these).",
            "%(members)s customers; %(reachable)s with marketing email consent "
            "(a newsletter goes to these).",
            members,
        ) % {"members": members, "reachable": reachable}

    def save_model(self, request, obj, form, change):
        segment_save(segment=obj, name=form.cleaned_data["name"], rules=form.rules)

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [
            path("preview/", preview, name="campaigns_segment_preview"),
            *super().get_urls(),
        ]

    def preview_view(self, request):
        """The count the rules in the form select, before saving (the change form's
        "Preview count" button sends its fields here)."""
        form = SegmentForm(data=request.GET or None)
        counts = None
        if form.is_bound:
            form.is_valid()
            rule_errors = {k: v for k, v in form.errors.items() if k != "name"}
            if not rule_errors and hasattr(form, "rules"):
                counts = segment_count(form.rules)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Segment preview"),
            "form": form,
            "counts": counts,
            "back": request.META.get("HTTP_REFERER", ""),
        }
        return TemplateResponse(request, "admin/campaigns/segment/preview.html", context)


class CampaignVersionInline(admin.StackedInline):
    model = CampaignVersion
    extra = 1
    fields = ("language", "subject", "body")


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "segment", "status", "scheduled_at", "sends", "bounces", "unsubscribes")
    list_filter = ("status",)
    list_select_related = ("segment",)
    search_fields = ("name",)
    autocomplete_fields = ("segment", "products")
    inlines = (CampaignVersionInline,)
    readonly_fields = (
        "status",
        "started_at",
        "finished_at",
        "recipients",
        "sends",
        "bounces",
        "unsubscribes",
    )
    fields = (
        "name",
        "segment",
        "products",
        "scheduled_at",
        "recipients",
        "status",
        "started_at",
        "finished_at",
        "sends",
        "bounces",
        "unsubscribes",
    )
    actions = ("send_now",)
    change_form_template = "admin/campaigns/campaign/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                sent_count=Count("sends"),
                bounce_count=Count("sends", filter=Q(sends__bounced_at__isnull=False)),
                unsubscribe_count=Count("sends", filter=Q(sends__unsubscribed_at__isnull=False)),
            )
        )

    @admin.display(description=_("sends"), ordering="sent_count")
    def sends(self, obj: Campaign) -> int:
        return getattr(obj, "sent_count", 0)

    @admin.display(description=_("bounces"), ordering="bounce_count")
    def bounces(self, obj: Campaign) -> int:
        return getattr(obj, "bounce_count", 0)

    @admin.display(description=_("unsubscribes"), ordering="unsubscribe_count")
    def unsubscribes(self, obj: Campaign) -> int:
        return getattr(obj, "unsubscribe_count", 0)

    @admin.display(description=_("recipients now"))
    def recipients(self, obj: Campaign) -> str:
        if obj is None or obj.pk is None or obj.segment_id is None:
            return "—"
        _members, reachable = segment_count(obj.segment.rules)
        return str(reachable)

    def _start(self, request, campaign: Campaign) -> bool:
        try:
            started = campaign_send_start(campaign=campaign, at=campaign.scheduled_at)
        except CampaignNotSendable as exc:
            self.message_user(request, f"{campaign}: {exc}", messages.ERROR)
            return False
        if started.status == Campaign.Status.SCHEDULED:
            self.message_user(
                request, gettext("%(name)s is scheduled.") % {"name": campaign}, messages.SUCCESS
            )
        else:
            self.message_user(
                request,
                gettext("%(name)s is being sent in batches.") % {"name": campaign},
                messages.SUCCESS,
            )
        return True

    @admin.action(description=_("Send now (or at the scheduled time)"))
    def send_now(self, request, queryset):
        for campaign in queryset:
            self._start(request, campaign)

    def response_change(self, request, obj):
        if "_send" in request.POST:
            self._start(request, obj)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status in (Campaign.Status.SENDING, Campaign.Status.SENT):
            readonly += ["name", "segment", "products", "scheduled_at"]
        return readonly


@admin.register(BackInStockRequest)
class BackInStockRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "variant",
        "location",
        "contact",
        "language",
        "status",
        "created_at",
        "expires_at",
        "notified_at",
    )
    list_filter = ("status", "location")
    list_select_related = ("variant__product", "location", "customer")
    search_fields = ("=variant__sku", "email", "phone", "customer__email")
    date_hierarchy = "created_at"

    @admin.display(description=_("contact"))
    def contact(self, obj: BackInStockRequest) -> str:
        return obj.email or obj.phone or (obj.customer.email if obj.customer else "")
