"""The migrated SQLite test database, kept between runs of the quick tier.

Making the test database runs every migration (their state rendering is most of it) and
loads the area tree: about 3.5 CPU-s in each pytest-xdist worker, before its first database
test. With ``TEST_DB_TEMPLATE=1`` (``make test-fast`` sets it) a worker that had to make it
saves a copy under ``var/test-db/``, named by a digest of everything the result depends on:
every migration file, the modules and data files the data migrations read, the installed
packages' versions (their migrations) and the database settings. A later run with the same
digest loads that copy into its in-memory database and lets Django's ``migrate`` find
nothing to apply; any change to those inputs gives a new name, so a fresh build. ``make
test`` (CI) never uses it, and ``--create-db`` builds afresh.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from importlib import metadata
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)
# What the data migrations import or read, besides the migration files themselves.
READ_BY_MIGRATIONS = (
    "geography",
    "residents/reference.py",
    "residents/fields.py",
    "residents/pii.py",
    "services/catalogue.py",
    "analytics/kinds/upgrades.py",
)
IN_MEMORY = "file:memorydb_default?mode=memory&cache=shared"

# Holds the in-memory database open from the load until Django connects to it.
_keeper: sqlite3.Connection | None = None


def enabled() -> bool:
    database = settings.DATABASES["default"]
    return (
        os.environ.get("TEST_DB_TEMPLATE") == "1"
        and database["ENGINE"] == "django.db.backends.sqlite3"
        and not database.get("TEST", {}).get("NAME")
        and set(settings.DATABASES) <= {"default"}
    )


def _digest() -> str:
    sha = hashlib.sha256()
    paths = sorted(BASE.glob("*/migrations/*.py"))
    for name in READ_BY_MIGRATIONS:
        path = BASE / name
        paths += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for path in paths:
        if "__pycache__" in path.parts:
            continue
        sha.update(str(path.relative_to(BASE)).encode())
        sha.update(path.read_bytes())
    versions = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    sha.update("\n".join(versions).encode())
    database = settings.DATABASES["default"]
    sha.update(repr((database["ENGINE"], database.get("OPTIONS"), sqlite3.sqlite_version)).encode())
    return sha.hexdigest()[:20]


def path() -> Path:
    return BASE / "var" / "test-db" / f"template-{_digest()}.sqlite3"


def load() -> bool:
    """Load the kept copy, if there is one, into this process's in-memory test database."""
    global _keeper
    template = path()
    if not template.exists():
        return False
    _keeper = sqlite3.connect(IN_MEMORY, uri=True)
    source = sqlite3.connect(f"file:{template}?mode=ro", uri=True)
    try:
        source.backup(_keeper)
    finally:
        source.close()
    return True


def save(connection) -> None:
    """Keep a copy of the freshly made test database (before any test has touched it)."""
    template = path()
    template.parent.mkdir(parents=True, exist_ok=True)
    partial = template.with_suffix(f".{os.getpid()}.partial")
    target = sqlite3.connect(partial)
    try:
        connection.ensure_connection()
        connection.connection.backup(target)
    finally:
        target.close()
    os.replace(partial, template)  # whole or not at all, whichever worker finishes first
    for old in template.parent.glob("template-*.sqlite3"):
        if old != template:
            old.unlink(missing_ok=True)
