"""JSON from strangers, refused before parsing when it nests deeper than any message of ours.

Python's parser recurses once per level and stops at the interpreter's recursion limit with a
RecursionError, whose handling depends on how deep the caller's stack already is. Counting the
depth first makes the answer the same every time: ``TooDeep``, a ValueError naming the limit.

Python's parser also takes ``NaN``, ``Infinity`` and ``-Infinity``, which JSON has not: ``loads``
refuses them with a ValueError naming the word (``refuse_constant``, for callers of ``json.loads``).
"""

from __future__ import annotations

import json
import re
from typing import Any, NoReturn

MAX_DEPTH = 32  # our deepest message (a rules file, a mail's parts) nests under ten levels
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class TooDeep(ValueError):
    """The JSON nests deeper than ``MAX_DEPTH``."""


def depth(text: str) -> int:
    """How deep the arrays and objects of ``text`` nest (strings, whatever they hold, do not count)."""
    if text.count("[") + text.count("{") <= 1:
        return min(1, text.count("[") + text.count("{"))
    deepest = level = 0
    for bracket in _BRACKETS.findall(_STRING.sub("", text)):
        level += 1 if bracket in "[{" else -1
        deepest = max(deepest, level)
    return deepest


def loads(raw: str | bytes, *, max_depth: int = MAX_DEPTH, **options: Any) -> Any:  # noqa: ANN401 - any JSON
    """``json.loads`` for untrusted input; TooDeep past ``max_depth``, ValueError for what is not JSON."""
    text = raw.decode() if isinstance(raw, bytes | bytearray) else raw
    if text.count("[") + text.count("{") > max_depth and depth(text) > max_depth:
        msg = f"the JSON nests deeper than {max_depth} levels"
        raise TooDeep(msg)
    return json.loads(text, **{"parse_constant": refuse_constant, **options})


def refuse_constant(name: str) -> NoReturn:
    """For ``parse_constant``: a ValueError, as ``NaN``, ``Infinity`` and ``-Infinity`` are no JSON numbers."""
    msg = f"{name} is not a JSON number"
    raise ValueError(msg)
