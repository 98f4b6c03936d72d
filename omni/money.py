"""Money is Decimal, quantised to its currency's minor units, with its currency. Never float.

A currency's minor units come from CLDR (babel): two for USD, THB and PHP (cents, satang,
sentimo), none for VND and IRR (whole dong and rial).

``format_money`` is the one way an amount becomes text — pages (through the ``money``
template filter), emails, receipts, the admin and CSV exports all call it — so the symbol,
its position, the grouping and the decimals always follow the reader's language and the
amount's own currency:

- the locale is the active language in the market's country when CLDR has that pair
  (``en`` in the Philippines is ``en_PH``), else the language's home locale (``th_TH``,
  ``fa_IR``, ``fil_PH``, ``vi_VN``, ``en_US``);
- digits are the ones dates use (``omni.calendars``): Persian text gets Persian digits and
  Persian separators (``۱۲٬۳۴۵٫۵۰``), every other language ASCII digits. Input accepts
  either (``omni.digits``);
- Iranian rial amounts are shown in toman (a tenth of a rial) when the market says so
  (``currency_display="toman"``), the way Iranian shops price: ``۱۲۳٬۰۰۰ تومان``, and
  ``123,000 Toman`` in English. Amounts stay stored in rial; a toman amount is rounded half
  up to a whole toman (at most five rial, a fraction of a cent), because no Iranian price
  tag shows tenths of a toman.
"""

from __future__ import annotations

import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.deconstruct import deconstructible
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext

# Digits of every stored amount (two of them decimals): room for rial totals of a large
# order (a 10,000,000-rial shirt, many lines) in one column type for every currency.
MONEY_DIGITS = 18
CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# The home locale of each language of the product, used when CLDR has no locale for the
# language in the market's country (there is no en_TH, en_VN or en_IR).
LANGUAGE_LOCALES = {"en": "en_US", "th": "th_TH", "fa": "fa_IR", "fil": "fil_PH", "vi": "vi_VN"}

TOMAN = "toman"
# One toman is ten rial.
RIAL_PER_TOMAN = Decimal(10)

