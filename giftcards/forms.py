"""Forms of the gift card pages: a code to check, a card to issue."""

from django import forms
from django.utils.translation import gettext_lazy as _

from giftcards.models import GiftCard


class BalanceForm(forms.Form):
    code = forms.CharField(
        label=_("Gift card code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class IssueForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=18,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    reason = forms.CharField(label=_("Reason"), max_length=255)
    delivery = forms.ChoiceField(
        label=_("Delivery"), choices=GiftCard.Delivery.choices, initial=GiftCard.Delivery.PHYSICAL
    )
    recipient_name = forms.CharField(label=_("Recipient's name"), max_length=120, required=False)
    recipient_email = forms.EmailField(label=_("Recipient's email"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("delivery") == GiftCard.Delivery.EMAIL and not data.get("recipient_email"):
            self.add_error("recipient_email", _("An emailed card needs the recipient's email."))
        return data


class BuyForm(forms.Form):
    """An emailed gift card bought on the storefront: amount, who it is for, the
    buyer's email (guests) and the card that pays."""

    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=18,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    recipient_name = forms.CharField(label=_("Recipient's name"), max_length=120, required=False)
    recipient_email = forms.EmailField(
        label=_("Recipient's email"), widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    message = forms.CharField(
        label=_("Message (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    email = forms.EmailField(
        label=_("Your email (for the receipt)"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    first_name = forms.CharField(
        label=_("Your first name"),
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    card_number = forms.CharField(
        label=_("Card number"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
    )
    card_name = forms.CharField(
        label=_("Name on the card"),
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "cc-name"}),
    )
    card_expiry = forms.CharField(
        label=_("Expiry (MM/YY)"),
        max_length=7,
        widget=forms.TextInput(attrs={"autocomplete": "cc-exp", "inputmode": "numeric"}),
    )
    card_cvc = forms.CharField(
        label=_("Security code (CVC)"),
        max_length=4,
        widget=forms.TextInput(attrs={"autocomplete": "cc-csc", "inputmode": "numeric"}),
    )

    def __init__(self, *args, member: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean(self):
        data = super().clean()
        if not self.member and not data.get("email") and "email" not in self.errors:
            self.add_error("email", _("Enter your email for the receipt."))
        return data
