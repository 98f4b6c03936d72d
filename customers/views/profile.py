"""The shopper's profile on the storefront: name, phone and home store; sizes; preferences;
consent per contact channel, each section its own form."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from catalog.models import Category
from customers import services
from customers.models import (
    Consent,
    ConsentState,
    ContactChannel,
    Customer,
    SizePreference,
)
from customers.surface import account_customer
from customers.views.account import _store_label
from omni.errors import DomainError
from omni.http import domain_error_on_form
from omni.i18n import market_languages
from omni.phones import PhoneFormField, phone_display
from stores.models import Location
from stores.selectors import locations_active

# --- profile ------------------------------------------------------------------------------


class DetailsForm(forms.Form):
    first_name = forms.CharField(max_length=80, required=False, label=_("First name"))
    last_name = forms.CharField(max_length=80, required=False, label=_("Last name"))
    # E.164 in the market's country; the error names the form expected (omni.phones).
    phone = PhoneFormField(required=False, label=_("Phone"))
    home_store = forms.ModelChoiceField(
        queryset=Location.objects.none(),
        required=False,
        label=_("Home store"),
        empty_label=pgettext_lazy("no home store", "None"),
    )
    # Left out of a post: kept as it is.
    language = forms.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        label=_("Language of our emails"),
        help_text=_("Order updates and receipts come in this language."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_store"].queryset = locations_active(kind=Location.Kind.STORE).order_by(
            "name"
        )
        self.fields["home_store"].label_from_instance = _store_label
        # The shop's languages (its emails are written in them), and the one the customer
        # already has if the shop no longer offers it.
        offered = {*market_languages(), self.initial.get("language")}
        self.fields["language"].choices = [c for c in settings.LANGUAGES if c[0] in offered]


SIZE_GROUPS = [(value, label) for value, label in Category.SizeGroup.choices if value]


class SizesForm(forms.Form):
    def __init__(self, *args, sizes: dict[str, SizePreference], **kwargs):
        super().__init__(*args, **kwargs)
        for group, label in SIZE_GROUPS:
            pref = sizes.get(group)
            self.fields[f"size_{group}"] = forms.CharField(
                max_length=20,
                required=False,
                label=label,
                initial=pref.size if pref else "",
                help_text=_("Learned from your purchases")
                if pref and pref.source == SizePreference.Source.LEARNED
                else "",
            )


PREFERENCE_FIELDS = (
    ("colours", _("Colours you like")),
    ("styles", _("Styles")),
    ("fits", _("Fits")),
)


class PreferencesForm(forms.Form):
    colours = forms.CharField(max_length=200, required=False, label=_("Colours you like"))
    styles = forms.CharField(max_length=200, required=False, label=_("Styles"))
    fits = forms.CharField(max_length=200, required=False, label=_("Fits"))


CONSENT_CHOICES = [
    (ConsentState.MARKETING, _("News and offers")),
    (ConsentState.ONE_TO_ONE, _("Only my store associate, one to one")),
    (ConsentState.NONE, _("Nothing")),
]


class ConsentForm(forms.Form):
    def __init__(self, *args, consents: dict, service_messages_by: str = "email", **kwargs):
        super().__init__(*args, **kwargs)
        for channel, label in ContactChannel.choices:
            self.fields[f"consent_{channel}"] = forms.ChoiceField(
                choices=CONSENT_CHOICES,
                label=label,
                initial=consents[channel].state,
                widget=forms.RadioSelect,
            )
        # Pickup ready, items arrived, return received: one channel, never both.
        self.fields["service_messages_by"] = forms.ChoiceField(
            choices=Customer._meta.get_field("service_messages_by").choices,
            label=_("Order and pickup messages by"),
            initial=service_messages_by,
            widget=forms.RadioSelect,
            required=False,  # a post without it keeps the choice
        )


@dataclass
class ProfileForms:
    details: DetailsForm
    sizes: SizesForm
    preferences: PreferencesForm
    consent: ConsentForm
    invalid: set[str] = field(default_factory=set)


def _preference_text(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value or "")


@login_required
@require_http_methods(["GET", "POST"])
def account_profile(request: HttpRequest) -> HttpResponse:
    """Name, phone and home store; sizes (learned ones labelled); preferences; consent per
    contact channel. Each section is its own form (``section``), so one can be saved
    without touching the others; consent changes keep their history (``consent_set``)."""
    customer = account_customer(request)
    section = request.POST.get("section") if request.method == "POST" else None
    sizes = {pref.size_group: pref for pref in SizePreference.objects.filter(customer=customer)}
    stored = {consent.channel: consent for consent in Consent.objects.filter(customer=customer)}
    consents = {
        channel: stored.get(channel) or Consent(channel=channel, state=ConsentState.NONE)
        for channel in ContactChannel.values
    }
    prefs = customer.preferences or {}
    data = request.POST if section else None
    profile = ProfileForms(
        details=DetailsForm(
            data if section == "details" else None,
            initial={
                "first_name": customer.first_name,
                "last_name": customer.last_name,
                "phone": phone_display(customer.phone),
                "home_store": customer.home_store_id,
                "language": customer.language,
            },
            prefix="details",
        ),
        sizes=SizesForm(data if section == "sizes" else None, sizes=sizes, prefix="sizes"),
        preferences=PreferencesForm(
            data if section == "preferences" else None,
            initial={key: _preference_text(prefs.get(key)) for key, _ in PREFERENCE_FIELDS},
            prefix="preferences",
        ),
        consent=ConsentForm(
            data if section == "consent" else None,
            consents=consents,
            service_messages_by=customer.service_messages_by,
            prefix="consent",
        ),
    )
    if section in ("details", "sizes", "preferences", "consent"):
        form = getattr(profile, section)
        if form.is_valid():
            try:
                _profile_save(customer, section, form, sizes)
            except DomainError as exc:
                domain_error_on_form(form, exc)
            else:
                messages.success(request, gettext("Saved."))
                return redirect(f"{reverse('customers:profile')}#{section}")
        profile.invalid.add(section)
    elif section is not None:
        raise Http404("No such part of the profile.")
    return render(
        request,
        "storefront/account/profile.html",
        {
            "customer": customer,
            "profile": profile,
            "consents": consents,
            "section": "profile",
        },
        status=400 if profile.invalid else 200,
    )


def _profile_save(
    customer: Customer, section: str, form: forms.Form, sizes: dict[str, SizePreference]
) -> None:
    data = form.cleaned_data
    if section == "details":
        services.customer_update_profile(
            customer=customer,
            first_name=data["first_name"],
            last_name=data["last_name"],
            home_store=data["home_store"],
            phone=data["phone"],
            language=data["language"] or services.UNSET,
            channel="web",
        )
    elif section == "sizes":
        for group, _ in SIZE_GROUPS:
            size = data[f"size_{group}"].strip()
            current = sizes.get(group)
            if size and (current is None or current.size != size):
                services.size_set(customer=customer, size_group=group, size=size)
            elif not size and current is not None and form.add_prefix(f"size_{group}") in form.data:
                # Emptied by the shopper (a field missing from the post is left alone).
                services.size_clear(customer=customer, size_group=group)
    elif section == "preferences":
        chosen = {
            key: [part.strip() for part in data[key].split(",") if part.strip()]
            for key, _ in PREFERENCE_FIELDS
        }
        kept = {k: v for k, v in (customer.preferences or {}).items() if k not in chosen}
        services.customer_update_profile(
            customer=customer,
            preferences={**kept, **{k: v for k, v in chosen.items() if v}},
            channel="web",
        )
    elif section == "consent":
        for channel, _ in ContactChannel.choices:
            services.consent_set(
                customer=customer, channel=channel, state=data[f"consent_{channel}"], source="web"
            )
        if data.get("service_messages_by"):
            services.service_channel_set(
                customer=customer, channel=data["service_messages_by"], source="web"
            )
