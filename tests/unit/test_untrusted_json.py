"""What connectors read from channels, webhooks and visitors is parsed by ``domain.json_input.loads`` only:
one place refuses NaN and Infinity and JSON nested past a depth, the same way on every surface."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from connectors.calls.endpoint import MAX_JSON_DEPTH
from connectors.vk.callback import MAX_DEPTH
from domain import json_input

CONNECTORS = Path(__file__).parents[2] / "connectors"


def other_parsers(source: Path) -> list[str]:
    """Each call in ``source`` that parses JSON past ``json_input``: ``json.loads``, ``orjson.loads``, ``x.json()``."""
    found = []
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value.id if isinstance(node.func.value, ast.Name) else ""
        if (node.func.attr == "loads" and owner in {"json", "orjson", "ujson"}) or node.func.attr == "json":
            found.append(f"{source.relative_to(CONNECTORS.parent)}:{node.lineno}")
    return found


def test_no_connector_parses_json_but_through_json_input() -> None:
    assert [where for source in sorted(CONNECTORS.rglob("*.py")) for where in other_parsers(source)] == []


@pytest.mark.parametrize("text", ['{"a": NaN}', '{"a": -Infinity}', "[" * 200 + "]" * 200])
def test_what_json_input_refuses_is_refused_at_each_webhook_depth(text: str) -> None:
    for depth in (json_input.MAX_DEPTH, MAX_DEPTH, MAX_JSON_DEPTH):
        with pytest.raises(ValueError, match=r"not a JSON number|nests deeper"):
            json_input.loads(text, max_depth=depth)
