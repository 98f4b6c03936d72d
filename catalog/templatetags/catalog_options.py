"""``{{ variant.colour|colour_name }}`` and ``{{ variant.size|size_name }}``: a variant's
colour and size in the reader's language where they are common names (catalog.option_names).
"""

from django import template

from catalog.option_names import colour_name as _colour_name
from catalog.option_names import size_name as _size_name

register = template.Library()


@register.filter
def colour_name(value: str) -> str:
    return _colour_name(value)


@register.filter
def size_name(value: str) -> str:
    return _size_name(value)
