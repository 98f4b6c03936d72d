"""Order numbers: a channel letter and seven digits ("W0001234"), printed on receipts,
spoken on the phone and encoded in the pickup QR code.

The digits are the order's primary key, so two checkouts committing at the same moment can
never draw the same number and nothing is serialised on a counter row. (The demo data uses
six-digit numbers from 100000, which cannot collide with these seven-digit ones.)"""

from __future__ import annotations

import base64
import io
import re
import secrets

from customers.models import Channel

NUMBER_PREFIX: dict[str, str] = {
    Channel.WEB: "W",
    Channel.APP: "A",
    Channel.STORE: "S",
    Channel.PHONE: "P",
    Channel.MARKETPLACE: "M",
    Channel.SOCIAL: "X",
}
ORDER_CHANNELS = frozenset(NUMBER_PREFIX)
NUMBER_DIGITS = 7

_SEPARATORS = re.compile(r"[\s\-_.]+")
_NUMBER = re.compile(rf"^[{''.join(NUMBER_PREFIX.values())}]\d{{6,}}$")


def order_number_for(*, channel: str, pk: int) -> str:
    """The readable number of the order with this primary key, placed in ``channel``."""
    return f"{NUMBER_PREFIX[channel]}{pk:0{NUMBER_DIGITS}d}"


def order_number_placeholder() -> str:
    """A unique stand-in written with the insert, replaced once the primary key is known."""
    return f"~{secrets.token_hex(8)}"


def order_number_normalise(text: str) -> str:
    """What a person typed or a scanner read, as stored: " w 000-1234 " → "W0001234"."""
    return _SEPARATORS.sub("", text or "").upper()


def looks_like_order_number(text: str) -> bool:
    return bool(_NUMBER.match(order_number_normalise(text)))


def order_code_svg(number: str, *, scale: int = 5) -> bytes:
    """The scannable order code: a QR code (SVG) that decodes to the order number exactly,
    shown in the confirmation email and at the counter, read by the back-office scanner
    and ``orders.selectors.order_find``."""
    import segno

    buffer = io.BytesIO()
    segno.make(number, error="m", micro=False).save(
        buffer, kind="svg", scale=scale, border=2, xmldecl=False, dark="#1d1d1f"
    )
    return buffer.getvalue()


def order_code_data_uri(number: str, *, scale: int = 5) -> str:
    """The order code as an ``<img src>`` value: ``data:image/svg+xml;base64,...``."""
    encoded = base64.b64encode(order_code_svg(number, scale=scale)).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"
