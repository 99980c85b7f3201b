"""Layout, language switching and the offline rule (nothing loaded from the internet)."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from tests.factories import CommunityFactory

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"
PO_FILE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@pytest.mark.django_db
def test_start_page_is_english_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "en"
    assert "Community public services" in response.content.decode()


@pytest.mark.django_db
def test_every_page_says_so_while_the_demo_city_is_in_the_database(client):
    assert "SYNTHETIC demo data" not in client.get("/").content.decode()
    CommunityFactory(code="DEMO-510104-01")
    assert "SYNTHETIC demo data" not in client.get("/").content.decode()  # checked once a minute
    cache.clear()
    for url in ("/", reverse("login"), "/zh-hans/"):
        html = client.get(url).content.decode()
        assert 'id="synthetic-data"' in html
    assert "SYNTHETIC 演示数据" in client.get("/zh-hans/").content.decode()


PREFERRED_LANGUAGE = "core.middleware.PreferredLanguageMiddleware"


@pytest.fixture
def preferred_language_middleware(settings):
    """The middleware as the lead is asked to configure it: right after LocaleMiddleware."""
    if PREFERRED_LANGUAGE not in settings.MIDDLEWARE:
        middleware = list(settings.MIDDLEWARE)
        locale = middleware.index("django.middleware.locale.LocaleMiddleware")
        middleware.insert(locale + 1, PREFERRED_LANGUAGE)
        settings.MIDDLEWARE = middleware


@pytest.mark.django_db
def test_accept_language_chinese_shows_chinese(client, preferred_language_middleware):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)
    html = response.content.decode()
    assert response.redirect_chain == [("/zh-hans/", 302)]
    assert response.headers["Content-Language"] == "zh-hans"
    assert "社区公共服务" in html
    assert "注册" in html  # "Sign up"
    assert 'lang="zh-hans"' in html


@pytest.mark.django_db
def test_accept_language_of_a_chinese_browser_keeps_the_query_string(
    client, preferred_language_middleware
):
    response = client.get("/login/?next=/requests/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")
    assert response.status_code == 302
    assert response["Location"] == "/zh-hans/login/?next=/requests/"
    assert "Accept-Language" in response["Vary"]


@pytest.mark.django_db
def test_english_choice_in_the_cookie_beats_a_chinese_browser(
    client, settings, preferred_language_middleware
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "Log in" in response.content.decode()


@pytest.mark.django_db
def test_pages_outside_the_language_prefix_are_not_redirected(
    client, preferred_language_middleware
):
    response = client.get("/api/schema/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code != 302


@pytest.mark.django_db
def test_chinese_url_prefix_shows_chinese_login(client):
    response = client.get("/zh-hans/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


@pytest.mark.django_db
def test_language_switcher_sets_the_language_and_returns_to_the_page(client):
    response = client.post(
        reverse("set_language"), {"language": "zh-hans", "next": "/login/"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/zh-hans/login/"
    assert "登录" in response.content.decode()
    assert response.client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"


@pytest.mark.django_db
def test_every_page_has_the_switcher_and_mobile_viewport(client):
    html = client.get(reverse("login")).content.decode()
    assert 'name="viewport" content="width=device-width' in html
    assert f'action="{reverse("set_language")}"' in html
    assert 'value="zh-hans"' in html


def test_templates_load_nothing_from_the_internet():
    offenders = []
    pattern = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.IGNORECASE)
    for path in TEMPLATES_DIR.rglob("*.html"):
        if pattern.search(path.read_text()):
            offenders.append(str(path.relative_to(TEMPLATES_DIR)))
    assert offenders == []


def test_chartjs_is_vendored_with_its_licence():
    vendor = Path(settings.BASE_DIR) / "static" / "vendor" / "chartjs"
    assert (vendor / "chart.umd.min.js").stat().st_size > 100_000
    assert "MIT" in (vendor / "LICENSE.md").read_text()
    assert "Version:** 4." in (vendor / "README.md").read_text()


def _po_entries(text: str) -> list[tuple[str, str]]:
    """(msgid, first msgstr) pairs of a .po file, ignoring the header and obsolete entries."""
    entries = []
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        msgid, msgstr, current = [], [], None
        for line in lines:
            if line.startswith("msgid "):
                current = msgid
                line = line[len("msgid ") :]
            elif line.startswith(("msgstr ", "msgstr[0] ")):
                current = msgstr
                line = line.split(" ", 1)[1]
            elif line.startswith(("msgid_plural ", "msgstr[", "msgctxt ")):
                current = None
                continue
            if current is not None and line.startswith('"'):
                current.append(line[1:-1])
        if msgid:
            entries.append(("".join(msgid), "".join(msgstr)))
    return [(i, s) for i, s in entries if i]


def test_chinese_translation_is_complete_and_compiled():
    text = PO_FILE.read_text()
    entries = _po_entries(text)
    assert len(entries) > 300
    untranslated = [msgid for msgid, msgstr in entries if not msgstr]
    assert untranslated == []
    assert "#, fuzzy" not in text
    # The compiled catalogue is in step with the source: every entry is in the .mo.
    with PO_FILE.with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    catalog = compiled._catalog
    missing = [
        msgid
        for msgid, _msgstr in entries
        if _unescape(msgid) not in catalog and (_unescape(msgid), 0) not in catalog
    ]
    assert missing == []


def _unescape(value: str) -> str:
    return value.encode("latin-1", "backslashreplace").decode("unicode_escape")


@pytest.mark.slow
def test_every_text_in_the_code_and_templates_has_a_chinese_translation(tmp_path):
    """Extract the messages afresh and compare with the catalogue.

    A stale catalogue hides a missing msgid: ``makemessages`` fuzzy-matches it to a near
    neighbour, and ``{% blocktranslate %}`` with a literal ``%`` asks for ``%%`` in its msgid.
    Either way a Chinese page would show English, so every extracted msgid must be in the
    catalogue with a translation. And the other way: an entry no code or template uses any more
    is left over from an old wording and only misleads translators, so there must be none.
    """
    base = Path(settings.BASE_DIR)
    copy = tmp_path / "src"
    shutil.copytree(
        base,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", "var", "node_modules", ".git", "static", "bench", "docs", "__pycache__"
        ),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    extracted = {msgid for msgid, _ in _po_entries((copy / PO_FILE.relative_to(base)).read_text())}
    translated = {msgid for msgid, msgstr in _po_entries(PO_FILE.read_text()) if msgstr}
    assert sorted(extracted - translated) == []
    assert sorted(set(translated) - extracted) == []
