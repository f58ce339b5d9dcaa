"""Our own call webhook format: one JSON object per thing that happened to a call.

```json
{"event": "started", "call_id": "c-1842", "at": "2026-03-02T09:30:00+02:00",
 "direction": "incoming", "from": "+371 2000 0000", "to": "+37167000000"}
```

``event`` is ``started``, ``answered`` (with ``extension``, who picked up), ``ended`` (with
``duration`` in seconds and a ``disposition`` such as ``completed``), ``missed`` (a customer's call
nobody answered) or ``recording`` (with ``recording_url`` and ``recording_duration``; ``direction``,
``from`` and ``to`` may be left out). Every other event carries ``direction``, ``from`` and ``to``:
the customer's end (``from`` of an incoming call, ``to`` of an outgoing one) is a phone number,
read in the default region when it has no ``+`` code and kept in E.164; our end may be an extension.
Fields this format does not know are passed over.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.call_event import (
    CallDirection,
    CallEvent,
    CallEventKind,
    InvalidCallEvent,
    one_of,
    seconds_field,
    string_field,
)
from domain.phones import InvalidPhone, phone_number
from domain.text import InvalidText


def read_call_event(data: object, line: str, default_region: str) -> CallEvent:
    """The call event a request's JSON describes, or InvalidCallEvent naming the field at fault."""
    if not isinstance(data, dict):
        raise InvalidCallEvent("body", "must be one JSON object")
    kind = one_of(CallEventKind, data.get("event"), "event")
    direction = (
        one_of(CallDirection, data.get("direction"), "direction")
        if "direction" in data or kind != "recording"
        else None
    )
    ends = {"from": data.get("from", ""), "to": data.get("to", "")}
    if direction is not None:
        customer = "from" if direction is CallDirection.INCOMING else "to"
        ends[customer] = _phone(customer, ends[customer], default_region)
        ours = "to" if customer == "from" else "from"
        ends[ours] = _our_end(ours, ends[ours], default_region)
    return CallEvent(
        line=line,
        call_id=string_field(data, "call_id"),
        kind=kind,
        occurred_at=_moment(data, "at"),
        direction=direction,
        caller=string_field(ends, "from", required=False),
        callee=string_field(ends, "to", required=False),
        extension=string_field(data, "extension", required=False),
        duration_seconds=seconds_field(data, "duration"),
        disposition=string_field(data, "disposition", required=False),
        recording_url=string_field(data, "recording_url", required=False),
        recording_seconds=seconds_field(data, "recording_duration"),
    )


def _phone(field: str, value: object, region: str) -> str:
    try:
        return phone_number(value, region, field=field).number
    except InvalidPhone as invalid:
        raise InvalidCallEvent(field, f"is not the customer's phone number: {invalid.problem}") from None
    except InvalidText as invalid:
        raise InvalidCallEvent(field, invalid.problem) from None


def _our_end(field: str, value: object, region: str) -> object:
    """Our end of the call: a number in E.164 when it reads as one; an extension is kept as given."""
    if not value:
        return ""
    try:
        return phone_number(value, region, field=field).number
    except InvalidText:
        return value  # the event's own rule says what an extension may be


def _moment(data: dict[str, Any], field: str) -> datetime:
    value = string_field(data, field)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidCallEvent(
            field, "must be an ISO 8601 time with its zone, e.g. 2026-03-02T09:30:00+02:00"
        ) from None
    if moment.utcoffset() is None:
        raise InvalidCallEvent(field, "must carry its time zone (Z or +02:00)")
    return moment
