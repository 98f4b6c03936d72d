"""No page, email, script or Python string types a currency: every amount goes through
``omni.money.format_money`` (the ``money`` filter in templates), which writes the amount's
own currency the way the reader's language does. A ``$`` typed into a template shows
dollars in Hanoi.

Checked: every file under ``templates/``, our scripts under ``static/js/`` (not the vendored
``*.min.js``), and the string literals of every Python module outside tests, migrations
and docs. Python docstrings and comments may name currencies (they explain, nobody reads
them in a shop); regular expressions may use ``$`` (an anchor, not a dollar).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A currency sign or a hard-coded code of the currencies a shop would type by habit.
CURRENCY = re.compile(r"[$€£]|\b(?:USD|EUR|GBP)\b")
# In scripts ``${...}`` is a template literal, not a dollar.
SCRIPT_CURRENCY = re.compile(r"\$(?!\{)|[€£]|\b(?:USD|EUR|GBP)\b")

SKIPPED_DIRS = {".venv", "tests", "migrations", "docs", "node_modules", "locale", "static"}
SKIPPED_DIRS |= {"locale_vendor", ".git", "__pycache__", "media", "staticfiles"}

# The only Python literals allowed to name a currency, and why.
ALLOWED = {
    # The US market's own record: its currency is the US dollar.
    ("omni/markets.py", "USD"),
    # The US demo retailer's loyalty-reward note: free text stored as an associate would
    # type it, like the other markets' notes in their languages (demo/markets/<code>.py).
    ("demo/markets/__init__.py", "$25 reward"),
    # OpenAPI's "$ref" keyword in the schema helpers.
    ("omni/api/schema.py", "#/components/schemas/Error"),
    ("omni/api/schema.py", "$ref"),
}

REGEX_CALLS = {"compile", "match", "fullmatch", "search", "sub", "subn", "split", "findall"}
REGEX_CALLS |= {"finditer", "RegexField", "RegexValidator", "re_path"}


def _python_files():
    for path in sorted(ROOT.rglob("*.py")):
        parts = set(path.relative_to(ROOT).parts[:-1])
        if not parts & SKIPPED_DIRS:
            yield path


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _regex_literals(tree: ast.AST) -> set[int]:
    """Strings given to a regular-expression function (``re.compile(r"^...$")``)."""
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        patterns = [*node.args[:1]] if name in REGEX_CALLS else []
        patterns += [k.value for k in node.keywords if k.arg in ("regex", "pattern")]
        for pattern in patterns:
            found |= {id(n) for n in ast.walk(pattern) if isinstance(n, ast.Constant)}
    return found


def python_currency_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _docstrings(tree) | _regex_literals(tree)
    name = path.relative_to(ROOT).as_posix()
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            continue
        if id(node) in skipped or (name, node.value) in ALLOWED:
            continue
        if CURRENCY.search(node.value):
            found.append(f"{name}:{node.lineno}: {node.value!r}")
    return found


def test_no_currency_in_python_strings():
    found = [hit for path in _python_files() for hit in python_currency_literals(path)]
    assert not found, "format money with omni.money.format_money:\n" + "\n".join(found)


def test_no_currency_in_templates():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / "templates").rglob("*"))
        if path.is_file()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if CURRENCY.search(line)
    ]
    assert not found, "use {{ amount|money:currency }}:\n" + "\n".join(found)


def test_no_currency_in_our_scripts():
    scripts = [p for p in sorted((ROOT / "static" / "js").rglob("*.js")) if ".min." not in p.name]
    assert scripts, "the storefront's scripts moved: point this test at them"
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in scripts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SCRIPT_CURRENCY.search(line)
    ]
    assert not found, "send formatted money from the server (format_money):\n" + "\n".join(found)


def test_the_check_finds_what_it_looks_for(tmp_path):
    """The checker is not blind: a dollar in a string is found, an anchor in a regex and a
    dollar in a docstring are not."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Costs $5."""\nimport re\nPATTERN = re.compile(r"^a$")\nLABEL = f"${1:.2f}"\n'
        'NAME = "EUR"\n',
        encoding="utf-8",
    )
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        found = python_currency_literals(sample)
    finally:
        ROOT = saved
    assert sorted(hit.split(":")[1] for hit in found) == ["4", "5"]
