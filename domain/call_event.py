"""What a telephone line tells of a call, as ingest hands it to the router.

This is the published language of the ``calls`` topic: one record per thing that happened to a
call (it started, an employee answered, it ended, it was missed, its recording is ready), from
whichever provider's format ingest read it. Numbers are in E.164. The same fact may arrive twice
and facts may arrive out of order; the router records each (call, kind) once.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from domain.errors import DomainError
from domain.phones import is_e164
from domain.text import InvalidText, TextKind, checked_text

E = TypeVar("E", bound=enum.StrEnum)
MAX_CALL_ID_LENGTH = 128
MAX_URL_LENGTH = 2000
MAX_DURATION_SECONDS = 7 * 24 * 3600
# Ids, extensions and dispositions are machine words: a narrow alphabet keeps markup and spoofing out.
_CALL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")
_LINE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_EXTENSION = re.compile(r"^[A-Za-z0-9*#+._-]{1,32}$")
_DISPOSITION = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
_URL_UNSAFE = re.compile(r"[\s<>\"'`\\]")


class InvalidCallEvent(DomainError, ValueError):
    """A call event is malformed; ``field`` names the field at fault and the message says why."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"'{field}' {problem}")
        self.field = field


class CallEventKind(enum.StrEnum):
    """What happened to the call."""

    STARTED = "started"
    ANSWERED = "answered"
    ENDED = "ended"
    MISSED = "missed"
    RECORDING = "recording"


class CallDirection(enum.StrEnum):
    """Who called whom: a customer us, or we a customer."""

    INCOMING = "incoming"
    OUTGOING = "outgoing"


@dataclass(frozen=True)
class CallEvent:
    """One fact about one call on one line.

    ``caller`` and ``callee`` are the call's two ends; the customer is the caller of an incoming
    call and the callee of an outgoing one, and must be a phone number. Our own end may be an
    extension. A recording event may come without direction or numbers (a provider's recording
    callback names only the call).
    """

    line: str
    call_id: str
    kind: CallEventKind
    occurred_at: datetime
    direction: CallDirection | None = None
    caller: str = ""
    callee: str = ""
    extension: str = ""
    duration_seconds: int | None = None
    disposition: str = ""
    recording_url: str = ""
    recording_seconds: int | None = None

    def __post_init__(self) -> None:
        _matching("line", self.line, _LINE, "letters, digits, '_' and '-'")
        _matching("call_id", self.call_id, _CALL_ID, "letters, digits and . _ : @ -")
        if self.occurred_at.utcoffset() is None:
            raise InvalidCallEvent("at", "must be a time with its zone")
        self._check_ends()
        self._check_details()

    def _check_ends(self) -> None:
        if self.kind is not CallEventKind.RECORDING and self.direction is None:
            raise InvalidCallEvent("direction", "must be incoming or outgoing")
        if self.direction is not None:
            customer = "from" if self.direction is CallDirection.INCOMING else "to"
            if not is_e164(self.customer):
                raise InvalidCallEvent(customer, f"must be the customer's phone number in E.164, not {self.customer!r}")
        for name, value in (("from", self.caller), ("to", self.callee)):
            if value:
                _matching(name, value, _EXTENSION, "a phone number or an extension")

    def _check_details(self) -> None:
        if self.extension:
            _matching("extension", self.extension, _EXTENSION, "letters, digits and * # + . _ -")
        if self.disposition:
            _matching("disposition", self.disposition, _DISPOSITION, "a word in lower case (answered, busy, ...)")
        for name, seconds in (("duration", self.duration_seconds), ("recording_duration", self.recording_seconds)):
            if seconds is not None and not 0 <= seconds <= MAX_DURATION_SECONDS:
                raise InvalidCallEvent(name, f"must be whole seconds from 0 to {MAX_DURATION_SECONDS}")
        if self.kind is CallEventKind.RECORDING:
            recording_url(self.recording_url)
        elif self.recording_url:
            raise InvalidCallEvent("recording_url", "comes only with a recording event")

    @property
    def customer(self) -> str:
        """The customer's number: who called us, or whom we called; empty when the event does not say."""
        if self.direction is None:
            return ""
        return self.caller if self.direction is CallDirection.INCOMING else self.callee

    @property
    def our_end(self) -> str:
        """Our end of the call: the number or extension called, or that called; empty when not said."""
        if self.direction is None:
            return ""
        return self.callee if self.direction is CallDirection.INCOMING else self.caller

    @property
    def key(self) -> str:
        """The record's key: one call's events stay in one partition, in order."""
        return f"{self.line}/{self.call_id}"

    def to_dict(self) -> dict[str, Any]:
        """The event as JSON-ready data; empty fields are left out."""
        data: dict[str, Any] = {
            "line": self.line,
            "call_id": self.call_id,
            "kind": self.kind.value,
            "occurred_at": self.occurred_at.isoformat(),
        }
        optional = {
            "direction": self.direction.value if self.direction else None,
            "caller": self.caller,
            "callee": self.callee,
            "extension": self.extension,
            "duration_seconds": self.duration_seconds,
            "disposition": self.disposition,
            "recording_url": self.recording_url,
            "recording_seconds": self.recording_seconds,
        }
        data.update({k: v for k, v in optional.items() if v not in (None, "")})
        return data

    @classmethod
    def from_dict(cls, data: object) -> CallEvent:
        """An event from JSON data, or InvalidCallEvent naming the field at fault."""
        if not isinstance(data, dict):
            raise InvalidCallEvent("event", "must be a JSON object")
        kind = one_of(CallEventKind, data.get("kind"), "kind")
        direction = one_of(CallDirection, data["direction"], "direction") if "direction" in data else None
        at = data.get("occurred_at")
        try:
            occurred_at = datetime.fromisoformat(at) if isinstance(at, str) else None
        except ValueError:
            occurred_at = None
        if occurred_at is None:
            raise InvalidCallEvent("occurred_at", "must be an ISO 8601 time")
        return cls(
            line=string_field(data, "line"),
            call_id=string_field(data, "call_id"),
            kind=kind,
            occurred_at=occurred_at,
            direction=direction,
            caller=string_field(data, "caller", required=False),
            callee=string_field(data, "callee", required=False),
            extension=string_field(data, "extension", required=False),
            duration_seconds=seconds_field(data, "duration_seconds"),
            disposition=string_field(data, "disposition", required=False),
            recording_url=string_field(data, "recording_url", required=False),
            recording_seconds=seconds_field(data, "recording_seconds"),
        )


