"""The one spelling search compares (omni.search_text)."""

import pytest

from omni.search_text import search_normalised


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("áo len", "Áo len cổ tròn"),
        ("ao len", "Áo len cổ tròn"),
        ("dam", "Đầm"),
        ("كيف", "کیف"),  # Arabic kaf and yeh
        ("کیف", "كيف"),
        ("میخواهم", "می‌خواهم"),  # with and without the zero-width non-joiner
        ("123", "۱۲۳"),
        ("12", "๑๒"),
        ("คอกลม", "เสื้อยืดคอกลม"),
    ],
)
def test_typed_and_stored_text_meet(typed, stored):
    assert search_normalised(typed) in search_normalised(stored)


def test_thai_keeps_its_vowel_and_tone_marks():
    assert search_normalised("เสื้อ") == "เสื้อ"
    assert search_normalised("เสอ") not in search_normalised("เสื้อ")


def test_spaces_and_case():
    assert search_normalised("  Merino   WOOL ") == "merino wool"
    assert search_normalised(None) == ""
