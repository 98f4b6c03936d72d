"""Project-wide test fixtures and markers.

Tests marked ``postgres`` need PostgreSQL (concurrency, IntegrityError semantics) and are
skipped with a reason on SQLite; ``redis`` tests need REDIS_URL.
"""

import pytest
from django.conf import settings


def pytest_collection_modifyitems(config, items):
    on_postgres = settings.IS_POSTGRES
    has_redis = bool(settings.REDIS_URL)
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
    skip_redis = pytest.mark.skip(reason="needs Redis: set REDIS_URL=redis://...")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not has_redis:
            item.add_marker(skip_redis)


@pytest.fixture(autouse=True, scope="session")
def catalogues_compiled():
    """The translation catalogues compiled before any page is rendered (``make test`` does
    it too; a bare ``pytest`` must not depend on it): Filipino, which Django ships no
    catalogue for, is only a language once ``locale/fil`` has its .mo."""
    from django.core.management import call_command

    call_command("catalogues_compile", verbosity=0)
    yield


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: a request to /th/ activates Thai for the
    thread, and a ``reverse()`` in the next test would otherwise be prefixed."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def superuser(db):
    from tests.factories import SuperUserFactory

    return SuperUserFactory(username="admin", email="admin@example.com")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture(autouse=True, scope="session")
def celery_runs_eagerly_in_tests():
    """Tasks run in-process in tests (as in the embedded default), even when REDIS_URL is
    set; the integration tests that start a real worker switch this off themselves."""
    from project.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache (debounce keys, throttles, sessions)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing():
    """Tests create many users; the production hasher is slow on purpose."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield
