"""The associate's and the merchandiser's side is translatable: no English left outside the
translation tags of the back-office and admin templates, no fixed date formats or English
plurals there, and every model label (field names, choices) a lazy translation."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.utils.functional import Promise

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# The layouts belong to the i18n machinery (and its own tests).
NOT_HERE = {"backoffice/base.html", "backoffice/error_base.html", "admin/base_site.html"}
FILES = sorted(
    str(p.relative_to(TEMPLATES))
    for folder in ("backoffice", "admin")
    for p in (TEMPLATES / folder).rglob("*.html")
    if str(p.relative_to(TEMPLATES)) not in NOT_HERE
)

# Attributes a person reads or hears; the rest (class, id, href, hx-*) are machinery.
SPOKEN_ATTRIBUTES = {"placeholder", "title", "alt", "aria-label", "aria-description"}
# What may stay outside the tags: symbols and units every language writes the same way.
NOT_WORDS = {"km", "×", "·", "—", "←", "→", "…", "%", "+", "@", "/", "(", ")", ":", ","}

TRANSLATION_BLOCK = re.compile(
    r"{%\s*blocktrans(?:late)?\b.*?%}.*?{%\s*endblocktrans(?:late)?\s*%}", re.S
)
COMMENT = re.compile(r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S)
CODE = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
TAG_OR_VARIABLE = re.compile(r"{%.*?%}|{{.*?}}", re.S)
LETTERS = re.compile(r"[^\W\d_]+")


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_data(self, data):
        self.found.append(data)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name in SPOKEN_ATTRIBUTES and value:
                self.found.append(value)
        if tag == "input" and attrs.get("type") in {"submit", "button", "reset"}:
            self.found.append(attrs.get("value") or "")


def english_left(source: str) -> list[str]:
    """The words of a template a person would see that no translation tag covers."""
    for pattern in (COMMENT, TRANSLATION_BLOCK, CODE, TAG_OR_VARIABLE):
        source = pattern.sub(" ", source)
    parser = _Text()
    parser.feed(source)
    parser.close()
    words = []
    for text in parser.found:
        words += [w for w in LETTERS.findall(text) if w not in NOT_WORDS]
    return words


def source_of(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def test_the_scanner_finds_english_and_ignores_what_is_translated():
    assert english_left('<p title="Open it">Hello <b>{{ name }}</b></p>') == [
        "Open",
        "it",
        "Hello",
    ]
    assert (
        english_left(
            '{% load i18n %}<p>{% translate "Hello" %} {{ name }} × 2 · 3 km</p>'
            "{% blocktranslate with n=name %}Hi {{ n }}{% endblocktranslate %}"
            '{# a note #}<input type="submit" value="{% translate \'Go\' %}">'
        )
        == []
    )
    assert english_left('<input type="submit" value="Go">') == ["Go"]


def test_every_template_here_is_checked():
    assert "backoffice/pickups/_row.html" in FILES
    assert "admin/orders/cartrecoverystep/change_list.html" in FILES
    assert not NOT_HERE & set(FILES)


@pytest.mark.parametrize("name", FILES)
def test_no_english_outside_translation_tags(name):
    assert english_left(source_of(name)) == [], f"{name} shows untranslated words"


@pytest.mark.parametrize("name", FILES)
def test_dates_plurals_and_fallbacks_are_the_locales(name):
    source = source_of(name)
    assert "|pluralize" not in source, "English plural: use {% blocktranslate count %}"
    fixed = [
        fmt
        for fmt in re.findall(r"\|date:[\"']([^\"']*)[\"']", source)
        if not re.fullmatch(r"[A-Z_]+_FORMAT", fmt) and fmt != "Y-m-d"  # Y-m-d: <input type=date>
    ]
    assert fixed == [], f"fixed date formats {fixed}: use DATE_FORMAT, SHORT_DATETIME_FORMAT..."
    fallbacks = [
        text
        for text in re.findall(r"\|default(?:_if_none)?:[\"']([^\"']*)[\"']", source)
        if LETTERS.search(text)
    ]
    assert fallbacks == [], f'English fallbacks {fallbacks}: use default:_("...")'


# --- the model layer ---------------------------------------------------------------------

PROJECT_APPS = ("catalog", "stores", "customers", "inventory", "orders", "returns", "omni")


def project_models():
    return [m for m in apps.get_models() if m._meta.app_label in PROJECT_APPS]


def test_every_model_name_is_a_lazy_translation():
    plain = [
        f"{m._meta.label}.{attr}"
        for m in project_models()
        for attr in ("verbose_name", "verbose_name_plural")
        # Django's own M2M join tables name themselves.
        if not m._meta.auto_created and not isinstance(getattr(m._meta, attr), Promise)
    ]
    assert plain == []


ENDONYMS = set(settings.LANGUAGES)


def test_every_field_label_help_text_and_choice_is_a_lazy_translation():
    plain = []
    for model in project_models():
        if model._meta.auto_created:
            continue
        for field in model._meta.get_fields(include_parents=False):
            if field.auto_created or not field.concrete:
                continue
            where = f"{model._meta.label}.{field.name}"
            if not isinstance(field.verbose_name, Promise):
                plain.append(f"{where} verbose_name {field.verbose_name!r}")
            if field.help_text and not isinstance(field.help_text, Promise):
                plain.append(f"{where} help_text {field.help_text!r}")
            for _value, label in field.flatchoices:
                # A language is named in its own tongue (settings.LANGUAGES), on purpose:
                # the reader looking for their language may not read the current one.
                if (_value, label) in ENDONYMS:
                    continue
                if not isinstance(label, Promise):
                    plain.append(f"{where} choice {label!r}")
    assert plain == []


def test_every_choices_class_label_is_a_lazy_translation():
    from django.db.models import Choices

    seen, plain = set(), []
    for model in project_models():
        module = __import__(model.__module__, fromlist=["*"])
        for holder in (module, model):
            for obj in vars(holder).values():
                if isinstance(obj, type) and issubclass(obj, Choices) and obj not in seen:
                    seen.add(obj)
                    for member in obj:
                        if not isinstance(member.label, Promise):
                            plain.append(f"{obj.__qualname__}.{member.name} {member.label!r}")
    assert seen
    assert plain == []


# --- the JavaScript ------------------------------------------------------------------------


def test_backoffice_javascript_says_everything_through_gettext():
    source = (Path(settings.BASE_DIR) / "static/js/backoffice.js").read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", source, flags=re.S)
    sentences = re.findall(r"(gettext\(\s*)?([\"'])([A-Z][a-z]+ [^\"']*)\2", code)
    assert [text for wrapped, _q, text in sentences if not wrapped] == []
    assert "window.gettext ||" in source, "works before the catalogue is loaded"


# --- every back-office page renders in another language ------------------------------------


@pytest.fixture
def floor(db):
    """One store's day: a pickup, a parcel, a transfer, a return, a customer with a list."""
    from customers.models import Channel
    from orders import services as orders
    from stores.models import Associate
    from stores.services import location_distances_rebuild
    from tests import factories as f
    from tests.orders.helpers import at_town, make_variant, place, receive

    store = at_town(f.LocationFactory, "springfield", code="SPR", ships_online_orders=True)
    source = at_town(f.LocationFactory, "peoria", code="PEO")
    location_distances_rebuild()
    associate = f.AssociateFactory(
        home_location=store, role=Associate.Role.MANAGER, locations=[source]
    )
    variant = make_variant("49.00", size="M", colour="Navy")
    receive(variant, store, 10)
    receive(variant, source, 10)
    contact = orders.Contact(email="ana@example.com", first_name="Ana", last_name="Shopper")
    # Ordered at the desk (the endless aisle's confirmation shows store orders only).
    pickup_order = place(
        [(variant.pk, 1)],
        fulfilment=orders.PickupAt(store_id=store.pk),
        contact=contact,
        channel=Channel.STORE,
        location=store,
        associate=associate,
    )
    parcel_order = place([(variant.pk, 1)], contact=contact)
    transfer = f.TransferFactory(source=source, destination=store)
    f.TransferLineFactory(transfer=transfer, variant=variant, quantity=1)
    ret = f.ReturnFactory(order=pickup_order, location=store)
    f.ReturnLineFactory(return_request=ret, order_line=pickup_order.lines.get())
    customer = pickup_order.customer
    shopping_list = f.ListFactory(customer=customer)
    f.ListItemFactory(list=shopping_list, product=variant.product, variant=variant)
    f.CustomerNoteFactory(customer=customer, location=store)
    f.FollowUpTaskFactory(customer=customer, location=store, assigned_to=associate)
    from messaging.services import message_receive_web

    thread = message_receive_web(
        customer=customer, body="Blazer M?", location=store, associate=associate
    ).thread
    return {
        "associate": associate,
        "variant": variant,
        "pickup": pickup_order.fulfilments.get(),
        "parcel": parcel_order.fulfilments.get(),
        "order": pickup_order,
        "transfer": transfer,
        "return": ret,
        "customer": customer,
        "list": shopping_list,
        "thread": thread,
    }


def backoffice_pages(floor):
    c, o = floor["customer"], floor["order"]
    sku = floor["variant"].sku
    return {
        "today": ("backoffice:today", [], {}),
        "pickups": ("backoffice:pickup-queue", [], {}),
        "pickups ready": ("backoffice:pickup-queue", [], {"tab": "ready"}),
        "pickup": ("backoffice:pickup-detail", [floor["pickup"].pk], {}),
        "transfers": ("backoffice:transfer-queue", [], {"tab": "incoming"}),
        "transfer": ("backoffice:transfer-detail", [floor["transfer"].pk], {}),
        "transfer slip": ("backoffice:transfer-slip", [floor["transfer"].pk], {}),
        "shipments": ("backoffice:shipment-queue", [], {}),
        "shipment": ("backoffice:shipment-detail", [floor["parcel"].pk], {}),
        "shipment slip": ("backoffice:shipment-slip", [floor["parcel"].pk], {}),
        "aisle": ("backoffice:aisle", [], {"q": sku, "cq": "ana"}),
        "aisle done": ("backoffice:aisle-done", [o.number], {}),
        "returns desk": ("backoffice:returns-desk", [], {"q": "ana@example.com"}),
        "return form": ("backoffice:return-form", [o.number], {}),
        "return receipt": ("backoffice:return-receipt", [floor["return"].number], {}),
        "customer search": ("backoffice:customer-search", [], {"q": "ana"}),
        "customer": ("backoffice:customer-detail", [c.pk], {}),
        "timeline": ("backoffice:customer-timeline", [c.pk], {}),
        "customer list": ("backoffice:customer-list", [c.pk, floor["list"].pk], {"find": "a"}),
        "lists": ("backoffice:lists-queue", [], {"show": "all"}),
        "tasks": ("backoffice:tasks", [], {}),
        "stock": ("backoffice:stock-lookup", [], {"q": sku}),
        "inbox": ("backoffice:inbox", [], {}),
        "thread": ("backoffice:inbox-thread", [floor["thread"].pk], {}),
    }


@pytest.mark.parametrize("language", ["th", "fa"])
def test_every_backoffice_page_renders_in_another_language(client, floor, language):
    from django.urls import reverse
    from django.utils import translation

    client.force_login(floor["associate"].user)
    failed = {}
    for name, (url_name, args, query) in backoffice_pages(floor).items():
        with translation.override(language):
            response = client.get(
                reverse(url_name, args=args), query, HTTP_ACCEPT_LANGUAGE=language
            )
        if response.status_code != 200:
            failed[name] = response.status_code
    assert failed == {}
