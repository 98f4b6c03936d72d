"""Native digits (omni/digits.py): Persian, Arabic-Indic and Thai digits in a code become
ASCII; free text in another script is kept as typed. The surfaces are tested where the
fields live (tests/orders/test_native_digits.py, tests/api/test_i18n.py)."""

from __future__ import annotations

import pytest

from omni.digits import ascii_digits, code_normalised, codes_normalised


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("۱۲۳۴۵۶۷۸۹۰", "1234567890"),  # Persian
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),  # Arabic-Indic
        ("๐๑๒๓๔๕๖๗๘๙", "0123456789"),  # Thai
        ("+۶۶ ๘๑-๒๓๔", "+66 81-234"),
        ("W۰۰۰۱۲۳۴", "W0001234"),  # an order number
        ("۱۲٫۵", "12.5"),  # the Arabic decimal separator
        ("1234", "1234"),
        ("", ""),
    ],
)
def test_a_code_gets_ascii_digits(typed, stored):
    assert code_normalised(typed) == stored


@pytest.mark.parametrize("text", ["۳ پیراهن", "ไซซ์ ๔๒", "Nguyễn 5", "café ۲"])
def test_text_in_another_script_is_kept(text):
    assert code_normalised(text) == text


def test_ascii_digits_converts_whatever_surrounds_them():
    assert ascii_digits("ไซซ์ ๔๒") == "ไซซ์ 42"


def test_a_json_body_keeps_its_shape_and_passwords():
    body = {"lines": [{"quantity": "۲", "note": "دو تا ۲"}], "password": "pa۱", "n": 3}
    assert codes_normalised(body) == {
        "lines": [{"quantity": "2", "note": "دو تا ۲"}],
        "password": "pa۱",
        "n": 3,
    }
