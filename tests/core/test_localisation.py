"""Text put together in the reader's language (core.localisation)."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import gettext_lazy

from core.localisation import choices_with_codes, join_list, join_sentences, labelled


@pytest.mark.parametrize(
    ("language", "sentences", "joined"),
    [
        ("en", ("It is sent.", "It is read."), "It is sent. It is read."),
        ("zh-hans", ("已发送。", "已阅读。"), "已发送。已阅读。"),
        ("en", ("It is sent.", "", "It is read."), "It is sent. It is read."),
        ("zh-hans", ("", "已发送。"), "已发送。"),
        ("en", ("It is sent.",), "It is sent."),
        ("en", (), ""),
    ],
)
def test_sentences_are_joined_as_the_language_joins_them(language, sentences, joined):
    with translation.override(language):
        assert join_sentences(*sentences) == joined


@pytest.mark.parametrize(
    ("language", "joined"), [("en", "已发送。 已阅读。"), ("zh-hans", "已发送。已阅读。")]
)
def test_templates_join_sentences_by_the_same_rule(language, joined):
    template = Template("{% load localised %}已发送。{% sentence_gap %}已阅读。")
    with translation.override(language):
        assert template.render(Context()) == joined


@pytest.mark.parametrize(
    ("language", "label", "text", "shown"),
    [
        ("en", "Urgency", "Not a choice.", "Urgency: Not a choice."),
        ("zh-hans", "紧急程度", "无效选项。", "紧急程度：无效选项。"),
    ],
)
def test_a_text_is_labelled_with_the_languages_colon(language, label, text, shown):
    with translation.override(language):
        assert labelled(label, text) == shown


@pytest.mark.parametrize(
    ("language", "shown"), [("en", "南京市 (320100)"), ("zh-hans", "南京市（320100）")]
)
@pytest.mark.django_db
def test_a_city_to_analyse_has_its_code_in_the_languages_brackets(language, shown):
    from analytics import partitions
    from tests.factories import CommunityFactory

    city = CommunityFactory().city
    assert (city.name, city.adcode) == ("南京市", "320100")
    with translation.override(language):
        assert partitions.choices(None) == [("320100", shown)]


@pytest.mark.parametrize(
    ("language", "shown"), [("en", "“Accept”, “Reject”"), ("zh-hans", "“受理”、“驳回”")]
)
def test_a_list_in_a_sentence_is_separated_as_the_language_separates_it(language, shown):
    with translation.override(language):
        items = [f"“{translation.gettext(verb)}”" for verb in ("Accept", "Reject")]
        assert join_list(items) == shown


@pytest.mark.parametrize(
    ("language", "listed"),
    [
        ("en", "Hotline (hotline), Open311 client (open311), manual"),
        ("zh-hans", "热线（hotline）、Open311 客户端（open311）、manual"),
    ],
)
def test_choices_are_listed_by_label_with_the_code_to_send(language, listed):
    choices = [("hotline", gettext_lazy("Hotline")), ("open311", gettext_lazy("Open311 client"))]
    with translation.override(language):
        # A choice labelled by its own code is named once.
        assert choices_with_codes([*choices, ("manual", "manual")]) == listed
