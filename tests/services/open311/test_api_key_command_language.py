"""``open311_key`` speaks the operator's language: its refusals and the lines before the key
in Chinese, the key itself still alone on the last line; its English as it was."""

from __future__ import annotations

import pytest

from residents.models import User
from services.open311.queries import active_api_key
from tests.commands import command_in, english_words, refusal_in
from tests.services.open311.factories import UserFactory

ARGS = ("--user", "synthetic-worker", "--organisation", "Synthetic Helpers")


def test_the_key_is_issued_in_chinese_and_alone_on_the_last_line(worker):
    out, _err = command_in("zh-hans", "open311_key", *ARGS, "--community", "SYN-S")
    first, second, key = out.splitlines()
    api_key = active_api_key(key)
    assert first == (
        f"已为 Synthetic Helpers 签发 Open311 API 密钥 {api_key.prefix}…"
        "（所有者：synthetic-worker，默认社区：SYN-S）。"
    )
    assert second == "请立即保存：它不会再次显示。密钥在下一行。"
    names = {"Open311", "API", "Synthetic", "Helpers", "synthetic-worker", "SYN-S"}
    assert not english_words(f"{first}\n{second}", allowed=names, quoted=[api_key.prefix])


def test_without_a_community_the_english_line_is_as_it_was(worker):
    out, _err = command_in("en", "open311_key", "--user", "synthetic-worker")
    first, second, key = out.splitlines()
    prefix = active_api_key(key).prefix
    assert first == (
        f"Issued Open311 API key {prefix}… for synthetic-worker (owner: synthetic-worker)."
    )
    assert second == "Store it now: it is not shown again. The key is on the next line."
    out, _err = command_in("zh-hans", "open311_key", "--user", "synthetic-worker")
    prefix = active_api_key(out.splitlines()[-1]).prefix
    assert out.splitlines()[0] == (
        f"已为 synthetic-worker 签发 Open311 API 密钥 {prefix}…（所有者：synthetic-worker）。"
    )


@pytest.mark.parametrize(
    ("args", "chinese"),
    [
        (["--user", "nobody"], "没有名为“nobody”的账户。"),
        (["--user", "synthetic-gone"], "账户“synthetic-gone”已停用。"),
        (["--user", "synthetic-worker", "--community", "NOPE"], "没有代码为“NOPE”的社区。"),
    ],
)
def test_a_refusal_is_chinese(worker, args, chinese):
    UserFactory(username="synthetic-gone", role=User.Role.WORKER, is_active=False)
    assert refusal_in("zh-hans", "open311_key", *args)[0] == chinese


def test_a_resident_is_refused_in_chinese(worker):
    UserFactory(username="synthetic-resident", role=User.Role.RESIDENT)
    message, _err = refusal_in("zh-hans", "open311_key", "--user", "synthetic-resident")
    assert message and not english_words(message, allowed={"Open311", "API"}), message
