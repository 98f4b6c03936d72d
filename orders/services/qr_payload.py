"""The text a bank-app QR payment code encodes: an EMVCo merchant-presented QR payload
(EMV QRCPS), in Thailand a PromptPay one. Plain Python (no database, no settings), so it
is tested on its own and any QR provider can use it.

A payload is a run of ``ID (2 digits) + length (2 digits) + value`` fields:

== =================================================================================
00 payload format indicator, ``01``
01 point of initiation: ``12`` dynamic (this amount, this order), ``11`` static
29 merchant account information, PromptPay (Thailand): ``00`` the AID
   ``A000000677010111``, then ``01`` a mobile number in ``0066`` form (``0066812345678``)
   or ``02`` a 13-digit tax or national ID
26 merchant account information, generic (other markets): ``00`` a globally unique
   identifier of the scheme, ``01`` the merchant's account there. VietQR (NAPAS, tag 38),
   QR Ph (tag 27) and the Iranian bank apps each put their own scheme here; a real
   provider for them supplies its tag and identifier (``merchant_tag`` / ``scheme_id``).
53 transaction currency, ISO 4217 numeric (764 THB, 704 VND, 608 PHP, 364 IRR)
54 transaction amount, ``123.45`` (no thousands separator; whole units for VND and IRR)
58 country code, ISO 3166-1 alpha-2
59 merchant name (at most 25 characters), 60 merchant city (at most 15)
62 additional data: ``05`` reference label (our payment reference, so the bank's
   confirmation names it)
63 CRC: CRC-16/CCITT-FALSE (polynomial 0x1021, initial value 0xFFFF) over the whole
   payload including ``6304``, as four upper-case hex digits
== =================================================================================
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

PROMPTPAY_AID = "A000000677010111"
PROMPTPAY_TAG = "29"
GENERIC_MERCHANT_TAG = "26"

# ISO 4217 numeric codes of the currencies our markets sell in.
CURRENCY_NUMERIC = {"THB": "764", "VND": "704", "PHP": "608", "IRR": "364"}

NAME_MAX, CITY_MAX, AMOUNT_MAX = 25, 15, 13


def crc16_ccitt(data: str) -> str:
    """CRC-16/CCITT-FALSE of ``data`` (its bytes as UTF-8), as four upper-case hex digits."""
    crc = 0xFFFF
    for byte in data.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return f"{crc:04X}"


def emv_field(tag: str, value: str) -> str:
    """One ``ID + length + value`` field. Raises ValueError for a value of 100+ characters."""
    if len(value) > 99:
        raise ValueError(f"EMV field {tag} is too long ({len(value)} characters)")
    return f"{tag}{len(value):02d}{value}"


def promptpay_id(raw: str) -> tuple[str, str]:
    """The (sub-tag, value) of a PromptPay ID: a Thai mobile number (``081-234-5678``,
    ``+66812345678``) as ``("01", "0066812345678")``, a 13-digit tax or national ID as
    ``("02", ...)``. Raises ValueError for anything else."""
    digits = re.sub(r"\D", "", raw or "")
    if len(digits) == 13 and not digits.startswith("0066"):
        return "02", digits
    if digits.startswith("0066"):
        digits = "0" + digits[4:]
    elif digits.startswith("66") and len(digits) == 11:
        digits = "0" + digits[2:]
    if len(digits) == 10 and digits.startswith("0"):
        return "01", "0066" + digits[1:]
    raise ValueError("A PromptPay ID is a Thai mobile number or a 13-digit tax ID")


def _ascii(text: str, limit: int) -> str:
    # Fields 59 and 60 are in the common character set; local scripts would go in the
    # alternate-language template (64), which bank apps do not need to pay.
    folded = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return " ".join(folded.split())[:limit]


def amount_text(amount: Decimal, decimals: int) -> str:
    """``54``'s value: ``1234.50`` (two decimals) or ``30000000`` (none). Raises
    ValueError for a negative amount or one longer than 13 characters."""
    if amount < 0:
        raise ValueError("A QR payment amount cannot be negative")
    text = f"{amount:.{decimals}f}"
    if len(text) > AMOUNT_MAX:
        raise ValueError("The amount is too large for a QR payment code")
    return text


def qr_payment_payload(
    *,
    amount: Decimal | None,
    currency: str,
    decimals: int,
    country: str,
    merchant_id: str,
    merchant_name: str,
    merchant_city: str,
    reference: str = "",
    scheme_id: str = "",
    merchant_tag: str = "",
) -> str:
    """The payload for ``amount`` (None: a static code, the payer types the amount).

    In Thailand (``country == "TH"`` and no ``merchant_tag``) the merchant account is
    PromptPay's (tag 29, ``merchant_id`` a phone or tax ID); elsewhere it is the generic
    template (``merchant_tag``, default 26) with ``scheme_id`` and ``merchant_id``.
    Raises ValueError for a currency without a numeric code, a bad PromptPay ID or an
    amount that does not fit."""
    numeric = CURRENCY_NUMERIC.get(currency.upper())
    if numeric is None:
        raise ValueError(f"No ISO 4217 numeric code known for {currency!r}")
    if country.upper() == "TH" and not merchant_tag:
        sub_tag, proxy = promptpay_id(merchant_id)
        account = emv_field(
            PROMPTPAY_TAG, emv_field("00", PROMPTPAY_AID) + emv_field(sub_tag, proxy)
        )
    else:
        account = emv_field(
            merchant_tag or GENERIC_MERCHANT_TAG,
            emv_field("00", scheme_id or "OMNI.TESTQR") + emv_field("01", merchant_id[:99]),
        )
    payload = (
        emv_field("00", "01")
        + emv_field("01", "12" if amount is not None else "11")
        + account
        + emv_field("53", numeric)
        + (emv_field("54", amount_text(amount, decimals)) if amount is not None else "")
        + emv_field("58", country.upper())
        + emv_field("59", _ascii(merchant_name, NAME_MAX) or "Shop")
        + emv_field("60", _ascii(merchant_city, CITY_MAX) or "City")
    )
    if reference:
        payload += emv_field("62", emv_field("05", reference[:25]))
    payload += "6304"
    return payload + crc16_ccitt(payload)


def emv_fields(payload: str) -> dict[str, str]:
    """The top-level fields of a payload ({tag: value}); for tests and for reading a code
    back. Raises ValueError on a malformed payload."""
    fields, at = {}, 0
    while at < len(payload):
        tag, length = payload[at : at + 2], payload[at + 2 : at + 4]
        if not (tag.isdigit() and length.isdigit()):
            raise ValueError(f"Malformed EMV field at {at}")
        end = at + 4 + int(length)
        if end > len(payload):
            raise ValueError(f"EMV field {tag} runs past the end")
        fields[tag] = payload[at + 4 : end]
        at = end
    return fields
