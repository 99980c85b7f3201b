"""The engine's English messages (the text an English command prints, the logs) give a range
with an en dash: "year 2020 is outside 2009–2018", never "2009-2018"."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import analytics.engine

ENGINE = Path(analytics.engine.__file__).parent
MESSAGE_CLASSES = {"EngineInputError", "EngineContractError", "InputProblem"}
# A figure or a formatted value, a hyphen, a figure or a formatted value.
HYPHEN_RANGE = re.compile(r"(\d|\{\})-(\d|\{\})")
# A month or a date an example gives (2024-01, 2024-01-15) is not a range.
DATE = re.compile(r"\b\d{4}-\d{2}(-\d{2})?\b")


def _template(node: ast.expr) -> str | None:
    """A message argument as text, each formatted value as ``{}``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) else "{}" for part in node.values
        )
    return None


def _messages() -> list[tuple[str, str]]:
    found = []
    for path in sorted(ENGINE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name in MESSAGE_CLASSES:
                text = _template(node.args[0])
                if text is not None:
                    found.append((f"{path.relative_to(ENGINE)}:{node.lineno}", text))
    return found


def test_the_engines_messages_give_ranges_with_an_en_dash():
    messages = _messages()
    assert len(messages) > 50
    hyphenated = [
        (where, text) for where, text in messages if HYPHEN_RANGE.search(DATE.sub("", text))
    ]
    assert hyphenated == []
