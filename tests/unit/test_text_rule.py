"""The one text rule at the edge: what any field crossing a boundary may hold."""

from __future__ import annotations

import pytest

from domain.text import InvalidText, TextKind, checked_text, is_clean


@pytest.mark.parametrize("kind", list(TextKind))
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("a\x00b", "NUL"),
        ("\ud800", "surrogate"),
        ("x\udfffy", "surrogate"),
        ("", "empty"),
        ("   ", "empty"),
        (None, "not null"),
        (42, "not a number"),
        (["x"], "not a list"),
        ("a\x1bb", "U+001B"),
        ("a\x7fb", "U+007F"),
    ],
)
def test_refused_in_every_kind(kind: TextKind, value: object, problem: str) -> None:
    with pytest.raises(InvalidText) as refused:
        checked_text("id", value, max_length=10, kind=kind)
    assert refused.value.field == "id"
    assert problem in str(refused.value)


def test_length_is_counted_in_characters() -> None:
    assert checked_text("text", "ü" * 10, max_length=10, kind=TextKind.TEXT) == "ü" * 10
    with pytest.raises(InvalidText, match="longer than 10"):
        checked_text("text", "ü" * 11, max_length=10, kind=TextKind.TEXT)


def test_line_breaks_only_in_free_text() -> None:
    assert checked_text("text", "one\r\ntwo\tthree", max_length=100, kind=TextKind.TEXT)
    for kind in (TextKind.LINE, TextKind.IDENTIFIER):
        with pytest.raises(InvalidText, match=r"U\+000A"):
            checked_text("subject", "one\ntwo", max_length=100, kind=kind)


def test_identifiers_have_no_surrounding_blanks() -> None:
    with pytest.raises(InvalidText, match="blanks"):
        checked_text("id", " a", max_length=10, kind=TextKind.IDENTIFIER)
    assert checked_text("name", " a", max_length=10, kind=TextKind.LINE) == " a"


def test_optional_field_may_be_empty() -> None:
    assert checked_text("subject", "", max_length=10, kind=TextKind.LINE, required=False) == ""


def test_any_script_and_emoji_pass() -> None:
    value = "Привет, 你好, שלום, 👋🏽"
    assert checked_text("text", value, max_length=100, kind=TextKind.TEXT) == value
    assert is_clean(value)
    assert not is_clean("a\x00")