# Languages written with their own digits (as omni.calendars writes their dates): their
# CLDR number symbols (Persian ٬ and ٫) and these digits; every other language ASCII.
NATIVE_DIGITS = {"fa": str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")}


def currency() -> str:
    """The install's currency (the market's, ``OMNI_CURRENCY`` overrides). Also the
    default of every stored currency field: a callable, so migrations do not change with
    the market an install runs."""
    return settings.OMNI_CURRENCY


def minor_units(code: str | None = None) -> int:
    """How many decimals the currency has (2 for USD, 0 for VND)."""
    # Resolved before the cache: "the install's currency" is a setting, not a constant.
    return _minor_units((code or currency()).upper())


@lru_cache(maxsize=64)
def _minor_units(code: str) -> int:
    from babel.numbers import get_currency_precision

    return get_currency_precision(code)


def smallest_unit(code: str | None = None) -> Decimal:
    """The smallest amount of the currency: 0.01 for USD, 1 for VND."""
    return Decimal(1).scaleb(-minor_units(code))


def to_money(value: Decimal | int | str, code: str | None = None) -> Decimal:
    """Quantise to the currency's minor units (the install's currency unless ``code`` is
    given) with commercial rounding; refuses floats (they lose cents)."""
    if isinstance(value, float):
        raise TypeError("Money must not be built from a float; pass a Decimal or a string.")
    return Decimal(value).quantize(smallest_unit(code), rounding=ROUND_HALF_UP)


# --- showing money --------------------------------------------------------------------


@lru_cache(maxsize=64)
def _locale(language: str, country: str):
    """The babel locale for a language in a country (parsed once per pair: parsing a
    locale reads CLDR data from disk)."""
    from babel import Locale, localedata

    base = (language or "en").replace("-", "_").split("_")[0].lower()
    for ident in (f"{base}_{country.upper()}", LANGUAGE_LOCALES.get(base), base):
        if ident and localedata.exists(ident):
            return Locale.parse(ident)
    return Locale.parse(LANGUAGE_LOCALES["en"])


def _market():
    from omni.markets import current_market

    return current_market()


def _spaced(text: str, symbol: str) -> str:
    """A no-break space between a letter symbol and the digits beside it (``THB 1,234.50``,
    not ``THB1,234.50``): CLDR's currency-spacing rule, which babel does not apply."""
    at = text.find(symbol)
    if at < 0 or not symbol:
        return text
    end = at + len(symbol)
    if end < len(text) and text[end].isdigit() and unicodedata.category(symbol[-1])[0] == "L":
        return f"{text[:end]}\N{NO-BREAK SPACE}{text[end:]}"
    if at > 0 and text[at - 1].isdigit() and unicodedata.category(symbol[0])[0] == "L":
        return f"{text[:at]}\N{NO-BREAK SPACE}{text[at:]}"
    return text


def _in_toman(amount: Decimal, language: str, locale) -> str:
    from babel.numbers import format_decimal

    toman = (amount / RIAL_PER_TOMAN).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    number = format_decimal(
        toman, format="#,##0", locale=locale, numbering_system=_numbering(locale)
    )
    with translation.override(language):
        # Translators: an amount of Iranian money in toman (a tenth of a rial), as Iranian
        # shops write it: "123,000 تومان".
        return _digits(pgettext("money", "%(amount)s Toman") % {"amount": number}, locale)


def _numbering(locale) -> str:
    # "default" is the locale's own symbols (Persian ٬ ٫); "latn" the ASCII ones.
    return "default" if locale.language in NATIVE_DIGITS else "latn"


def _digits(text: str, locale) -> str:
    table = NATIVE_DIGITS.get(locale.language)
    return text.translate(table) if table else text


def format_money(amount: Decimal | int | str, code: str | None = None, *, language=None) -> str:
    """``amount`` of currency ``code`` (the install's when None) as the reader of
    ``language`` (the active language when None) writes it: ``$1,234.50`` in English,
    ``฿1,234.50`` in Thai, ``1.234.500 ₫`` in Vietnamese, rial in toman for an Iranian
    shop that prices in toman."""
    from babel.numbers import format_currency, get_currency_symbol

    code = (code or currency()).upper()
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    market = _market()
    locale = _locale(language, market.country)
    value = to_money(amount, code)
    if code == "IRR" and market.currency_display == TOMAN:
        return _in_toman(value, language, locale)
    text = format_currency(value, code, locale=locale, numbering_system=_numbering(locale))
    return _digits(_spaced(text, get_currency_symbol(code, locale=locale)), locale)


# Money in an email's context: formatted when the template renders it, i.e. in the
# recipient's language (``email_send_once`` renders inside it), not the sender's.
format_money_lazy = lazy(format_money, str)


def money_param(amount: Decimal | int | str, code: str | None = None) -> dict[str, str]:
    """An amount as a stored-text parameter (plain JSON), shown by ``money_text`` in the
    reader's language: a timeline entry written during a Thai checkout reads ``฿1,234.50``
    to the Thai associate and ``THB 1,234.50`` to an English one."""
    code = (code or currency()).upper()
    return {"amount": str(to_money(amount, code)), "currency": code}


def money_text(value) -> str:
    """Stored-text converter for ``money_param``; text stored before (already formatted)
    is shown as stored."""
    if isinstance(value, dict) and "amount" in value:
        return format_money(Decimal(str(value["amount"])), value.get("currency") or None)
    return str(value)


# --- amounts people type --------------------------------------------------------------


@deconstructible
class MinorUnitsValidator:
    """Refuses an amount with more decimals than its currency has (``code``, the install's
    currency when None): a fraction of a dong or a rial does not exist, so ``12500.50`` VND
    is a typing mistake to send back, not an amount to round silently."""

    def __init__(self, code: str | None = None) -> None:
        self.code = code

    def __call__(self, value) -> None:
        message = fraction_error(value, self.code)
        if message:
            raise ValidationError(message, code="minor_units")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MinorUnitsValidator) and other.code == self.code


def money_inputs(form, *names: str, code: str | None = None) -> None:
    """Make the amount fields ``names`` of a Django ``form`` refuse fractions of the
    currency (``code``, the install's when None) with a field error, and step by its
    smallest unit in the browser (1 for VND, 0.01 for USD)."""
    for name in names:
        field = form.fields[name]
        field.validators.append(MinorUnitsValidator(code))
        field.widget.attrs["step"] = str(smallest_unit(code))


def fraction_error(value, code: str | None = None) -> str | None:
    """The field error for an amount more precise than its currency, else None."""
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        return None  # not a number: the field's own error says so
    code = (code or currency()).upper()
    digits = minor_units(code)
    try:
        if not amount.is_finite() or amount == amount.quantize(smallest_unit(code)):
            return None
    except ArithmeticError:
        return None  # too many digits for any field: its max_digits says so
    if digits == 0:
        return str(_("%(currency)s has no minor unit: enter a whole amount.") % {"currency": code})
    return str(
        ngettext_lazy(
            "%(currency)s has %(digits)d decimal: enter at most %(digits)d digit after the point.",
            "%(currency)s has %(digits)d decimals: enter at most %(digits)d digits after the "
            "point.",
            "digits",
        )
        % {"currency": code, "digits": digits}
    )
