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
