"""Phone numbers and addresses as people read them (a builtin: no ``{% load %}``).

- ``{{ customer.phone|phone }}``: the national format for a number of the shop's country
  (``081 234 5678``), the international one for another country's (``+1 201-555-0123``).
- ``{{ order.shipping_address|address_lines }}``: the address's lines as its country
  writes them (a list: join or loop).
"""

from __future__ import annotations

from typing import Any

from django import template

from omni.addresses import address_lines as _address_lines
from omni.phones import phone_display

register = template.Library()


@register.filter(name="phone")
def phone(value: Any) -> str:
    return phone_display(str(value or ""))


@register.filter(name="address_lines")
def address_lines(value: Any) -> list[str]:
    return _address_lines(value if isinstance(value, dict) else None)
