"""A fresh install gets the versions CI tested: the lock file pins every dependency the
project names (and nothing it dropped), and the README says which htmx is vendored."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_the_lock_file_pins_every_dependency_and_not_the_dropped_one():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    wanted |= {_name(r) for group in project["optional-dependencies"].values() for r in group}
    pinned = dict(
        re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", (ROOT / "requirements.lock").read_text(), re.M)
    )
    pinned = {name.lower().replace("_", "-"): version for name, version in pinned.items()}
    assert wanted <= set(pinned), sorted(wanted - set(pinned))
    assert "dj-database-url" not in wanted | set(pinned)
    assert "requirements.lock" in (ROOT / "Makefile").read_text()


def test_the_readme_names_the_vendored_htmx_version():
    vendored = re.search(r'version:"([0-9.]+)"', (ROOT / "static/js/htmx.min.js").read_text())
    assert vendored
    assert f"htmx {vendored.group(1)}" in (ROOT / "README.md").read_text()


def test_make_demo_on_another_port_points_the_emails_there():
    import shutil
    import subprocess

    import pytest

    if not shutil.which("make"):
        pytest.skip("needs make")
    plan = subprocess.run(
        ["make", "-n", "demo", "PORT=8080"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "SITE_URL=http://127.0.0.1:8080 .venv/bin/python manage.py seed_demo" in plan
    assert (
        "SITE_URL=http://127.0.0.1:8080 .venv/bin/python manage.py runserver 127.0.0.1:8080" in plan
    )
    readme = (ROOT / "README.md").read_text()
    assert "make demo PORT=8080" in readme and "`HOST`/`PORT`" in readme
