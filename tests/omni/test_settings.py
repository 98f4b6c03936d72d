"""Settings come from the environment: embedded defaults with nothing set, a production
mode that refuses to start without SECRET_KEY and passes `check --deploy` cleanly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROD_KEY = "x7#kq-2mZ!vR9pL$wE4tY8uI0oP3aS6dF1gH5jK@lZ2xC7vB9nM4qW8eR"


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key():
    result = run_manage("check", DEBUG="False")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_passes_check_deploy_without_warnings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="False",
        SECRET_KEY=PROD_KEY,
        ALLOWED_HOSTS="shop.example.com",
        DATABASE_URL="sqlite:////tmp/omni-deploy-check.sqlite3",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "sqlite3 True LocMemCache console"),
        (
            {"DATABASE_URL": "postgres://u@db.example:5432/shop", "REDIS_URL": "redis://r:6379/0"},
            "postgresql False BestEffortRedisCache console",
        ),
    ],
)
def test_embedded_defaults_and_real_services_from_the_environment(env, expected):
    probe = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'].rsplit('.',1)[1], s.CELERY_TASK_ALWAYS_EAGER,"
        " s.CACHES['default']['BACKEND'].rsplit('.',1)[1], s.EMAIL_BACKEND.rsplit('.',2)[1])"
    )
    result = run_manage("shell", "--verbosity", "0", "-c", probe, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"REDIS_URL": "redis://r:6379/0"},
            "BestEffortRedisCache redis://r:6379/0 redis://r:6379/0",
        ),
        (
            {"REDIS_URL": "redis://r:6379/0", "CACHE_URL": "redis://c:6379/2"},
            "BestEffortRedisCache redis://c:6379/2 redis://r:6379/0",
        ),
        (
            {"REDIS_URL": "redis://r:6379/0", "CACHE_URL": "locmemcache://"},
            "LocMemCache  redis://r:6379/0",
        ),
    ],
)
def test_cache_url_defaults_to_redis_url_and_may_point_elsewhere(env, expected):
    probe = (
        "from django.conf import settings as s; c = s.CACHES['default'];"
        "print(c['BACKEND'].rsplit('.',1)[1], c.get('LOCATION', ''), s.CELERY_BROKER_URL)"
    )
    result = run_manage("shell", "--verbosity", "0", "-c", probe, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_sentry_is_off_by_default_and_on_with_one_variable():
    probe = "import sentry_sdk; print(sentry_sdk.get_client().is_active())"
    assert run_manage("shell", "--verbosity", "0", "-c", probe).stdout.strip() == "False"
    on = run_manage(
        "shell",
        "--verbosity",
        "0",
        "-c",
        probe,
        SENTRY_DSN="https://public@sentry.example.com/1",
    )
    assert on.returncode == 0, on.stderr
    assert on.stdout.strip() == "True"


def test_logs_are_json_lines_with_debug_off():
    probe = (
        "import logging; from django.conf import settings as s;"
        "print(s.LOGGING['handlers']['console']['formatter'])"
    )
    off = run_manage("shell", "--verbosity", "0", "-c", probe, DEBUG="False", SECRET_KEY=PROD_KEY)
    assert off.stdout.strip() == "json", off.stderr
    assert run_manage("shell", "--verbosity", "0", "-c", probe).stdout.strip() == "plain"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "0 True"),  # the development server: a new thread (and connection) per request
        ({"DEBUG": "False", "SECRET_KEY": PROD_KEY}, "60 True"),
        (
            {
                "DEBUG": "False",
                "SECRET_KEY": PROD_KEY,
                "CONN_MAX_AGE": "300",
                "CONN_HEALTH_CHECKS": "False",
            },
            "300 False",
        ),
    ],
)
def test_database_connections_are_reused_in_production(env, expected):
    probe = (
        "from django.conf import settings as s;"
        "d = s.DATABASES['default']; print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )
    result = run_manage("shell", "--verbosity", "0", "-c", probe, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_the_embedded_broker_is_quiet_without_redis():
    code = (
        "from django.conf import settings; from kombu import Connection; "
        "c = Connection(settings.CELERY_BROKER_URL); c.connect(); print(c.transport_cls)"
    )
    result = run_manage("shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert "memory" in result.stdout
    assert "No hostname" not in result.stderr + result.stdout


@pytest.mark.django_db
def test_a_4xx_is_not_logged_again_by_django_request(client, caplog):
    with caplog.at_level("INFO"):
        assert client.get("/p/no-such-product/").status_code == 404
    assert not [r for r in caplog.records if r.name == "django.request"]
