"""Common colour and size names read in the shopper's language (catalog.option_names);
the stored value stays the merchandiser's word."""

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from catalog.option_names import colour_name, size_name
from orders.services.carts import variant_label
from tests import factories as f


@pytest.mark.parametrize(
    ("language", "navy", "one_size"),
    [("en", "Navy", "One size"), ("th", "กรมท่า", "ฟรีไซซ์"), ("fa", "سرمه‌ای", "تک‌سایز"),
     ("vi", "Xanh navy", "Một cỡ")],
)  # fmt: skip
def test_common_names_are_translated(language, navy, one_size):
    with translation.override(language):
        assert colour_name("Navy") == navy
        assert colour_name("navy ") == navy  # as typed, any case
        assert size_name("One size") == one_size
        rendered = Template("{{ c|colour_name }} {{ s|size_name }}").render(
            Context({"c": "Navy", "s": "One size"})
        )
        assert rendered == f"{navy} {one_size}"


def test_other_values_are_shown_as_typed():
    with translation.override("th"):
        assert colour_name("Sunset Coral") == "Sunset Coral"
        assert size_name("M") == "M"
        assert colour_name("") == "" and size_name(None) == ""


@pytest.mark.django_db
def test_the_product_page_and_the_cart_message_name_the_colour_in_thai(client):
    variant = f.VariantFactory(colour="Navy", size="M", product__name="Oxford shirt")
    f.PriceFactory(variant=variant)
    with translation.override("th"):
        assert variant_label(variant) == "Oxford shirt (กรมท่า / M)"
        response = client.get(reverse("catalog:product", args=[variant.product.slug]))
    assert response.status_code == 200
    assert "กรมท่า" in response.content.decode()
    variant.refresh_from_db()
    assert variant.colour == "Navy"
