"""Timeline entries written as English sentences become a key and parameters (see
``omni.stored_text``), so they are read in the reader's language.

Each pattern below is a sentence the old code wrote (and the demo data, where it said the
same); its named groups become the parameters. A row that matches none stays legacy
(``summary_key`` blank): it is shown as stored and marked as legacy in the admin. The
English ``summary`` is kept either way. Backwards: nothing to undo (the keys are ignored
by older code), so the reverse is a no-op.

The patterns are frozen here on purpose: they describe what was written, not what the
code writes today.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import migrations
from django.utils import translation

BATCH = 1000

# Old English labels of the choices that the sentences spelled out → their codes.
CONTACT_CHANNELS = {"Email": "email", "SMS": "sms", "Phone": "phone"}
CONSENT_STATES = {
    "Marketing": "marketing",
    "One-to-one from an associate only": "one_to_one",
    "None": "none",
}
LIST_STATUSES = {"new": "new", "prepared": "prepared", "visited": "visited"}
RETURN_METHODS = {"at a store": "in_store", "by post": "by_post"}
DISPOSITIONS = {
    "restock here": "restock",
    "send to a warehouse": "to_warehouse",
    "hold for inspection": "inspect",
    "write off": "write_off",
}
REFUND_HOWS = {
    "to the original payment": "original",
    "as store credit": "store_credit",
    "into an exchange": "exchange",
}
OUTREACH_VERBS = {"emailed": "email", "texted": "sms", "called": "phone"}
OLD_DATE = r"\w{3} \d{2} \w{3}"  # "%a %d %b", as the old code wrote a visit date


def _int(*names: str):
    def convert(params: dict[str, Any]) -> dict[str, Any]:
        for name in names:
            params[name] = int(params[name])
        return params

    return convert


def _coded(name: str, codes: dict[str, str]):
    def convert(params: dict[str, Any]) -> dict[str, Any] | None:
        if params[name] not in codes:
            return None
        params[name] = codes[params[name]]
        return params

    return convert


def _order_placed(params):
    pickup, at = params.pop("pickup"), params.pop("at")
    params["count"] = int(params["count"])
    key = "order.placed_pickup" if pickup else "order.placed_carry_out" if at else "order.placed"
    params["location"] = pickup or at or ""
    if key == "order.placed":
        params.pop("location")
    return key, params


def _consent(params):
    channel, state = params["channel"], params["state"]
    if channel not in CONTACT_CHANNELS or state not in CONSENT_STATES:
        return None
    return {"channel": CONTACT_CHANNELS[channel], "state": CONSENT_STATES[state]}


def _outreach(params):
    if params["verb"] not in OUTREACH_VERBS:
        return None
    channel = OUTREACH_VERBS[params.pop("verb")]
    if params["note"] is None:
        params.pop("note")
        return f"outreach.{channel}", params
    return f"outreach.{channel}_note", params


def _return_requested(params):
    how, params["count"] = params.pop("how"), int(params["count"])
    if how.startswith("to bring to "):
        return "return.requested_to_store", {**params, "location": how[len("to bring to ") :]}
    if how not in RETURN_METHODS:
        return None
    return "return.requested", {**params, "method": RETURN_METHODS[how]}


def _return_received(params):
    how, params["count"] = params.pop("how"), int(params["count"])
    if how not in REFUND_HOWS:
        return None
    return f"return.received_{REFUND_HOWS[how]}", params


def _cancelled(key):
    def convert(params):
        reason = params.pop("reason")
        if reason is None:
            return key, params
        return f"{key}_because", {**params, "reason": reason}

    return convert


def _shipped(params):
    if params["tracking"] is None:
        params.pop("tracking")
        return "order.shipped", params
    return "order.shipped_tracked", params


def _collected(params):
    if params["count"] is None:
        params.pop("count"), params.pop("ordered")
        return "pickup.collected", params
    return "pickup.collected_part", {
        **params,
        "count": int(params["count"]),
        "ordered": int(params["ordered"]),
    }


def _sent(params):
    if params["date"] is None:
        params.pop("date")
        return "list.sent", params
    return "list.sent_for", params


# (pattern, timeline kinds it may appear on, what it becomes). What it becomes: a key (the
# groups are the params), (key, a function of the groups giving the params or None), or a
# function of the groups giving (key, params) or None. The first pattern that matches wins;
# None leaves the row legacy.
PATTERNS: list[tuple[str, set[str], Any]] = [
    (
        r"Order (?P<number>\S+): (?P<count>\d+) item\(s\), (?P<total>.+?)"
        r"(?: for pickup at (?P<pickup>.+)| at (?P<at>.+))?",
        {"order"},
        _order_placed,
    ),
    (
        r"Order (?P<number>\S+) shipped from (?P<location>.+?)(?: \(tracking (?P<tracking>.+)\))?",
        {"order"},
        _shipped,
    ),
    (
        r"(?P<product>.+) of order (?P<number>\S+) not found at (?P<location>.+); "
        r"sent from another location instead",
        {"order"},
        "order.line_rerouted",
    ),
    (r"Order (?P<number>\S+) delivered", {"order"}, "order.delivered"),
    (
        r"Order (?P<number>\S+) ready for pickup at (?P<location>.+)",
        {"pickup"},
        "pickup.ready",
    ),
    (
        r"Collected order (?P<number>\S+) at (?P<location>.+?)"
        r"(?: \((?P<count>\d+) of (?P<ordered>\d+) items\))?",
        {"pickup"},
        _collected,
    ),
    (
        r"Part of order (?P<number>\S+) arrived at (?P<location>.+); "
        r"(?P<count>\d+) item\(s\) still on their way",
        {"pickup"},
        ("pickup.part_arrived", _int("count")),
    ),
    (
        r"All items of order (?P<number>\S+) are at (?P<location>.+)",
        {"pickup"},
        "pickup.all_arrived",
    ),
    (
        r"Pickup of order (?P<number>\S+) cancelled(?:: (?P<reason>.*))?",
        {"pickup"},
        _cancelled("pickup.cancelled"),
    ),
    (
        r"Shipment of order (?P<number>\S+) cancelled(?:: (?P<reason>.*))?",
        {"order"},
        _cancelled("shipment.cancelled"),
    ),
    (
        r"Pickup of order (?P<number>\S+) at (?P<location>.+) not collected; items released",
        {"pickup"},
        "pickup.expired",
    ),
    (r"Note by (?P<associate>.+?): (?P<body>.*)", {"note"}, "note.added"),
    (
        r"Follow-up done by (?P<associate>.+?): (?P<reason>.*)",
        {"outreach"},
        "followup.done",
    ),
    (
        r"(?P<associate>.+?) (?P<verb>emailed|texted|called) (?P<customer>.+?)"
        r"(?:: (?P<note>.*))?",
        {"outreach"},
        _outreach,
    ),
    (r"Created the list “(?P<list>.+)”", {"list_change"}, "list.created"),
    (r"Renamed “(?P<old>.+)” to “(?P<new>.+)”", {"list_change"}, "list.renamed"),
    (r"Deleted the list “(?P<list>.+)”", {"list_change"}, "list.deleted"),
    (r"Added (?P<item>.+) to “(?P<list>.+)”", {"list_change"}, "list.item_added"),
    (
        r"(?P<associate>.+?) added (?P<item>.+) to “(?P<list>.+)”",
        {"list_change"},
        "list.item_added_by",
    ),
    (r"Removed (?P<item>.+) from “(?P<list>.+)”", {"list_change"}, "list.item_removed"),
    (r"Shared “(?P<list>.+)”", {"list_change"}, "list.shared"),
    (r"Stopped sharing “(?P<list>.+)”", {"list_change"}, "list.unshared"),
    (
        rf"Sent “(?P<list>.+)” to (?P<location>.+?)(?: for (?P<date>{OLD_DATE}))?",
        {"list_change"},
        _sent,
    ),
    (
        r"“(?P<list>.+)” marked (?P<status>new|prepared|visited)",
        {"list_change"},
        ("list.marked", _coded("status", LIST_STATUSES)),
    ),
    (
        r"(?P<count>\d+) items? of “(?P<list>.+)” held at (?P<location>.+) until (?P<until>.+)",
        {"list_change"},
        ("list.held", _int("count")),
    ),
    (
        r"Online account linked by the verified email (?P<email>\S+)",
        {"account"},
        "account.linked",
    ),
    (
        r"Merged the duplicate record #(?P<source_id>\d+) \((?P<source>.*)\) into this one",
        {"account"},
        ("customer.merged", _int("source_id")),
    ),
    (r"Phone number changed", {"account"}, "phone.changed"),
    (r"Phone number removed", {"account"}, "phone.removed"),
    (r"(?P<channel>\w+) consent: (?P<state>.+)", {"consent"}, ("consent.changed", _consent)),
    (r"(?P<channel>\w+) consent changed to “(?P<state>.+)”", {"consent"}, ("consent.changed", _consent)),
    (
        r"Return (?P<number>\S+) started for order (?P<order>\S+): (?P<count>\d+) items? "
        r"\((?P<amount>.+)\), (?P<how>.+)",
        {"return"},
        _return_requested,
    ),
    (
        r"Return (?P<number>\S+) cancelled(?:: (?P<reason>.*))?",
        {"return"},
        _cancelled("return.cancelled"),
    ),
    (
        r"Returned (?P<count>\d+) items? of order (?P<order>\S+) at (?P<location>.+) "
        r"\((?P<number>[^()]+)\): (?P<amount>.+?) (?P<how>to the original payment|"
        r"as store credit|into an exchange)",
        {"return"},
        _return_received,
    ),
    (
        r"Inspected (?P<product>.+) from (?P<number>\S+): (?P<disposition>.+)",
        {"return"},
        ("return.inspected", _coded("disposition", DISPOSITIONS)),
    ),
]

COMPILED = [(re.compile(f"^{pattern}$", re.S), kinds, how) for pattern, kinds, how in PATTERNS]


def summary_parse(
    summary: str, kind: str, detail: dict | None = None, profile_fields: dict | None = None
) -> tuple[str, dict[str, Any]] | None:
    """(key, params) for an English summary the old code wrote, or None (stays legacy)."""
    if kind == "email":
        for prefix in ("Email sent: ", "Email: "):
            if summary.startswith(prefix):
                subject = {
                    "kind": (detail or {}).get("email_kind", ""),
                    "params": {},
                    "legacy": summary[len(prefix) :],
                }
                return "email.sent", {"subject": subject}
        return None
    if kind == "account" and summary.startswith("Profile updated: ") and profile_fields:
        labels = summary[len("Profile updated: ") :].split(", ")
        if all(label in profile_fields for label in labels):
            return "profile.updated", {"fields": [profile_fields[label] for label in labels]}
        return None
    for regex, kinds, how in COMPILED:
        if kind not in kinds:
            continue
        found = regex.match(summary)
        if found is None:
            continue
        params = found.groupdict()
        if isinstance(how, str):
            return how, {k: v for k, v in params.items() if v is not None}
        if isinstance(how, tuple):
            key, convert = how
            made = convert(params)
            return None if made is None else (key, made)
        return how(params)
    return None


def _profile_fields(apps) -> dict[str, str]:
    customer = apps.get_model("customers", "Customer")
    with translation.override("en"):
        return {
            str(field.verbose_name): field.name
            for field in customer._meta.get_fields()
            if getattr(field, "verbose_name", None)
        }


def summaries_to_keys(apps, schema_editor) -> None:
    interaction = apps.get_model("customers", "Interaction")
    profile_fields = _profile_fields(apps)
    batch = []
    rows = interaction.objects.filter(summary_key="").only("pk", "kind", "summary", "detail")
    for row in rows.iterator(chunk_size=BATCH):
        parsed = summary_parse(row.summary, row.kind, row.detail, profile_fields)
        if parsed is None:
            continue
        row.summary_key, row.summary_params = parsed
        batch.append(row)
        if len(batch) >= BATCH:
            interaction.objects.bulk_update(batch, ["summary_key", "summary_params"])
            batch = []
    if batch:
        interaction.objects.bulk_update(batch, ["summary_key", "summary_params"])


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_stored_text")]

    operations = [migrations.RunPython(summaries_to_keys, migrations.RunPython.noop)]
