"""Families of hostile values for a text field, and which kinds of field must accept each.

One list serves every surface: a widget frame's ``id``, an operator's reply, a login's email, a
mail's subject. Each value says in which kinds of field (domain.text.TextKind) it is acceptable;
everywhere else it must be refused with an error that names the field.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from domain.text import TextKind

ALL_KINDS = frozenset(TextKind)
NONE: frozenset[TextKind] = frozenset()
# Long enough to be over every frame and body limit of the contract, whatever their exact size.
HUGE_CHARS = 4_000_000


@dataclass(frozen=True)
class Value:
    """One hostile (or oddly valid) value for a field, in a named family."""

    family: str
    name: str
    value: object
    valid_in: frozenset[TextKind] = NONE
    huge: bool = False

    def valid_for(self, kind: TextKind) -> bool:
        """Whether a field of ``kind`` must accept this value."""
        return kind in self.valid_in


def _control_name(code: int) -> str:
    return f"U+{code:04X}"


def control_characters() -> list[Value]:
    """Every C0 control, DEL and every C1 control, inside otherwise ordinary text."""
    # Free text keeps tab, line breaks and C1 controls (the shared text rule); lines and ids keep none.
    allowed_in_text = {0x09, 0x0A, 0x0D, *range(0x80, 0xA0)}
    values = []
    for code in [*range(0x01, 0x20), 0x7F, *range(0x80, 0xA0)]:
        family = "c0_control" if code < 0x20 else ("c1_control" if code >= 0x80 else "del")
        valid = frozenset({TextKind.TEXT}) if code in allowed_in_text else NONE
        values.append(Value(family, _control_name(code), f"ab{chr(code)}cd", valid))
    return values


def broken_characters() -> list[Value]:
    """NUL and lone surrogates: what PostgreSQL and UTF-8 cannot hold at all."""
    return [
        Value("nul", "nul_inside", "a\x00b"),
        Value("nul", "nul_only", "\x00"),
        Value("nul", "nul_at_end", "abc\x00"),
        Value("lone_surrogate", "high_inside", "a\ud800b"),
        Value("lone_surrogate", "low_inside", "a\udc00b"),
        Value("lone_surrogate", "high_at_end", "abc\udbff"),
        Value("lone_surrogate", "reversed_pair", "\udc00\ud800"),
        Value("lone_surrogate", "high_only", "\ud83d"),
    ]


def empty_values() -> list[Value]:
    """Nothing, or only blanks: a required field is missing."""
    return [
        Value("empty", "empty", ""),
        Value("empty", "space", " "),
        Value("empty", "blanks_and_breaks", " \t\r\n "),
        Value("empty", "ideographic_space", "\u3000"),
    ]


def blank_edges() -> list[Value]:
    """Blanks around a value: fine in a line of text, not in an identifier."""
    line_or_text = frozenset({TextKind.LINE, TextKind.TEXT})
    return [
        Value("blank_edges", "leading_space", " abc", line_or_text),
        Value("blank_edges", "trailing_space", "abc ", line_or_text),
    ]


def wrong_types() -> list[Value]:
    """JSON values that are not strings."""
    return [
        Value("wrong_type", "null", None),
        Value("wrong_type", "true", True),
        Value("wrong_type", "false", False),
        Value("wrong_type", "zero", 0),
        Value("wrong_type", "negative", -1),
        Value("wrong_type", "float", 1.5),
        Value("wrong_type", "huge_integer", 10**4000),
        Value("wrong_type", "huge_float", 1e308),
        Value("wrong_type", "empty_list", []),
        Value("wrong_type", "list", ["abc"]),
        Value("wrong_type", "empty_object", {}),
        Value("wrong_type", "object", {"abc": "def"}),
    ]


def valid_oddities() -> list[Value]:
    """Unusual text that is valid Unicode and must be accepted as it is."""
    oddities = {
        "arabic_rtl": "مرحبا بكم",
        "hebrew_rtl": "שלום עולם",
        "rtl_override": "abc\u202edcb",
        "zero_width_joiner_family": "\U0001f468\u200d\U0001f469\u200d\U0001f467",
        "emoji": "\U0001f600\U0001f680",
        "flag": "\U0001f1f1\U0001f1fb",
        "combining_marks": unicodedata.normalize("NFD", "Ŗīga ārā"),
        "zero_width_space": "a\u200bb",
        "byte_order_mark": "\ufeffabc",
        "cjk": "你好世界",
        "astral_math": "\U0001d518\U0001d52b\U0001d526",
        "replacement_character": "a\ufffdb",
        "line_separator": "a\u2028b",
    }
    # What hides or reverses text is valid Unicode, and refused only in a name (domain/text.py, NAME).
    not_in_names = {"rtl_override", "zero_width_space", "byte_order_mark"}
    return [
        Value("valid_unicode", name, text, ALL_KINDS - {TextKind.NAME} if name in not_in_names else ALL_KINDS)
        for name, text in oddities.items()
    ]


def huge_values() -> list[Value]:
    """A string over every frame and body limit."""
    return [Value("huge", "four_million_chars", "A" * HUGE_CHARS, huge=True)]


def hostile_values() -> list[Value]:
    """Every family, in a stable order."""
    return [
        *broken_characters(),
        *control_characters(),
        *empty_values(),
        *blank_edges(),
        *wrong_types(),
        *valid_oddities(),
        *huge_values(),
    ]
