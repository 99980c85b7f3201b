"""End-to-end tests in headless Chromium, driven by Playwright's sync API against the app
served by pytest-django's ``live_server`` (a thread of this process).

Chromium is the Debian package (``apt-get install chromium fonts-noto-cjk``), started with
``executable_path``; Playwright's own browser download is never used. Without Chromium the
tests skip, unless ``REQUIRE_BROWSER=1`` (CI) makes that a failure. ``SAVE_SCREENSHOTS=1``
writes the screenshots of the main pages to ``docs/screenshots/``.

All people, places and requests are SYNTHETIC, made by ``tests/factories.py``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connections
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from services.catalogue import sync_catalogue
from services.models import ServiceCategory, ServiceRequest
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    ResidentFactory,
    ServiceRequestFactory,
    UserFactory,
    WorkerFactory,
)

CHROMIUM_PACKAGES = "chromium fonts-noto-cjk"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "docs" / "screenshots"
# Every e2e account logs in with this; set through ``set_password`` (fast hasher below).
E2E_PASSWORD = "synthetic-e2e-passphrase-4"


def chromium_path() -> str:
    """Where Chromium should be: ``CHROMIUM_PATH``, else ``chromium`` on the PATH, else where
    Debian's package puts it."""
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def _no_browser(reason: str) -> None:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(f"{reason}; install the Debian packages: apt-get install {CHROMIUM_PACKAGES}")


@pytest.fixture(scope="module", autouse=True)
def _orm_beside_playwright() -> Iterator[None]:
    """Playwright's sync API keeps an asyncio loop running in the test's thread, so Django
    takes the test's ordinary ORM calls (factories, the database flush after each test) for
    calls from async code and refuses them (SynchronousOnlyOperation). They are synchronous
    calls made between browser steps, so allow them, only while this module's browser runs."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser(_orm_beside_playwright):
    """One headless Chromium per test module; stopped with the module so that Playwright's
    loop does not outlive the browser tests."""
    executable = chromium_path()
    if not os.access(executable, os.X_OK):
        _no_browser(f"Chromium is not installed (no executable {executable})")
    expect.set_options(timeout=TIMEOUT_MS)
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
    except Exception:
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    # The test's thread had its own database connection while the loop ran (see
    # ``_service_catalogue``); close it rather than leave it to the garbage collector.
    connections.close_all()
    playwright.stop()


FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


@pytest.fixture
def new_page(browser, live_server, request, tmp_path) -> Iterator[Callable]:
    """``new_page()`` opens a page in a fresh browser context (its own cookies: one person
    signed in), English, desktop width, with relative URLs resolved against the live server.
    When the test fails, every page's last state is saved as a PNG under ``tmp_path``."""
    contexts = []
    # Anything the Content-Security-Policy blocked (an inline script or style, a foreign
    # source): the journey must not depend on it, so it fails the test.
    csp_violations: list[str] = []

    def open_page(**options):
        options = {"locale": "en-US", "viewport": DESKTOP, **options}
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                csp_violations.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        return page

    yield open_page
    if request.node.stash.get(FAILED, False):
        for number, context in enumerate(contexts):
            for tab, page in enumerate(context.pages):
                page.screenshot(path=tmp_path / f"failure-{number}-{tab}.png", full_page=True)
        print(f"Screenshots of the failed pages are in {tmp_path}")
    for context in contexts:
        context.close()
    assert csp_violations == [], csp_violations


class Screenshots:
    """Saves PNGs of the pages into ``docs/screenshots/`` when ``SAVE_SCREENSHOTS=1``;
    otherwise does nothing, so a test run never changes the working tree."""

    def __init__(self, directory: Path, enabled: bool):
        self.directory = directory
        self.enabled = enabled

    def take(self, page, name: str, *, phone: bool = False) -> None:
        """The page at desktop width as ``<name>.png``; with ``phone``, also at phone width
        as ``phone-<name>.png``."""
        if not self.enabled:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=self.directory / f"{name}.png", full_page=True)
        if phone:
            size = page.viewport_size
            page.set_viewport_size(PHONE)
            page.screenshot(path=self.directory / f"phone-{name}.png", full_page=True)
            page.set_viewport_size(size)


