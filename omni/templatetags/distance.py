"""``{{ location.distance_km|distance }}``: a distance stored in kilometres, shown in the
market's unit (km or miles) with the active language's number format and unit."""

from __future__ import annotations

from django import template

from omni.geo import format_distance

register = template.Library()


@register.filter(name="distance")
def distance(km, unit: str | None = None) -> str:
    """ "2.4 km" or "1.5 mi" (``current_market().distance_unit``; ``|distance:"mi"`` forces
    one); blank for None."""
    return format_distance(km, unit or None)
