"""Promotions admin: create and schedule promotions, generate a batch of one-time codes,
export it as CSV, and see each promotion's uses, discount given and revenue."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from customers.models import Channel
from omni.admin import TIMESTAMPS, admin_changelist_link, money
from promotions.models import Promotion, Redemption, Voucher, VoucherBatch
from promotions.services import voucher_batch_generate, vouchers_csv


class PromotionForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Channels"),
        help_text=_("None ticked: every channel"),
    )

    class Meta:
        model = Promotion
        fields = (
            "name",
            "label",
            "trigger",
            "is_active",
            "benefit",
            "value",
            "buy_quantity",
            "get_quantity",
            "categories",
            "products",
            "variants",
            "min_quantity",
            "min_amount",
            "channels",
            "stores",
            "first_order_only",
            "marketing_consent_only",
            "loyalty_members_only",
            "limit_per_customer",
            "starts_on",
            "ends_on",
            "priority",
            "stacking",
        )


def _sum_of(field: str):
    total = (
        Redemption.objects.filter(promotion=OuterRef("pk"))
        .order_by()
        .values("promotion")
        .annotate(s=Sum(field))
        .values("s")
    )
    return Coalesce(Subquery(total), Value(0), output_field=DecimalField())


def _count_of_uses():
    uses = (
        Redemption.objects.filter(promotion=OuterRef("pk"))
        .order_by()
        .values("promotion")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(uses), Value(0))


@admin.register(Promotion)
class PromotionAdmin(admin.ModelAdmin):
    form = PromotionForm
    list_display = (
        "name",
        "trigger",
        "benefit",
        "value",
        "starts_on",
        "ends_on",
        "priority",
        "stacking",
        "is_active",
        "uses",
        "discount_given",
        "revenue",
    )
    list_filter = ("is_active", "trigger", "benefit", "stacking")
    search_fields = ("name", "label")
    filter_horizontal = ("categories", "stores")
    raw_id_fields = ("products", "variants")
    readonly_fields = (*TIMESTAMPS, "codes")
    fieldsets = (
        (None, {"fields": ("name", "label", "trigger", "is_active")}),
        (_("Benefit"), {"fields": ("benefit", "value", "buy_quantity", "get_quantity")}),
        (
            _("What it applies to"),
            {"fields": ("categories", "products", "variants", "min_quantity", "min_amount")},
        ),
        (
            _("Who and where"),
            {
                "fields": (
                    "channels",
                    "stores",
                    "first_order_only",
                    "marketing_consent_only",
                    "loyalty_members_only",
                    "limit_per_customer",
                )
            },
        ),
        (
            _("When and how it combines"),
            {"fields": ("starts_on", "ends_on", "priority", "stacking")},
        ),
        (_("Codes"), {"fields": ("codes", *TIMESTAMPS)}),
    )
    change_form_template = "admin/promotions/promotion/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _uses=_count_of_uses(),
                _discount=_sum_of("discount"),
                _revenue=_sum_of("order_total"),
            )
        )

    @admin.display(description=_("uses"), ordering="_uses")
    def uses(self, obj):
        return obj._uses

    @admin.display(description=_("discount given"), ordering="_discount")
    def discount_given(self, obj):
        return money(obj._discount)

    @admin.display(description=_("revenue"), ordering="_revenue")
    def revenue(self, obj):
        return money(obj._revenue)

    @admin.display(description=_("codes"))
    def codes(self, obj):
        if obj.pk is None:
            return "—"
        return admin_changelist_link(
            "promotions.voucher", _("See the codes"), promotion__id__exact=obj.pk
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:promotion_id>/generate-codes/",
                wrap(self.generate_view),
                name="promotions_promotion_generate",
            ),
            *super().get_urls(),
        ]

    def generate_view(self, request: HttpRequest, promotion_id: int) -> HttpResponse:
        """Generate a batch of unique one-time codes for the promotion."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        promotion = get_object_or_404(Promotion, pk=promotion_id)
        form = BatchForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            batch = voucher_batch_generate(
                promotion=promotion,
                name=data["name"],
                count=data["count"],
                campaign=data["campaign"],
                prefix=data["prefix"],
                usage_limit=data["uses_each"],
            )
            self.message_user(
                request,
                _("%(count)s codes generated in “%(name)s”.")
                % {"count": data["count"], "name": batch.name},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                reverse("admin:promotions_voucherbatch_change", args=[batch.pk])
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Generate codes for “%(name)s”") % {"name": promotion.name},
            "form": form,
            "promotion": promotion,
        }
        return TemplateResponse(
            request,
            "admin/promotions/promotion/generate_codes.html",
            context,
            status=400 if form.errors else 200,
        )


class BatchForm(forms.Form):
    name = forms.CharField(max_length=120, label=_("Name"))
    count = forms.IntegerField(min_value=1, max_value=100_000, initial=100, label=_("How many"))
    campaign = forms.SlugField(
        max_length=60,
        required=False,
        label=_("Campaign"),
        help_text=_("The flow handing the codes out, e.g. post-purchase"),
    )
    prefix = forms.CharField(max_length=12, required=False, label=_("Prefix"))
    uses_each = forms.IntegerField(min_value=1, initial=1, label=_("Uses per code"))


@admin.register(VoucherBatch)
class VoucherBatchAdmin(admin.ModelAdmin):
    list_display = ("name", "promotion", "campaign", "code_count", "created_at")
    list_select_related = ("promotion",)
    search_fields = ("name", "campaign")
    readonly_fields = ("promotion", "prefix", "codes", *TIMESTAMPS)
    fields = ("name", "campaign", "promotion", "prefix", "codes", *TIMESTAMPS)
    change_form_template = "admin/promotions/voucherbatch/change_form.html"

    def has_add_permission(self, request):
        return False  # batches are generated from their promotion

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_codes=Count("vouchers"))

    @admin.display(description=_("codes"), ordering="_codes")
    def code_count(self, obj):
        return obj._codes

    @admin.display(description=_("codes"))
    def codes(self, obj):
        return admin_changelist_link(
            "promotions.voucher", _("See the codes"), batch__id__exact=obj.pk
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:batch_id>/csv/", wrap(self.csv_view), name="promotions_voucherbatch_csv"),
            *super().get_urls(),
        ]

    def csv_view(self, request: HttpRequest, batch_id: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        batch = get_object_or_404(VoucherBatch, pk=batch_id)
        response = HttpResponse(vouchers_csv(batch=batch), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="codes-{batch.pk}.csv"'
        return response


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):
    list_display = ("code", "promotion", "batch", "usage_limit", "used_count", "issued_to")
    list_select_related = ("promotion", "batch", "issued_to")
    list_filter = ("promotion",)
    search_fields = ("=code",)
    raw_id_fields = ("issued_to", "batch")
    readonly_fields = ("used_count", "issued_at", *TIMESTAMPS)
    show_full_result_count = False


@admin.register(Redemption)
class RedemptionAdmin(admin.ModelAdmin):
    list_display = ("order_number", "promotion", "voucher", "customer", "discount", "order_total")
    list_select_related = ("promotion", "voucher", "customer")
    list_filter = ("promotion",)
    search_fields = ("=order_number",)
    readonly_fields = [f.name for f in Redemption._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
