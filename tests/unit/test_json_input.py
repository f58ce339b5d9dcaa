"""Untrusted JSON: refused by its depth before the parser recurses, the same way every time."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.json_input import MAX_DEPTH, TooDeep, depth, loads, refuse_constant

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=30,
)


def nested(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


@given(values)
def test_whatever_json_we_would_accept_parses_as_json_does(value: object) -> None:
    text = json.dumps(value)
    assert loads(text) == json.loads(text)


def test_depth_counts_brackets_outside_strings_only() -> None:
    assert depth('{"a": [1, {"b": "[[[[{{{{"}]}') == 3
    assert depth('"{{{{"') == 0
    assert depth('{"a\\"{[": 1}') == 1
    assert depth("[]") == 1


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 5_000, 200_000])
def test_json_deeper_than_the_limit_is_refused_before_parsing(levels: int) -> None:
    with pytest.raises(TooDeep, match=f"deeper than {MAX_DEPTH}"):
        loads(nested(levels))
    with pytest.raises(TooDeep):
        loads("[" * levels)  # not even valid JSON: its depth is found first


def test_json_at_the_limit_parses() -> None:
    assert loads(nested(MAX_DEPTH)) == json.loads(nested(MAX_DEPTH))


def test_bytes_that_are_not_utf8_are_a_value_error() -> None:
    with pytest.raises(ValueError, match="utf-8"):
        loads(b"\xff\xfe{}")


@pytest.mark.parametrize("word", ["NaN", "Infinity", "-Infinity"])
def test_numbers_json_does_not_have_are_refused_by_name(word: str) -> None:
    with pytest.raises(ValueError, match=f"^{word} is not a JSON number$"):
        loads(f'{{"amount": {word}}}')  # refused without being asked
    with pytest.raises(ValueError, match=f"^{word} is not a JSON number$"):
        json.loads(f"[{word}]", parse_constant=refuse_constant)