def recording_url(value: str) -> str:
    """``value`` if it is an http(s) address a browser may open as a link; InvalidCallEvent if not."""
    _text("recording_url", value, MAX_URL_LENGTH)
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc or _URL_UNSAFE.search(value):
        raise InvalidCallEvent("recording_url", "must be an http or https address without spaces or quotes")
    return value


def _text(field: str, value: object, max_length: int) -> str:
    try:
        return checked_text(field, value, max_length=max_length, kind=TextKind.IDENTIFIER)
    except InvalidText as invalid:
        raise InvalidCallEvent(field, invalid.problem) from None


def _matching(field: str, value: object, pattern: re.Pattern[str], allowed: str) -> None:
    text = _text(field, value, MAX_CALL_ID_LENGTH)
    if not pattern.fullmatch(text):
        raise InvalidCallEvent(field, f"may hold only {allowed}")


def one_of(kinds: type[E], value: object, field: str) -> E:
    """The member of ``kinds`` that ``value`` names; InvalidCallEvent listing them if none does."""
    try:
        return kinds(str(value))
    except ValueError:
        raise InvalidCallEvent(field, f"must be one of {', '.join(k.value for k in kinds)}") from None


def string_field(data: dict[str, Any], field: str, *, required: bool = True) -> str:
    """``data[field]`` if it is a string (empty when absent and not required); InvalidCallEvent if not."""
    value = data.get(field, None if required else "")
    if not isinstance(value, str):
        raise InvalidCallEvent(field, "must be a string")
    return value


def seconds_field(data: dict[str, Any], field: str) -> int | None:
    """``data[field]`` if it is a whole number (None when absent); InvalidCallEvent if not."""
    value = data.get(field)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise InvalidCallEvent(field, "must be a whole number of seconds")
    return value
