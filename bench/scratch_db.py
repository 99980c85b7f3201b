"""A scratch PostgreSQL database for a benchmark: dropped, recreated and migrated."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def django_env(database_url: str, settings_module: str = "config.settings") -> dict[str, str]:
    """The environment a benchmark's Django processes run with (no broker: eager tasks)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
    env.update(
        DJANGO_SETTINGS_MODULE=settings_module,
        DATABASE_URL=database_url,
        DJANGO_DEBUG="0",
        DJANGO_LOG_LEVEL="WARNING",
    )
    return env


def recreate_database(database_url: str, settings_module: str = "config.settings") -> None:
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=django_env(database_url, settings_module),
        check=True,
    )
