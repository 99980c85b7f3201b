"""A label ending in its colon is followed by what it labels as the reader's language does: a
space after an English colon, nothing after a Chinese full-width one."""

from __future__ import annotations

import pytest

from tests.pages import page_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "shown"), [("en", "Download this view: <a"), ("zh-hans", "下载此视图：<a")]
)
def test_the_queue_labels_its_downloads_in_the_readers_punctuation(client, worker, language, shown):
    assert shown in page_in(client, worker, "services:queue", language)


@pytest.mark.parametrize(
    ("language", "shown"),
    [("en", ["Requests you may see: <a"]), ("zh-hans", ["您可查看的诉求：<a", "）：<a"])],
)
def test_the_upload_page_labels_its_downloads_in_the_readers_punctuation(
    client, administrator, language, shown
):
    html = page_in(client, administrator, "bulk:upload", language)
    for text in shown:
        assert text in html
    assert "： <a" not in html


@pytest.mark.parametrize(
    ("name", "language", "shown"),
    [
        ("login", "en", "No account yet? <a"),
        ("login", "zh-hans", "还没有账户？<a"),
        ("signup", "en", "Already registered? <a"),
        ("signup", "zh-hans", "已经注册？<a"),
    ],
)
def test_the_login_and_signup_pages_ask_in_the_readers_punctuation(client, name, language, shown):
    from django.urls import reverse
    from django.utils import translation

    with translation.override(language):
        url = reverse(name)
    assert shown in client.get(url).content.decode()


def test_a_required_fields_mark_follows_a_chinese_question_mark_without_a_space():
    """The mark is set apart from its label by the style sheet, not a space: "满意吗？ *"
    read as a space after Chinese punctuation."""
    from django import forms
    from django.template.loader import render_to_string
    from django.utils import translation

    class Rating(forms.Form):
        rating = forms.ChoiceField(
            label="您对这次服务满意吗？", choices=[("5", "5")], widget=forms.RadioSelect
        )
        note = forms.CharField(label="备注：")

    form = Rating()
    with translation.override("zh-hans"):
        html = "".join(render_to_string("includes/field.html", {"field": f}) for f in form)
    assert '满意吗？<span class="required"' in html
    assert '备注：<span class="required"' in html
