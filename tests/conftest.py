"""Test-wide set-up.

Tiers: ``make test`` runs everything; ``make test-fast`` leaves out the tests marked
``browser``, ``slow``, ``celery_worker``, ``hypothesis`` (every property test, marked here
automatically) and ``demo_city`` (tests on the generated demo city, marked here by the
fixtures they use). Hypothesis runs derandomised under the ``ci`` profile, which the ``CI``
environment variable selects (``.ci/run`` sets it), so CI sees the same examples every run.

When CI asks for the production services (``REQUIRE_SERVICES=1``), the run stops at once
with an error if PostgreSQL, the Celery broker or the shared cache is not what it uses: a
missing service must fail the suite, never quietly fall back to SQLite, eager tasks or
per-process memory.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings as hypothesis_settings

hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "default")

# Session fixtures that generate the SYNTHETIC demo city (tests/analytics/engine/supply and
# tests/demo): a test using one is a demo-city test.
DEMO_CITY_FIXTURES = frozenset({"demo", "demo_series", "demo_forecaster"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.hypothesis)
        if DEMO_CITY_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.demo_city)


def pytest_configure(config: pytest.Config) -> None:
    from tests import db_restore, static_index

    db_restore.install()  # a transactional test's reference data, put back in bulk
    static_index.install()  # WhiteNoise's file index, built once per process
    if os.environ.get("REQUIRE_SERVICES") != "1":
        return
    from django.conf import settings

    problems = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        problems.append("DATABASE_URL does not point at PostgreSQL")
    if not settings.CELERY_BROKER_URL or settings.CELERY_TASK_ALWAYS_EAGER:
        problems.append("CELERY_BROKER_URL is not set, so Celery would run eagerly")
    else:
        from kombu import Connection

        try:
            with Connection(settings.CELERY_BROKER_URL, connect_timeout=5) as conn:
                conn.ensure_connection(max_retries=1)
        except Exception as exc:  # any failure to reach the broker is fatal here
            problems.append(f"Celery broker unreachable: {exc.__class__.__name__}")
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        problems.append("CACHE_URL does not point at Redis")
    else:
        from django.core.cache import cache

        try:
            cache.set("ci-cache-check", 1, timeout=5)
        except Exception as exc:  # any failure to reach the cache is fatal here
            problems.append(f"cache unreachable: {exc.__class__.__name__}")
    if problems:
        raise pytest.UsageError("REQUIRE_SERVICES=1 but: " + "; ".join(problems))


@pytest.fixture(autouse=True)
def _eager_celery_in_tests(settings):
    """Unit tests run tasks in-process; the real-worker tests opt out explicitly."""
    from config.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Logins, sign-ups and the demo's accounts hash passwords; the production hasher is slow
    on purpose (~0.3 s a hash), which made every login test pay for it. MD5 first: the
    factories' shared hash and every new one are made with it; PBKDF2 still checks a hash made
    with it. (The hashers' strength is the settings' business, not these tests'.)"""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def _empty_cache_between_tests():
    """Rate-limit counters live in the cache; each test starts with none used."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _english_between_tests():
    """A request to a /zh-hans/ page activates Chinese in this thread; start every test in
    the default language so reverse() and messages are predictable."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")
