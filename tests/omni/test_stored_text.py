"""Stored text (omni.stored_text): a key and its parameters, rendered in the reader's
language when shown; anything that does not fit falls back to the stored legacy text.

The catalogues have no Persian for these sentences yet, so ``fa_catalogue`` puts a few
entries into the loaded Persian catalogue for one test (and takes them out after)."""

import pytest
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy, ngettext_lazy, trans_real

from customers.models import ConsentState, ContactChannel
from omni import stored_text
from omni.email import email_sent_text, email_subject_render
from omni.models import EmailLog

SHIPPED = "Order %(number)s shipped from %(location)s"
SHIPPED_FA = "سفارش %(number)s از %(location)s ارسال شد"

stored_text.register(
    {
        "test.shipped": gettext_lazy(SHIPPED),
        "test.items": ngettext_lazy(
            "%(count)s item at %(store)s", "%(count)s items at %(store)s", "count"
        ),
        "test.consent": stored_text.Template(
            gettext_lazy("%(channel)s consent: %(state)s"),
            channel=stored_text.choice(ContactChannel),
            state=stored_text.choice(ConsentState, lower=True),
        ),
    }
)


@pytest.fixture
def fa_catalogue():
    """Add Persian entries for this test only: ``fa_catalogue({msgid: msgstr})``."""
    catalogue = trans_real.translation("fa")._catalog._catalogs[0]
    added = []

    def add(entries):
        for msgid, msgstr in entries.items():
            catalogue[msgid] = msgstr
            added.append(msgid)

    yield add
    for msgid in added:
        catalogue.pop(msgid, None)


def test_the_active_language_chooses_the_text(fa_catalogue):
    fa_catalogue({SHIPPED: SHIPPED_FA})
    params = {"number": "W0001234", "location": "Springfield"}
    with translation.override("en"):
        english = stored_text.render("test.shipped", params, legacy="old")
    with translation.override("fa"):
        persian = stored_text.render("test.shipped", params, legacy="old")
        assert persian == gettext(SHIPPED) % params
    assert english == "Order W0001234 shipped from Springfield"
    assert persian == "سفارش W0001234 از Springfield ارسال شد"


def test_a_missing_parameter_an_unknown_key_or_no_key_gives_the_legacy_text():
    assert stored_text.render("test.shipped", {"number": "W1"}, legacy="as stored") == "as stored"
    assert stored_text.render("no.such.key", {"number": "W1"}, legacy="as stored") == "as stored"
    assert stored_text.render("", {}, legacy="as stored") == "as stored"
    assert stored_text.render("test.shipped", None, legacy="as stored") == "as stored"


def test_plural_and_coded_parameters_are_rendered_in_the_reader_s_language(fa_catalogue):
    assert stored_text.render("test.items", {"count": 1, "store": "Peoria"}) == "1 item at Peoria"
    assert stored_text.render("test.items", {"count": 3, "store": "Peoria"}) == "3 items at Peoria"
    params = {"channel": "sms", "state": "one_to_one"}
    assert (
        stored_text.render("test.consent", params)
        == "SMS consent: one-to-one from an associate only"
    )
    fa_catalogue({"SMS": "پیامک"})
    with translation.override("fa"):
        assert "پیامک" in stored_text.render("test.consent", params)
    # An unknown code is shown as stored, not refused.
    assert stored_text.render("test.consent", {"channel": "fax", "state": "none"}) == (
        "fax consent: none"
    )


def test_text_refuses_an_unregistered_key_and_keeps_english_for_the_legacy_column():
    with pytest.raises(KeyError):
        stored_text.text("test.typo", number="W1")
    entry = stored_text.text("test.shipped", number="W1", location="Peoria")
    with translation.override("fa"):
        assert entry.english() == "Order W1 shipped from Peoria"
    assert entry.params == {"number": "W1", "location": "Peoria"}


def test_an_email_subject_is_rendered_again_in_the_reader_s_language(fa_catalogue):
    msgid = "Order %(number)s is on its way"
    fa_catalogue(
        {msgid: "سفارش %(number)s در راه است", "Email sent: %(subject)s": "ارسال شد: %(subject)s"}
    )
    log = EmailLog(
        kind="order_shipped",
        subject="Order W7 is on its way",
        language="en",
        subject_params={"number": "W7"},
    )
    with translation.override("fa"):
        assert log.subject_text == "سفارش W7 در راه است"
        entry = email_sent_text(log)
        assert stored_text.render(entry.key, entry.params) == "ارسال شد: سفارش W7 در راه است"
    assert log.subject_text == "Order W7 is on its way"


def test_an_email_log_without_params_or_with_an_unknown_kind_shows_the_subject_as_sent():
    assert email_subject_render(kind="order_shipped", params={}, legacy="As sent") == "As sent"
    assert email_subject_render(kind="no_such_kind", params={"a": 1}, legacy="As sent") == (
        "As sent"
    )
    old = EmailLog(kind="order_shipped", subject="Order W7 is on its way")
    entry = email_sent_text(old)
    with translation.override("fa"):
        assert stored_text.render(entry.key, entry.params).endswith("Order W7 is on its way")
