"""Dependencies run one way (docs: DESIGN.md "Layout"): ``catalog``, ``stores`` →
``customers``, ``inventory`` → ``orders`` → ``returns``, so each app can be read without
the ones above it. An app may import ``omni`` and the apps on a lower level, never one on
its own level or above; where a lower app needs a higher one's answer it sends a signal
the higher app answers (``customers.signals.account_sections``,
``stores.signals.salable_at_location``, ``catalog.signals.product_stock``, ...).

The test reads every app's Python source (``ast``: module-level and function-local
imports alike, relative ones resolved) and the model registry (relations between apps).
A known exception would be listed below with its reason (none is left); an entry that
no longer happens fails too, so the list only shrinks.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent

# DESIGN.md's order. ``omni``'s shared pieces (outbox, geo, money, email, errors, the API
# framework) sit below every domain app and import none.
LEVEL = {
    "omni": 0,
    "catalog": 1,
    "stores": 1,
    "customers": 2,
    "inventory": 2,
    "orders": 3,
    "returns": 4,
    # The roof: the project (settings, urls, Celery) and the demo retailer know every app.
    "project": 5,
    "demo": 5,
}

# The ground (``omni``) and the roof (``project``: settings, urls, Celery; ``demo``: the
# demo retailer). The roof knows every app; the ground knows none, nor the roof.
GROUND = "omni"
ROOF = ("project", "demo")
DOMAIN_APPS = tuple(app for app in LEVEL if app != GROUND and app not in ROOF)

# Known imports against the order, each with why it is still there. Remove an entry when
# its import goes; the test fails on an entry that no longer happens.
# None are left: keep it that way.
KNOWN_EXCEPTIONS: dict[tuple[str, str], str] = {}


def _python_files(app: str) -> list[Path]:
    return sorted(p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts)


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def imported_apps(source: str, relative: str) -> set[str]:
    """The first-party apps (``LEVEL``'s keys) that the module at ``relative`` (a path
    from the project root) imports, anywhere in it."""
    package = relative.removesuffix(".py").split("/")[:-1]
    if relative.endswith("/__init__.py"):
        package = relative.split("/")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source, filename=relative)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                modules = [".".join([*base, node.module] if node.module else base)]
            else:
                modules = [node.module or ""]
        else:
            continue
        found |= {m.split(".")[0] for m in modules if m.split(".")[0] in LEVEL}
    return found


def violations(app: str, relative: str, imported: set[str]) -> set[str]:
    """The apps in ``imported`` that ``app`` may not import."""
    if app == GROUND:
        return imported - {GROUND}
    return {other for other in imported if other != app and LEVEL[other] >= LEVEL[app]}


def _all_violations() -> set[tuple[str, str]]:
    found = set()
    for app in LEVEL:
        for path in _python_files(app):
            relative = _relative(path)
            imported = imported_apps(path.read_text(encoding="utf-8"), relative)
            found |= {(relative, other) for other in violations(app, relative, imported)}
    return found


def test_every_app_has_a_level():
    """A new app must be placed in the order before this test means anything for it."""
    local = {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == ROOT  # the project's own, not the venv's
    }
    assert local <= set(LEVEL), f"apps missing from LEVEL: {sorted(local - set(LEVEL))}"


def test_apps_import_only_the_apps_below_them():
    unexpected = _all_violations() - set(KNOWN_EXCEPTIONS)
    assert not unexpected, "imports against DESIGN.md's order:\n" + "\n".join(
        f"  {path} imports {other}" for path, other in sorted(unexpected)
    )


def test_known_exceptions_still_happen():
    """An exception that was fixed must leave the list, so the list stays true."""
    gone = set(KNOWN_EXCEPTIONS) - _all_violations()
    assert not gone, "fixed; remove from KNOWN_EXCEPTIONS: " + ", ".join(
        f"{path} → {other}" for path, other in sorted(gone)
    )


def test_the_ground_imports_no_domain_app_and_no_roof_piece():
    """``omni`` is what every app stands on (money, geo, errors, the outbox, the email
    log, the API framework...): it imports no domain app and nothing of the roof, so it
    can be read, and reused, without them. What it needs from the roof it asks Django for
    (``settings``, Celery's ``current_app``)."""
    wrong = {
        (_relative(path), other)
        for path in (ROOT / GROUND).rglob("*.py")
        for other in imported_apps(path.read_text(encoding="utf-8"), _relative(path))
        if other in DOMAIN_APPS or other in ROOF
    }
    assert not wrong, "the ground imports above itself:\n" + "\n".join(
        f"  {path} imports {other}" for path, other in sorted(wrong)
    )


def test_models_point_only_at_models_below_them():
    """Relations are dependencies too: a lower app stores a typed reference to a higher
    app's row, not a foreign key to it."""
    wrong = []
    for model in apps.get_models():
        app = model._meta.app_label
        if app not in LEVEL:
            continue
        for field in model._meta.get_fields(include_hidden=True):
            if not field.is_relation or field.auto_created or field.related_model is None:
                continue
            other = field.related_model._meta.app_label
            if other in LEVEL and other != app and LEVEL[other] >= LEVEL[app]:
                wrong.append(
                    f"{model._meta.label}.{field.name} → {field.related_model._meta.label}"
                )
    assert not wrong, "relations against DESIGN.md's order:\n" + "\n".join(wrong)


# --- the checker itself catches what it must ---------------------------------------------


@pytest.mark.parametrize(
    ("relative", "source", "expected"),
    [
        ("customers/views.py", "from orders.models import Order\n", {"orders"}),
        ("customers/views.py", "def f():\n    import returns.selectors\n", {"returns"}),
        ("customers/views.py", "from inventory import selectors\n", {"inventory"}),
        ("customers/views.py", "from catalog.models import Product\n", set()),
        ("customers/views.py", "from . import services\nfrom .models import List\n", set()),
        ("orders/services/checkout.py", "from ..models import Order\n", set()),
        ("catalog/views.py", "from stores.models import Location\n", {"stores"}),
        ("returns/views.py", "from orders.models import Order\nimport customers\n", set()),
        ("omni/outbox.py", "from orders.models import Order\n", {"orders"}),
        ("omni/health.py", "def f():\n    from project.celery import app\n", {"project"}),
        ("omni/api/views.py", "from demo.config import SCALES\n", {"demo"}),
        ("project/urls.py", "from orders import urls\n", set()),
        ("demo/orders.py", "from orders.models import Order\n", set()),
    ],
)
def test_checker_flags_imports_against_the_order(relative, source, expected):
    app = relative.split("/")[0]
    assert violations(app, relative, imported_apps(source, relative)) == expected