@pytest.fixture
def screenshots() -> Screenshots:
    return Screenshots(SCREENSHOT_DIR, enabled=os.environ.get("SAVE_SCREENSHOTS") == "1")


def log_in(page, username: str, password: str = E2E_PASSWORD) -> None:
    """Log in through the login page, as a person would, and wait to leave it."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def path_id(url: str, pattern: str) -> int:
    """The number a page's URL carries, e.g. ``path_id(page.url, r"/requests/(\\d+)/")``."""
    match = re.search(pattern, url)
    assert match, f"{url!r} does not match {pattern!r}"
    return int(match.group(1))


# Data ----------------------------------------------------------------------------------------

# The browser tests' database: transactional, since the server thread must see the test's
# data. ``available_apps`` (every installed app) makes the flush after each test leave the
# tables empty, without re-creating content types and permissions, as a following test that
# restores a serialized database (``serialized_rollback``) requires. By the apps' names: an
# entry of INSTALLED_APPS may name an app's configuration instead (django-axes').
BROWSER_DB = pytest.mark.django_db(
    transaction=True, available_apps=[config.name for config in apps.get_app_configs()]
)


@pytest.fixture(autouse=True)
def _service_catalogue(transactional_db) -> None:
    """The service catalogue, as its data migration loads it. Each test's flush empties the
    tables, and ``serialized_rollback`` cannot refill them here: while Playwright's loop runs,
    Django hands the test's thread a new connection object, which lacks the serialized copy
    of the migrated data that the old one carries."""
    sync_catalogue(ServiceCategory)


def account(factory, **fields):
    """A user made by ``factory`` whose password is ``E2E_PASSWORD``. (Passing a password
    keeps the factories' session-wide cached hash out of it: that hash must stay one the
    default hashers of the other tests can check.)"""
    user = factory(password="!", **fields)
    user.set_password(E2E_PASSWORD)
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def elm_street():
    return CommunityFactory(name="Elm Street", district="Synthetic district", kind="urban")


@pytest.fixture
def pine_village():
    return CommunityFactory(name="Pine Village", district="Synthetic district", kind="rural")


@pytest.fixture
def resident_user(elm_street):
    user = account(UserFactory, username="resident-amy")
    ResidentFactory(community=elm_street, user=user)
    return user


@pytest.fixture
def worker_user(elm_street):
    return account(
        WorkerFactory,
        username="worker-li",
        first_name="Li",
        last_name="Wei",
        communities=[elm_street],
    )


@pytest.fixture
def admin_user():
    return account(AdministratorFactory, username="admin-zhou")


@dataclass
class QueueRequests:
    visible: list[ServiceRequest]  # in the worker's community
    hidden: ServiceRequest  # in a community the worker does not serve


@pytest.fixture
def queue_requests(elm_street, pine_village) -> QueueRequests:
    """Requests already in the system: a few in Elm Street, the worker's community (one of
    them overdue), and one in Pine Village, which the worker does not serve."""
    neighbour = ResidentFactory(community=elm_street)
    category = ServiceCategory.objects.get
    return QueueRequests(
        visible=[
            ServiceRequestFactory(
                resident=neighbour, category=category(code="road_repair"), status="accepted"
            ),
            ServiceRequestFactory(
                community=elm_street,
                category=category(code="waste_collection"),
                status="in_progress",
                created_at=timezone.now() - timedelta(days=3),  # past its 24 h SLA
            ),
            ServiceRequestFactory(
                community=elm_street, category=category(code="job_placement"), status="resolved"
            ),
        ],
        hidden=ServiceRequestFactory(
            community=pine_village, category=category(code="water_supply"), status="submitted"
        ),
    )
