"""Phone numbers: parsed and validated with ``phonenumbers`` (Google's libphonenumber
metadata, shipped in the package), stored in E.164 (``+66812345678``), shown in the
national format of the shop's country (``081 234 5678``) and in the international format
when the number is from another country.

A number typed without a country code is read in the market's country
(``current_market().country``): ``081 234 5678`` at a Bangkok till and ``+66 81 234 5678``
on the web are the same person. Native digits (Thai, Persian, Arabic-Indic) are read as
their ASCII digits. This module is the ground floor: it imports no domain app; the
customers app raises its own error from ``PhoneInvalid``.
"""

from __future__ import annotations

import phonenumbers
from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from omni.digits import ascii_digits
from omni.markets import current_market

# "Enter a valid Thai phone number, e.g. 081 234 5678": the example is the country's own
# (phonenumbers' example mobile number), so a shopper sees the form that is expected.
_INVALID_FOR_COUNTRY = {
    "TH": _("Enter a valid Thai phone number, e.g. %(example)s."),
    "VN": _("Enter a valid Vietnamese phone number, e.g. %(example)s."),
    "PH": _("Enter a valid Philippine phone number, e.g. %(example)s."),
    "IR": _("Enter a valid Iranian phone number, e.g. %(example)s."),
    "US": _("Enter a valid US phone number, e.g. %(example)s."),
}
_INVALID_OTHER = _("Enter a valid phone number, e.g. %(example)s.")


class PhoneInvalid(ValueError):
    """Not a phone number of its country; ``message`` names the form expected."""

    def __init__(self, message: str, *, region: str) -> None:
        super().__init__(message)
        self.message = message
        self.region = region


def phone_region() -> str:
    """The country a number typed without ``+`` is read in: the market's."""
    return current_market().country


def phone_example(region: str) -> str:
    """The country's example mobile number in its national format (``081 234 5678``)."""
    example = phonenumbers.example_number_for_type(
        region, phonenumbers.PhoneNumberType.MOBILE
    ) or phonenumbers.example_number(region)
    if example is None:
        return "+1 201 555 0123"
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)


def phone_invalid_message(region: str) -> str:
    template = _INVALID_FOR_COUNTRY.get(region, _INVALID_OTHER)
    return str(template) % {"example": phone_example(region)}


def phone_parse(text: str, *, region: str | None = None) -> phonenumbers.PhoneNumber:
    """The number ``text`` is, read in ``region`` (the market's by default) unless it has
    its own country code. Raises PhoneInvalid (the message names the expected form)."""
    region = (region or phone_region()).upper()
    raw = ascii_digits((text or "").strip())
    if raw.startswith("00"):
        raw = "+" + raw[2:]  # the international prefix typed the European way
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise PhoneInvalid(phone_invalid_message(region), region=region) from None
    if not phonenumbers.is_valid_number(number):
        # Name the country the number was read in (its own when it has +CC).
        own = phonenumbers.region_code_for_number(number) or region
        raise PhoneInvalid(phone_invalid_message(own), region=own)
    return number


def phone_e164(text: str, *, region: str | None = None) -> str:
    """``text`` in E.164 (``+66812345678``); raises PhoneInvalid."""
    return phonenumbers.format_number(
        phone_parse(text, region=region), phonenumbers.PhoneNumberFormat.E164
    )


def phone_display(value: str, *, region: str | None = None) -> str:
    """A stored number as people read it: the national format when it is from the shop's
    country, the international one otherwise; anything that is not a number (a legacy
    value left as typed) is shown unchanged."""
    if not value:
        return ""
    region = (region or phone_region()).upper()
    try:
        number = phonenumbers.parse(ascii_digits(value), region)
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_possible_number(number):
        return value
    own = phonenumbers.region_code_for_number(number)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if own == region
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def phone_help() -> str:
    """The hint under a phone box: the market's example."""
    return gettext("For example %(example)s") % {"example": phone_example(phone_region())}


class PhoneFormField(forms.CharField):
    """A phone box: its cleaned value is E.164 (empty when left blank), its error names
    the form expected in the market's country; the hint shows an example."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 32)
        attrs = {"type": "tel", "autocomplete": "tel", "inputmode": "tel"}
        kwargs.setdefault("widget", forms.TextInput(attrs=attrs))
        super().__init__(**kwargs)
        if not self.help_text:
            self.help_text = lazy(phone_help, str)()

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return ""
        try:
            return phone_e164(value)
        except PhoneInvalid as exc:
            raise forms.ValidationError(exc.message, code="invalid_phone") from None


def phone_renormalised(value: str, *, region: str) -> str | None:
    """A number stored by the old rule (``+`` and digits, a 10-digit number given ``+1``)
    in E.164 read in ``region``; None when it cannot be read (left as typed by the caller
    and listed for an associate). The old rule's mistakes are undone: ``+10812345678`` was a
    local ``081 234 5678`` (no US number starts with 0 or 1 after the +1), ``+026581000`` a
    local ``02 658 1000`` (no country code starts with 0)."""
    value = (value or "").strip()
    if not value:
        return ""
    digits = "".join(c for c in ascii_digits(value) if c.isdigit())
    if value.startswith("+1") and len(digits) == 11 and digits[1] in "01" and region != "US":
        value = digits[1:]
    elif value.startswith("+0"):
        value = digits  # a national number (a 9-digit Thai landline) the old rule gave a +
    try:
        return phone_e164(value, region=region)
    except PhoneInvalid:
        return None
