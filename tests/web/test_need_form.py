"""The request form, as a resident fills it in for themself and as a worker logs a need for
a resident: who its texts address, and where the services' own questions sit."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

LOGGED = "services:request_log"
ANONYMOUS = "services:request_log_anonymous"


def _page(client, user, url: str, language: str) -> str:
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    prefix = "/zh-hans" if language == "zh" else ""
    return client.get(prefix + url).content.decode()


# What the resident reads about their home, and what a worker reads about the resident's.
RESIDENT_WORDS = {
    "en": ["if not at your home address", "Leave it empty for your home", "Describe what you need"],
    "zh": ["如果问题不在您家中", "若需求在您家中", "请描述您的需求"],
}
WORKER_WORDS = {
    "en": [
        "if not at the resident&#x27;s home address",
        "Leave it empty for the resident&#x27;s home",
        "Describe the need",
    ],
    "zh": ["如果问题不在居民家中", "若需求在居民家中", "请描述居民的需求"],
}
SPEAKS_TO_THE_READER = {"en": ["your home"], "zh": ["您家", "您的需求"]}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_worker_logging_a_need_reads_of_the_residents_home_not_their_own(
    client, worker, resident_user, language
):
    for url in (
        reverse(LOGGED, args=[resident_user.resident_profile.pk]),
        reverse(ANONYMOUS),
    ):
        html = _page(client, worker, url, language)
        for words in WORKER_WORDS[language]:
            assert words in html, url
        for words in SPEAKS_TO_THE_READER[language]:
            assert words not in html, url


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_resident_reads_of_their_own_home(client, resident_user, language):
    html = _page(client, resident_user, reverse("services:request_submit"), language)
    for words in RESIDENT_WORDS[language]:
        assert words in html


def test_the_location_help_gives_the_distance_in_the_readers_language(
    client, worker, resident_user, settings
):
    settings.REQUEST_LOCATION_MAX_KM = 5
    html = _page(client, worker, reverse(ANONYMOUS), "zh")
    assert "位置须在社区 5 公里范围内" in html


@pytest.mark.parametrize("who", ["worker", "resident"])
def test_the_services_questions_come_right_after_the_service_select(
    client, worker, resident_user, who
):
    """Without JavaScript every service's questions are on the page (only the chosen one's
    answers are read): right after the service select, before the description and the map."""
    if who == "worker":
        url = reverse(LOGGED, args=[resident_user.resident_profile.pk])
        html = _page(client, worker, url, "en")
    else:
        html = _page(client, resident_user, reverse("services:request_submit"), "en")
    marks = re.findall(
        r'data-service-select|data-extra-for="\d+"|name="description"|id="location-picker"', html
    )
    assert marks[0] == "data-service-select"
    questions = [mark for mark in marks[1:] if mark.startswith("data-extra-for")]
    assert len(questions) >= 3  # road repair, school enrolment, elderly home care
    assert marks[1 : 1 + len(questions)] == questions
    assert marks[1 + len(questions) :] == ['name="description"', 'id="location-picker"']
