"""US sales tax: the state base rate of the 50 states and DC, shipped with the code (nothing
fetched at run time).

These are the statewide rates a seller charges everywhere in the state (Utah's and
Virginia's include the local part every locality must levy) — not the county, city or
district add-ons, and not the product exemptions some states make (clothing in New York,
Pennsylvania, Minnesota, New Jersey; Massachusetts under $175). A shop that must charge the
full local rate sets its own table with ``OMNI_SALES_TAX_RATES`` ({"NY": "0.08875"}).
Reviewed against the states' published base rates for 2025.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

US_STATE_RATES: dict[str, Decimal] = {
    state: Decimal(rate)
    for state, rate in {
        "AL": "0.04", "AK": "0", "AZ": "0.056", "AR": "0.065", "CA": "0.0725",
        "CO": "0.029", "CT": "0.0635", "DE": "0", "DC": "0.06", "FL": "0.06",
        "GA": "0.04", "HI": "0.04", "ID": "0.06", "IL": "0.0625", "IN": "0.07",
        "IA": "0.06", "KS": "0.065", "KY": "0.06", "LA": "0.05", "ME": "0.055",
        "MD": "0.06", "MA": "0.0625", "MI": "0.06", "MN": "0.06875", "MS": "0.07",
        "MO": "0.04225", "MT": "0", "NE": "0.055", "NV": "0.0685", "NH": "0",
        "NJ": "0.06625", "NM": "0.04875", "NY": "0.04", "NC": "0.0475", "ND": "0.05",
        "OH": "0.0575", "OK": "0.045", "OR": "0", "PA": "0.06", "RI": "0.07",
        "SC": "0.06", "SD": "0.042", "TN": "0.07", "TX": "0.0625", "UT": "0.061",
        "VT": "0.06", "VA": "0.053", "WA": "0.065", "WV": "0.06", "WI": "0.05",
        "WY": "0.04",
    }.items()
}  # fmt: skip


def state_rate(region: str) -> Decimal | None:
    """The sales-tax rate of a US state or DC by its postal code ("MA"; case and spaces
    ignored); None for a region the table does not know."""
    code = (region or "").strip().upper()
    overrides = getattr(settings, "OMNI_SALES_TAX_RATES", None) or {}
    if code in overrides:
        return Decimal(str(overrides[code]))
    return US_STATE_RATES.get(code)
