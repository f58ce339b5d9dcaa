"""What may be written on a contact (or a company): each detail checked once, the error naming its field."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import TypeVar

from domain.channels import MAX_ADDRESS_LENGTH, Channel, ChannelAddress
from domain.text import InvalidText, TextKind, checked_text

MAX_NAME_LENGTH = 256
MAX_SOURCE_LENGTH = 256
MAX_LANGUAGE_LENGTH = 35  # the longest BCP 47 tag in practical use
MAX_REGION_LENGTH = 100
MAX_TAG_LENGTH = 64
MAX_TAGS = 50
MAX_CUSTOM_FIELDS = 50
MAX_CUSTOM_KEY_LENGTH = 64
MAX_CUSTOM_TEXT_LENGTH = 2_000
MAX_REASON_LENGTH = 1_000
# Integers beyond this lose precision in JavaScript, where consoles and reports read them.
MAX_SAFE_INTEGER = 2**53 - 1

T = TypeVar("T")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")
Scalar = str | int | float | bool
CustomValue = Scalar | None


def checked_name(value: object, field: str = "name") -> str:
    """A person's or a company's name: one line, not empty."""
    return checked_text(field, value, max_length=MAX_NAME_LENGTH, kind=TextKind.LINE).strip()


def checked_line(field: str, value: object, max_length: int) -> str:
    """An optional one-line detail (a source, a region, an industry); empty is allowed."""
    return checked_text(field, value, max_length=max_length, kind=TextKind.LINE, required=False).strip()


def checked_reason(field: str, value: object, *, required: bool) -> str:
    """Why someone did something (a merge, a lead marked junk): free text, maybe required."""
    return checked_text(field, value, max_length=MAX_REASON_LENGTH, kind=TextKind.TEXT, required=required).strip()


def checked_language(value: object) -> str:
    """A language tag as routing rules name it ("lv", "ru", "en-GB"); empty when unknown."""
    tag = checked_text("language", value, max_length=MAX_LANGUAGE_LENGTH, kind=TextKind.IDENTIFIER, required=False)
    if tag and not _LANGUAGE_TAG.fullmatch(tag):
        raise InvalidText("language", f"{tag!r} is not a language tag such as 'lv' or 'en-GB'")
    return tag


def checked_tags(values: object) -> list[str]:
    """Tags, each one line, sorted and without repeats."""
    if not isinstance(values, list | tuple | set | frozenset):
        raise InvalidText("tags", "must be a list of strings")
    tags = sorted({checked_line(f"tags[{n}]", tag, MAX_TAG_LENGTH) for n, tag in enumerate(values)} - {""})
    if len(tags) > MAX_TAGS:
        raise InvalidText("tags", f"may hold at most {MAX_TAGS} tags")
    return tags


def checked_custom_fields(changes: object, current: Mapping[str, Scalar]) -> dict[str, CustomValue]:
    """Changes to custom fields: a value sets one, None removes it; the result must stay within the limits."""
    if not isinstance(changes, Mapping):
        raise InvalidText("custom_fields", "must be an object of field names to values")
    checked: dict[str, CustomValue] = {}
    for key, value in changes.items():
        name = checked_text("custom_fields", key, max_length=MAX_CUSTOM_KEY_LENGTH, kind=TextKind.IDENTIFIER)
        if name.startswith("_"):
            # The event store marks the values it encodes with keys of that shape ("_type_", "_data_").
            raise InvalidText("custom_fields", f"'{name[:40]}': a field's name may not begin with '_'")
        checked[name] = _custom_value(f"custom_fields.{name}", value)
    kept = {k for k in current if checked.get(k, current[k]) is not None} | {
        k for k, v in checked.items() if v is not None
    }
    if len(kept) > MAX_CUSTOM_FIELDS:
        raise InvalidText("custom_fields", f"a contact may have at most {MAX_CUSTOM_FIELDS} custom fields")
    return checked


MESSENGERS = (Channel.TELEGRAM, Channel.VK, Channel.WEBCHAT)


def messenger_address(value: object, field: str = "messenger_id") -> ChannelAddress:
    """A messenger id written ``channel:value`` ("telegram:123456"), as that channel's connector writes it."""
    text = checked_text(field, value, max_length=MAX_ADDRESS_LENGTH, kind=TextKind.IDENTIFIER)
    channel, sep, rest = text.partition(":")
    known = {str(c) for c in MESSENGERS}
    if not sep or channel not in known:
        raise InvalidText(field, f"must be written channel:id with a channel of {sorted(known)}, as 'telegram:123'")
    checked_text(field, rest, max_length=MAX_ADDRESS_LENGTH, kind=TextKind.IDENTIFIER)
    return ChannelAddress(Channel(channel), rest)


def without_repeats(values: Iterable[T]) -> list[T]:
    """``values`` in their order, each once."""
    return list(dict.fromkeys(values))


def _custom_value(field: str, value: object) -> CustomValue:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise InvalidText(field, f"must be a whole number within ±{MAX_SAFE_INTEGER}")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidText(field, "must be a finite number")
        return value
    if isinstance(value, str):
        return checked_text(field, value, max_length=MAX_CUSTOM_TEXT_LENGTH, kind=TextKind.TEXT, required=False)
    raise InvalidText(field, "must be a string, a number, true, false or null (to remove it)")
