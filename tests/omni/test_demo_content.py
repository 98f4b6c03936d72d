"""The demo catalog reads like a shop: every product has its own description, and each
illustration matches its name (a cap has a brim; it is not drawn as a beanie)."""

from demo.catalog import product_description, product_specs
from demo.config import SCALES
from demo.images import SILHOUETTES, illustration_shape, product_svg


def test_every_demo_product_has_its_own_description():
    specs = product_specs(SCALES["small"], 1)
    descriptions = [product_description(spec, 1) for spec in specs]
    assert len(set(descriptions)) == len(specs)
    assert all(spec.name in text for spec, text in zip(specs, descriptions, strict=True))
    # Deterministic: the same seed says the same thing.
    assert descriptions == [product_description(spec, 1) for spec in specs]


def test_a_cap_is_drawn_as_a_cap_and_a_beanie_as_a_beanie():
    assert illustration_shape(name="Cotton Baseball Cap", shape="hat") == "cap"
    assert illustration_shape(name="Ribbed Beanie", shape="hat") == "hat"
    assert illustration_shape(name="Weekender Duffel", shape="bag") == "duffel"
    assert illustration_shape(name="Capri Tee", shape="tee") == "tee"  # a word, not a prefix
    cap = product_svg(name="Cotton Baseball Cap", shape="hat", colour_hex="#223355")
    beanie = product_svg(name="Ribbed Beanie", shape="hat", colour_hex="#223355")
    assert SILHOUETTES["cap"] in cap and SILHOUETTES["hat"] not in cap
    assert SILHOUETTES["hat"] in beanie
