"""The one text rule at the edge: what any field crossing a boundary may hold."""

from __future__ import annotations

import pytest

from domain.text import InvalidText, TextKind, checked_text, is_clean, marked_name


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


# Names: what changes how the text around it reads, or cannot be seen, has no place in a name.

DIRECTION_AND_INVISIBLE = [
    "\u202e",  # RIGHT-TO-LEFT OVERRIDE: "Anna\u202egnp.exe" reads as "Annaexe.png"
    "\u202d",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u2066",  # isolates
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",  # directional marks
    "\u200f",
    "\u061c",
    "\u200b",  # zero width space
    "\u2060",  # word joiner
    "\ufeff",  # byte order mark
]


@pytest.mark.parametrize("character", DIRECTION_AND_INVISIBLE)
def test_names_refuse_direction_overrides_and_invisible_characters(character: str) -> None:
    value = f"Anna{character}Petrova"
    with pytest.raises(InvalidText) as refused:
        checked_text("name", value, max_length=100, kind=TextKind.NAME)
    assert refused.value.field == "name"
    assert f"U+{ord(character):04X}" in str(refused.value)
    assert not is_clean(value, TextKind.NAME)
    # Elsewhere they are text like any other: a message may quote them.
    assert checked_text("text", value, max_length=100, kind=TextKind.TEXT) == value


@pytest.mark.parametrize(
    "name",
    [
        "Zoë Ångström",
        "Анна Петрова",
        "محمد",
        "שרה כהן",
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # a Persian word with its zero-width non-joiner
        "👨\u200d👩\u200d👧 family",  # an emoji joined by zero-width joiners
    ],
)
def test_names_in_any_script_pass(name: str) -> None:
    assert checked_text("name", name, max_length=100, kind=TextKind.NAME) == name
    assert is_clean(name, TextKind.NAME)


@pytest.mark.parametrize("name", ["\u200dAnna", "Anna\u200c", "Anna \u200d Petrova", "An\u200c\u200cna"])
def test_a_joiner_outside_a_word_is_refused(name: str) -> None:
    with pytest.raises(InvalidText, match=r"U\+200[CD]"):
        checked_text("name", name, max_length=100, kind=TextKind.NAME)


def test_names_are_one_line() -> None:
    with pytest.raises(InvalidText, match=r"U\+000A"):
        checked_text("name", "Anna\nPetrova", max_length=100, kind=TextKind.NAME)


def test_a_name_a_channel_brings_is_kept_with_what_it_hid_shown() -> None:
    assert marked_name("Anna\u202egnp.exe") == "Anna<U+202E>gnp.exe"
    assert marked_name("\u200bBoris\ufeff") == "<U+200B>Boris<U+FEFF>"
    assert marked_name("Zoë") == "Zoë"
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    assert marked_name(persian) == persian
    assert is_clean(marked_name("x\u2066y\u200d"), TextKind.NAME)
