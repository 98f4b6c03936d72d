"""The embedded default (SQLite, the README's first command) migrates from nothing: the
suite runs on PostgreSQL, where an index only PostgreSQL can build never gets in the way
of a column change (see catalog/migrations/_postgres_only.py)."""

import os
import subprocess
import sys

from django.conf import settings


def test_every_migration_applies_on_sqlite(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
