"""Settings come from the environment: the embedded defaults and the production path."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.template.defaultfilters import floatformat
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    clean.pop("DATABASE_URL", None)
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def _settings(expr: str, **env: str) -> str:
    code = (
        "import os, django; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; "
        f"django.setup(); from django.conf import settings as s; print({expr})"
    )
    result = _run(code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.slow  # starts Python with Django in a subprocess
def test_no_environment_means_sqlite_and_eager_celery():
    out = _settings("s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG")
    assert out == "django.db.backends.sqlite3 True False"


@pytest.mark.slow  # starts Python with Django in subprocesses
def test_database_and_broker_urls_switch_to_postgres_and_a_real_worker():
    out = _settings(
        "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], "
        "s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_TASK_ACKS_LATE, "
        "s.CELERY_TASK_REJECT_ON_WORKER_LOST, s.CELERY_WORKER_PREFETCH_MULTIPLIER",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/somewhere",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert out == "django.db.backends.postgresql somewhere False True True 1"


def _deploy_check(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
    )


@pytest.mark.slow
def test_production_settings_pass_the_deployment_check():
    result = _deploy_check(
        DJANGO_DEBUG="0",
        DJANGO_HTTPS="1",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="services.example.org",
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.slow  # starts Python with Django in a subprocess
def test_every_cookie_is_secure_over_https():
    """A second probe, December 2026: the language cookie was sent over plain HTTP too, and
    readable by scripts, while the session and CSRF cookies were not."""
    names = ("SESSION", "CSRF", "LANGUAGE")
    out = _settings(
        ", ".join(f"s.{name}_COOKIE_SECURE, s.{name}_COOKIE_SAMESITE" for name in names)
        + ", s.SESSION_COOKIE_HTTPONLY, s.LANGUAGE_COOKIE_HTTPONLY",
        DJANGO_DEBUG="0",
        DJANGO_HTTPS="1",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="services.example.org",
    )
    assert out == "True Lax True Lax True Lax True True"


@pytest.mark.slow
def test_the_deployment_check_catches_a_site_not_served_over_https():
    result = _deploy_check(DJANGO_DEBUG="0", DJANGO_SECRET_KEY=secrets.token_urlsafe(64))
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stderr


def test_chinese_pages_group_amounts_by_thousands():
    # Django's own Simplified Chinese formats write 444140.
    with translation.override("zh-hans"):
        assert floatformat(444140.0, "0g") == "444,140"
    with translation.override("en"):
        assert floatformat(444140.0, "0g") == "444,140"


@pytest.mark.slow  # starts Python with Django in subprocesses
def test_the_default_language_comes_from_the_environment_and_must_be_offered():
    assert _settings("s.LANGUAGE_CODE") == "en"
    assert _settings("s.LANGUAGE_CODE", DJANGO_LANGUAGE_CODE="zh-hans") == "zh-hans"
    refused = _run(
        "import os, django; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup()",
        DJANGO_LANGUAGE_CODE="fr",
    )
    assert refused.returncode != 0
    assert "DJANGO_LANGUAGE_CODE must be one of en, zh-hans, got 'fr'" in refused.stderr
