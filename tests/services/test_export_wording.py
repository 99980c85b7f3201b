"""An export refused for its filters names each filter and its problem in the reader's
language, with a full-width colon after the filter's name in Chinese."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.utils import translation

from services import exports
from tests.factories import make_world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_bad_export_filters_are_named_with_the_languages_punctuation(language):
    world = make_world()
    with translation.override(language), pytest.raises(exports.ExportFiltersInvalid) as refused:
        exports.requests_frame(
            user=world.admin, params=QueryDict("urgency=whenever&created_after=last+week")
        )
    assert len(refused.value.messages) == 2
    for message in refused.value.messages:
        if language == "en":
            assert ": " in message
        else:
            assert "：" in message and ": " not in message
