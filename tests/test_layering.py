"""The floor plan (docs/architecture.md "The floor plan"), held with no exceptions.

Domain floor: an app's ``models``, ``services``, ``selectors``, ``tasks``, ``receivers``,
``errors``, signals (every module that is not a surface) depend one way: ``catalog``,
``stores`` → ``customers``, ``inventory`` → ``orders`` → ``returns``, so each app can be
read without the ones above it. A domain module may import ``omni`` and the apps on a lower
level, never one on its own level or above, and never a surface module (its own app's or
another's). Where a lower app must tell a higher one that something happened it sends a
notification signal with one receiver; no signal asks a question.

Surface floor: ``views``, ``backoffice``, ``api``, ``admin``, ``urls``, forms, context
processors, middleware, template tags, management commands and each app's ``surface``
(what it lends to other apps' screens). A surface may import any app, but only its public
modules: ``models``, ``services``, ``selectors``, ``errors`` and ``surface``; never another
app's views or private helpers (a name starting with ``_``).

The test reads every app's Python source (``ast``: module-level and function-local
imports alike, relative ones resolved) and the model registry (relations between apps).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent

# The domain floor's order. ``omni``'s shared pieces (outbox, geo, money, email, errors, the API
# framework) sit below every domain app and import none.
LEVEL = {
    "omni": 0,
    "catalog": 1,
    "stores": 1,
    "customers": 2,
    "inventory": 2,
    # Offers, gift cards and one-to-one messages: priced and sent by orders, above them.
    "promotions": 3,
    "giftcards": 3,
    "messaging": 3,
    "orders": 4,
    "returns": 5,
    # Messages to many (segments read orders), and the till (sells and takes returns).
    "campaigns": 5,
    "till": 6,
    # The numbers read every app.
    "reporting": 7,
    # The roof: the project (settings, urls, Celery) and the demo retailer know every app.
    "project": 8,
    "demo": 8,
}

# The ground (``omni``) and the roof (``project``: settings, urls, Celery; ``demo``: the
# demo retailer). The roof knows every app; the ground knows none, nor the roof.
GROUND = "omni"
ROOF = ("project", "demo")
DOMAIN_APPS = tuple(app for app in LEVEL if app != GROUND and app not in ROOF)

# The surface floor: module names (the file, or a package's folder) and folders whose
# modules are surfaces, in any app.
SURFACE_MODULES = frozenset(
    {"views", "backoffice", "urls", "forms", "context_processors", "middleware", "surface"}
)
SURFACE_PREFIXES = ("api", "admin", "backoffice", "views")  # api_transfers.py, admin_stock.py
SURFACE_FOLDERS = frozenset({"templatetags", "management"})

# What one app may import of another, from a surface. ``omni`` is the ground and roof
# every app stands under: any of its public names.
PUBLIC_MODULES = frozenset({"models", "services", "selectors", "errors", "surface"})


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


def is_surface(relative: str) -> bool:
    """Whether the module at ``relative`` (a path from the project root) is on the
    surface floor."""
    parts = relative.removesuffix(".py").split("/")
    if parts[0] == "omni":
        return False  # omni's ground and roof have their own rule
    inner = parts[1:]
    if any(part in SURFACE_FOLDERS for part in inner[:-1]):
        return True
    return bool(inner) and (inner[0] in SURFACE_MODULES or inner[0].startswith(SURFACE_PREFIXES))


def _all_violations() -> set[tuple[str, str]]:
    found = set()
    for app in LEVEL:
        for path in _python_files(app):
            relative = _relative(path)
            if is_surface(relative):
                continue  # the top floor: see test_surfaces_import_only_public_modules
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


def test_domain_modules_import_only_the_apps_below_them():
    unexpected = _all_violations()
    assert not unexpected, "imports against the domain floor's order:\n" + "\n".join(
        f"  {path} imports {other}" for path, other in sorted(unexpected)
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
    assert not wrong, "relations against the domain floor's order:\n" + "\n".join(wrong)


# --- the surface floor --------------------------------------------------------------------


def imports(source: str, relative: str) -> list[tuple[str, tuple[str, ...]]]:
    """Every first-party import of the module at ``relative``: (the module, the names taken
    from it; empty for ``import a.b``), relative imports resolved."""
    package = relative.removesuffix(".py").split("/")[:-1]
    if relative.endswith("/__init__.py"):
        package = relative.split("/")[:-1]
    found = []
    for node in ast.walk(ast.parse(source, filename=relative)):
        if isinstance(node, ast.Import):
            found += [(alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((module, tuple(alias.name for alias in node.names)))
    return [(module, names) for module, names in found if module.split(".")[0] in LEVEL]


def _targets(module: str, names: tuple[str, ...]) -> list[tuple[list[str], tuple[str, ...]]]:
    """(module path, names) per module an import reaches: ``from orders import views``
    reaches ``orders.views``."""
    parts = module.split(".")
    if len(parts) == 1 and names:
        return [([parts[0], name], ()) for name in names]
    return [(parts, names)]


def surface_violations(relative: str, source: str) -> set[str]:
    """What the surface module at ``relative`` imports of another app that is not public."""
    app = relative.split("/")[0]
    wrong = set()
    for module, names in imports(source, relative):
        for parts, taken in _targets(module, names):
            other = parts[0]
            if other == app:
                continue
            private = [p for p in [*parts[1:], *taken] if p.startswith("_")]
            not_public = other != "omni" and (len(parts) < 2 or parts[1] not in PUBLIC_MODULES)
            if private or not_public:
                wrong.add(".".join(parts) + (f" ({', '.join(taken)})" if taken else ""))
    return wrong


def domain_surface_imports(relative: str, source: str) -> set[str]:
    """The surface modules (any app's) that the domain module at ``relative`` imports."""
    return {
        ".".join(parts)
        for module, names in imports(source, relative)
        for parts, _taken in _targets(module, names)
        if is_surface("/".join(parts) + ".py")
    }


def _modules(surface: bool):
    """Each app's modules of one floor. Not the ground (it has its own rule) nor the roof,
    whose job is to mount every app's urls and viewsets."""
    for app in LEVEL:
        if app == GROUND or app in ROOF:
            continue
        for path in _python_files(app):
            relative = _relative(path)
            if is_surface(relative) == surface:
                yield relative, path.read_text(encoding="utf-8")


def test_surfaces_import_only_public_modules_of_other_apps():
    """A screen may read and write through any app, but only through its public modules
    (models, services, selectors, errors, surface): never another app's views or
    private helpers."""
    wrong = [
        f"  {relative} imports {target}"
        for relative, source in _modules(surface=True)
        for target in sorted(surface_violations(relative, source))
    ]
    assert not wrong, "surfaces reaching into another app:\n" + "\n".join(wrong)


def test_domain_modules_import_no_surface():
    """The domain floor stands without the surface above it: no model, service,
    selector, task or receiver imports a view, a form or an app's ``surface``."""
    wrong = [
        f"  {relative} imports {target}"
        for relative, source in _modules(surface=False)
        for target in sorted(domain_surface_imports(relative, source))
    ]
    assert not wrong, "domain modules importing a surface:\n" + "\n".join(wrong)


def test_no_signal_asks_a_question():
    """Signals only notify: no receiver answers a page's question. Every ``Signal()`` is
    one a lower domain sends upward after a write, listed here with its one receiver."""
    notifications = {
        "catalog/services.py": {"variants_sellability_changed"},
        "customers/signals.py": {"customer_merged"},
        "inventory/signals.py": {"transfer_received", "availability_gained"},
        "omni/i18n.py": {"language_chosen"},
        "orders/services/events.py": {"order_event_recorded"},
        "orders/services/followups.py": {"post_purchase_blocked"},
        "returns/signals.py": {"return_changed"},
        "stores/signals.py": {"location_moved"},
    }
    found: dict[str, set[str]] = {}
    for app in LEVEL:
        for path in _python_files(app):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                func = getattr(node, "value", None) and getattr(node.value, "func", None)
                called = getattr(func, "id", None) or getattr(func, "attr", None)
                # ``Signal()`` and ``django.dispatch.Signal()`` alike.
                if isinstance(node, ast.Assign) and called == "Signal":
                    names = {t.id for t in node.targets if isinstance(t, ast.Name)}
                    found.setdefault(_relative(path), set()).update(names)
    assert found == notifications


@pytest.mark.parametrize(
    ("relative", "surface"),
    [
        ("customers/views/lists.py", True),
        ("customers/backoffice/record.py", True),
        ("inventory/api_transfers.py", True),
        ("inventory/admin_stock.py", True),
        ("catalog/templatetags/catalog_images.py", True),
        ("customers/surface.py", True),
        ("orders/urls.py", True),
        ("orders/services/checkout.py", False),
        ("customers/selectors.py", False),
        ("orders/receivers.py", False),
        ("omni/http.py", False),
    ],
)
def test_modules_are_sorted_onto_their_floor(relative, surface):
    assert is_surface(relative) is surface


@pytest.mark.parametrize(
    ("relative", "source", "expected"),
    [
        ("customers/views/account.py", "from orders import selectors\n", set()),
        ("customers/views/account.py", "from returns.selectors import x\n", set()),
        ("catalog/views.py", "from inventory.selectors import availability_for_product\n", set()),
        ("orders/views/cart.py", "from customers.surface import my_store\n", set()),
        ("orders/views/cart.py", "from orders.views.cart import _cart\n", set()),
        ("orders/views/cart.py", "from omni.http import is_local_path\n", set()),
        ("orders/views/cart.py", "from customers.views import x\n", {"customers.views (x)"}),
        ("orders/views/cart.py", "from customers import views\n", {"customers.views"}),
        (
            "returns/views.py",
            "import customers.context_processors\n",
            {"customers.context_processors"},
        ),
        (
            "returns/views.py",
            "from orders.selectors import _private\n",
            {"orders.selectors (_private)"},
        ),
        ("returns/views.py", "from omni.http import _helper\n", {"omni.http (_helper)"}),
    ],
)
def test_checker_flags_surfaces_reaching_into_another_app(relative, source, expected):
    assert surface_violations(relative, source) == expected


@pytest.mark.parametrize(
    ("relative", "source", "expected"),
    [
        ("orders/services/carts.py", "from customers.surface import x\n", {"customers.surface"}),
        (
            "orders/signals.py",
            "from .context_processors import KEY\n",
            {"orders.context_processors"},
        ),
        ("orders/selectors.py", "from customers import views\n", {"customers.views"}),
        ("orders/selectors.py", "from customers import selectors\n", set()),
    ],
)
def test_checker_flags_domain_modules_importing_a_surface(relative, source, expected):
    assert domain_surface_imports(relative, source) == expected


# --- the checker itself catches what it must ---------------------------------------------


@pytest.mark.parametrize(
    ("relative", "source", "expected"),
    [
        ("customers/selectors.py", "from orders.models import Order\n", {"orders"}),
        ("customers/services.py", "def f():\n    import returns.selectors\n", {"returns"}),
        ("customers/receivers.py", "from inventory import selectors\n", {"inventory"}),
        ("customers/selectors.py", "from catalog.models import Product\n", set()),
        ("customers/tasks.py", "from . import services\nfrom .models import List\n", set()),
        ("orders/services/checkout.py", "from ..models import Order\n", set()),
        ("catalog/selectors.py", "from stores.models import Location\n", {"stores"}),
        ("returns/services/receive.py", "from orders.models import Order\n", set()),
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
