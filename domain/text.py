"""The one rule for text that crosses a boundary into Switchboard.

Every string a customer, an operator or a channel hands us (ids included) is
checked here once, at the edge, before anything is stored or published. What
passes can be encoded as UTF-8, stored in PostgreSQL and shown in a browser:
no NUL, no lone surrogate, and no control characters but the line breaks and
tabs that free text may hold.
"""

from __future__ import annotations

import enum
import re

from domain.errors import DomainError


class TextKind(enum.Enum):
    """What a field holds, which decides the characters it may contain."""

    # An id a channel or a client chose: one line, no control characters, no surrounding blanks.
    IDENTIFIER = "identifier"
    # A name, a subject, a title: one line, no control characters.
    LINE = "line"
    # A message body or a comment: line breaks and tabs allowed, other control characters not.
    TEXT = "text"
    # A person's name: one line, and nothing that changes how the text around it reads (bidi overrides,
    # embeddings, isolates, direction marks) or cannot be seen (zero-width spaces, word joiner, BOM).
    # Zero-width (non-)joiners are kept inside a word, where Persian, Indic scripts and emoji need them.
    NAME = "name"


class InvalidText(DomainError, ValueError):
    """A field's text breaks the rule; ``field`` names it and the message says why."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"'{field}' {problem}")
        self.field = field
        self.problem = problem


_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 controls, DEL and C1 controls; free text may keep tab, line feed and carriage return.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HIDDEN = "\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_JOINERS = "\u200c\u200d"
# Hidden characters, and a joiner that joins nothing: at an edge, beside a blank or another joiner.
_NOT_IN_NAMES = re.compile(f"[{_HIDDEN}]|(?:^|(?<=[\\s{_JOINERS}]))[{_JOINERS}]|[{_JOINERS}](?=[\\s{_JOINERS}]|$)")


def checked_text(field: str, value: object, *, max_length: int, kind: TextKind, required: bool = True) -> str:
    """``value`` itself when it is acceptable text for ``field``; otherwise InvalidText saying why."""
    if not isinstance(value, str):
        raise InvalidText(field, f"must be a string, not {_json_type(value)}")
    if required and not value.strip():
        raise InvalidText(field, "must not be empty")
    if len(value) > max_length:
        raise InvalidText(field, f"is longer than {max_length} characters")
    if _SURROGATE.search(value):
        raise InvalidText(field, "contains a lone surrogate, which is not a character")
    if "\x00" in value:
        raise InvalidText(field, "must not contain NUL characters")
    control = (_CONTROL_IN_TEXT if kind is TextKind.TEXT else _CONTROL).search(value)
    if control:
        raise InvalidText(field, f"must not contain the control character U+{ord(control.group()):04X}")
    if kind is TextKind.IDENTIFIER and value != value.strip():
        raise InvalidText(field, "must not start or end with blanks")
    hidden = _NOT_IN_NAMES.search(value) if kind is TextKind.NAME else None
    if hidden:
        raise InvalidText(field, f"must not contain the invisible or direction-changing U+{ord(hidden.group()):04X}")
    return value


def is_clean(value: str, kind: TextKind = TextKind.TEXT) -> bool:
    """Whether ``value`` holds only characters ``kind`` allows (any length, empty allowed)."""
    pattern = _CONTROL_IN_TEXT if kind is TextKind.TEXT else _CONTROL
    hidden = kind is TextKind.NAME and _NOT_IN_NAMES.search(value)
    return not (_SURROGATE.search(value) or pattern.search(value) or hidden)


def marked_name(value: str) -> str:
    """A name a channel brought, with what a NAME may not hold written out visibly (``<U+202E>``).

    A customer's display name is theirs: it is kept, but nothing in it may hide or reverse text.
    """
    return _NOT_IN_NAMES.sub(lambda found: f"<U+{ord(found.group()):04X}>", value)


def _json_type(value: object) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", list: "a list", dict: "an object"}
    return "null" if value is None else names.get(type(value), type(value).__name__)
