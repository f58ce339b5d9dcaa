"""The calls topic's message: round trip, and a specific error for each malformed field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.call_event import CallDirection, CallEvent, CallEventKind, InvalidCallEvent

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def started(**changes: Any) -> dict[str, Any]:
    return {
        "line": "shop",
        "call_id": "CA1234567890",
        "kind": "started",
        "occurred_at": AT.isoformat(),
        "direction": "incoming",
        "caller": "+37120000000",
        "callee": "+37167000000",
        **changes,
    }


def test_every_kind_goes_round_trip() -> None:
    events = [
        CallEvent("shop", "c1", CallEventKind.STARTED, AT, CallDirection.INCOMING, "+37120000000", "+37167000000"),
        CallEvent("shop", "c1", CallEventKind.ANSWERED, AT, CallDirection.INCOMING, "+37120000000", "101", "101"),
        CallEvent(
            "shop",
            "c1",
            CallEventKind.ENDED,
            AT,
            CallDirection.OUTGOING,
            "101",
            "+37120000000",
            duration_seconds=192,
            disposition="answered",
        ),
        CallEvent("shop", "c1", CallEventKind.MISSED, AT, CallDirection.INCOMING, "+37120000000", disposition="busy"),
        CallEvent(
            "shop", "c1", CallEventKind.RECORDING, AT, recording_url="https://rec.example/c1.mp3", recording_seconds=180
        ),
    ]
    for event in events:
        assert CallEvent.from_dict(event.to_dict()) == event


@given(
    seconds=st.integers(min_value=0, max_value=7 * 24 * 3600),
    call=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,60}", fullmatch=True),
)
def test_any_valid_ended_call_round_trips(seconds: int, call: str) -> None:
    event = CallEvent(
        "shop", call, CallEventKind.ENDED, AT, CallDirection.INCOMING, "+37120000000", duration_seconds=seconds
    )
    assert CallEvent.from_dict(event.to_dict()) == event


def test_the_customer_is_the_caller_of_an_incoming_call_and_the_callee_of_an_outgoing_one() -> None:
    incoming = CallEvent.from_dict(started())
    outgoing = CallEvent.from_dict(started(direction="outgoing", caller="101", callee="+37120000001"))
    assert (incoming.customer, outgoing.customer) == ("+37120000000", "+37120000001")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "exploded"}, "kind"),
        ({"direction": "sideways"}, "direction"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "2026-03-02T09:30:00"}, "at"),
        ({"caller": "12"}, "from"),
        ({"caller": "<script>alert(1)</script>"}, "from"),
        ({"direction": "outgoing", "callee": "+1"}, "to"),
        ({"call_id": "<script>"}, "call_id"),
        ({"call_id": "a\x00b"}, "call_id"),
        ({"line": "shop/../x"}, "line"),
        ({"extension": "<b>1</b>"}, "extension"),
        ({"disposition": "Busy!"}, "disposition"),
        ({"duration_seconds": -1}, "duration"),
        ({"duration_seconds": "12"}, "duration_seconds"),
        ({"duration_seconds": True}, "duration_seconds"),
        ({"recording_url": "https://rec.example/x"}, "recording_url"),
        ({"kind": "recording", "recording_url": "javascript:alert(1)"}, "recording_url"),
        ({"kind": "recording", "recording_url": 'https://x.example/"onload='}, "recording_url"),
        ({"kind": "recording"}, "recording_url"),
    ],
)
def test_a_malformed_field_is_named(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidCallEvent) as refused:
        CallEvent.from_dict(started(**changes))
    assert refused.value.field == field


def test_a_recording_may_come_without_direction_or_numbers() -> None:
    data = {"line": "shop", "call_id": "c1", "kind": "recording", "occurred_at": AT.isoformat()}
    event = CallEvent.from_dict({**data, "recording_url": "https://rec.example/c1.mp3"})
    assert event.customer == ""
    with pytest.raises(InvalidCallEvent, match="direction"):
        CallEvent.from_dict({**data, "kind": "ended"})


def test_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidCallEvent):
        CallEvent.from_dict(["started"])
