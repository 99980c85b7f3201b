"""The wording module stands without Django and words in the language it is given."""

from __future__ import annotations

import subprocess
import sys

import pytest

from analytics import wording

CAVEAT = [{"code": "association_not_causal", "communities": 6}]


@pytest.mark.slow  # starts Python in a subprocess
def test_it_imports_and_words_without_django():
    code = (
        "import sys\n"
        "from analytics import wording\n"
        "with wording.language('zh-hans'):\n"
        "    up = wording.direction_text(code='up')\n"
        "assert up != 'up', up\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework')]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_language_given_wins_over_the_source():
    wording.use_language_source(lambda: "zh-hans")
    try:
        chinese = wording.what_if_caveat_text(parts=CAVEAT)
        with wording.language("en"):
            english = wording.what_if_caveat_text(parts=CAVEAT)
    finally:
        from django.utils.translation import get_language

        wording.use_language_source(get_language)
    assert english.startswith("An association learnt across 6 communities")
    assert "6" in chinese and chinese != english


def test_a_language_without_a_catalogue_is_worded_in_english():
    with wording.language("fr"):
        assert wording.direction_text(code="up") == "up"
