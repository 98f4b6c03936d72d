"""The demo catalogue in other languages: demo/translations/<lang>.json, where present."""

import json

import pytest

from demo import catalog as demo_catalog
from omni.search_text import search_normalised


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    (tmp_path / "th.json").write_text(
        json.dumps({"Crew Tee": "เสื้อยืดคอกลม", "Tops": "เสื้อ"}), encoding="utf-8"
    )
    monkeypatch.setattr(demo_catalog, "TRANSLATIONS_DIR", tmp_path)
    demo_catalog.demo_translations.cache_clear()
    yield
    demo_catalog.demo_translations.cache_clear()


def test_shipped_translations_fill_their_language_and_the_rest_stay_english(shipped):
    row = demo_catalog.translated_columns(name="Crew Tee", description="Soft.")
    assert row["name_en"] == row["name"] == "Crew Tee"
    assert row["name_th"] == "เสื้อยืดคอกลม"
    assert row["description_th"] is None  # not in th.json: English shows
    assert "name_fa" not in row  # no fa.json: skipped
    row["brand"] = "Northwind"
    assert search_normalised("คอกลม") in demo_catalog._search_text(row)


def test_the_texts_to_translate_are_the_small_demos_names_and_descriptions():
    texts = demo_catalog.demo_texts()
    assert len(texts) == len(set(texts))
    assert "Women" in texts and all(isinstance(t, str) and t for t in texts)


@pytest.mark.parametrize("language", ["th", "fa", "fil", "vi"])
def test_the_demo_ships_every_text_in_every_language(language):
    """A newcomer who switches the demo to Thai sees Thai names and descriptions."""
    shipped = json.loads(
        (demo_catalog.TRANSLATIONS_DIR / f"{language}.json").read_text(encoding="utf-8")
    )
    missing = [text for text in demo_catalog.demo_texts() if not shipped.get(text, "").strip()]
    assert missing == []
