"""Django's own form errors, shown on our pages, read as our Chinese does: our catalogue
overrides Django's Chinese where it puts an ASCII space after a full-width stop or colon
(``core.localisation.DJANGO_MESSAGES_REPUNCTUATED``)."""

from __future__ import annotations

import gettext
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from core.localisation import DJANGO_LENGTH_MESSAGES, DJANGO_MESSAGES_REPUNCTUATED

pytestmark = pytest.mark.django_db

SPACED = ("。 ", "： ", "； ", "， ")


def _post(client, name: str, language: str, data: dict) -> str:
    with translation.override(language):
        url = reverse(name)
    response = client.post(url, data)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Select a valid choice. That choice is not one of the available choices."),
        ("zh-hans", "选择一个有效的选项。该选择不在可用的选项中。"),
    ],
)
def test_a_made_up_choice_is_refused_without_repeating_it(client, worker, language, message):
    """Django's own message read "Select a valid choice. made-up-kind is not one of the
    available choices.": what an altered page sent, shown back (``core.forms``)."""
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    page = _post(client, "resident_find", language, {"kind": "made-up-kind", "value": "123"})
    assert message in page
    assert "made-up-kind" not in page
    assert "。 " not in page


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Select a valid choice. That choice is not one of the available choices."),
        ("zh-hans", "选择一个有效的选项。该选择不在可用的选项中。"),
    ],
)
def test_a_made_up_canned_reply_is_refused_without_repeating_it(
    client, worker, community, make_request, language, message
):
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    item = make_request(community=community)
    with translation.override(language):
        url = reverse("services:request_reply_add", args=[item.pk])
    response = client.post(url, {"canned": "made-up-reply", "text": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "made-up-reply" not in page


def test_an_invalid_community_is_reported_without_a_space_after_the_chinese_colon(client):
    data = {"username": "newresident", "community": "999999"}
    english = _post(client, "signup", "en", data)
    assert "Select a valid choice. That choice is not one of the available choices." in english

    chinese = _post(client, "signup", "zh-hans", data)
    assert "选择一个有效的选项。该选择不在可用的选项中。" in chinese
    assert "： " not in chinese and "。 " not in chinese


def test_each_message_is_djangos_spaced_one_and_ours_is_not_spaced():
    """Each text is exactly Django's (else ours would not override it), Django's Chinese of it
    has the spaced punctuation, and ours has none."""
    django_root = Path(django.__file__).parent
    djangos = gettext.translation("django", django_root / "conf" / "locale", ["zh_Hans"])
    djangos.add_fallback(
        gettext.translation("django", django_root / "contrib" / "admin" / "locale", ["zh_Hans"])
    )
    ours = gettext.translation("django", settings.LOCALE_PATHS[0], ["zh_Hans"])
    for message in DJANGO_MESSAGES_REPUNCTUATED:
        assert any(spaced in djangos.gettext(message) for spaced in SPACED), message
        assert ours.gettext(message) != message
        assert not any(spaced in ours.gettext(message) for spaced in SPACED), message


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Ensure this value has at most 2000 characters (it has 2001)."),
        ("zh-hans", "最多 2000 个字符（现有 2001 个）。"),
    ],
)
def test_a_text_over_its_length_is_refused_as_our_own_limits_are_worded(
    client, worker, community, make_request, language, message
):
    # Django's Chinese read "确保该变量包含不超过 2000 字符 (目前字符数 2001)。": "this
    # variable", and an ASCII bracket after a space.
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    item = make_request(community=community)
    with translation.override(language):
        url = reverse("services:request_note_add", args=[item.pk])
    response = client.post(url, {"text": "x" * 2001})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_each_length_message_is_djangos():
    """In English (no catalogue) a text reads as its msgids: ours read as Django's validators'
    for one character and for several, so ours override them."""
    from django.core.validators import MaxLengthValidator, MinLengthValidator

    def read(message, limit):
        return message % {"limit_value": limit, "show_value": limit + 1}

    with translation.override("en"):
        for limit in (1, 2):
            ours = {read(message, limit) for message in DJANGO_LENGTH_MESSAGES}
            djangos = {read(v.message, limit) for v in (MaxLengthValidator, MinLengthValidator)}
            assert ours == djangos
