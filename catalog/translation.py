"""What shoppers read of the catalogue in their own language (docs/i18n.md, "Catalogue
content"): django-modeltranslation adds ``name_<lang>`` and ``description_<lang>`` for
every language in ``LANGUAGES``; ``product.name`` reads the active language's and falls
back to English when that one is blank.

A variant's colour is not translated: it is the key the colour filter, the colour links
and the images of a colour are matched on, and a translated copy would have to be kept in
step across three models."""

from modeltranslation.translator import TranslationOptions, register

from catalog.models import Category, Product


@register(Category)
class CategoryTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Product)
class ProductTranslation(TranslationOptions):
    fields = ("name", "description")
