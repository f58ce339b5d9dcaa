"""Reading and checking call webhooks: our signature, Twilio's (with the example of its documentation), each format."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.calls.generic import read_call_event
from connectors.calls.signing import NotVouchedFor, check_signed, check_twilio, signature, twilio_signature
from connectors.calls.twilio import NothingToRecord, read_status_callback
from domain.call_event import CallDirection, CallEventKind, InvalidCallEvent

NOW = 1_767_225_600.0
AT = datetime(2026, 1, 1, tzinfo=UTC)
SECRET = "0123456789abcdef-line"


def test_twilios_documented_example_signs_as_twilio_says() -> None:
    # https://www.twilio.com/docs/usage/security#validating-requests
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": ["CA1234567890ABCDE"],
        "Caller": ["+14158675310"],
        "Digits": ["1234"],
        "From": ["+14158675310"],
        "To": ["+18005551212"],
    }
    assert twilio_signature("12345", url, params) == "GvWf1cFY/Q7PnoempGyD5oXAezc="
    check_twilio("12345", url, params, "GvWf1cFY/Q7PnoempGyD5oXAezc=")
    for forged in (None, "", "GvWf1cFY/Q7PnoempGyD5oXAezd=", "\udcff"):
        with pytest.raises(NotVouchedFor):
            check_twilio("12345", url, params, forged)
    with pytest.raises(NotVouchedFor):
        check_twilio("12345", url, {**params, "Digits": ["1235"]}, "GvWf1cFY/Q7PnoempGyD5oXAezc=")


def test_our_signature_covers_the_body_and_the_time() -> None:
    body = b'{"event": "started"}'
    stamp = str(int(NOW))
    check_signed(SECRET, stamp, signature(SECRET, stamp, body), body, NOW + 299, 300)
    refusals = {
        "forged": (stamp, signature("another secret", stamp, body), body, NOW),
        "body changed": (stamp, signature(SECRET, stamp, body), body + b" ", NOW),
        "time changed": (str(int(NOW) + 1), signature(SECRET, stamp, body), body, NOW),
        "stale": (stamp, signature(SECRET, stamp, body), body, NOW + 301),
        "ahead": (stamp, signature(SECRET, stamp, body), body, NOW - 301),
        "no time": ("", signature(SECRET, "", body), body, NOW),
        "time not a number": ("1e9", signature(SECRET, "1e9", body), body, NOW),
        "no signature": (stamp, None, body, NOW),
    }
    refused = []
    for name, (timestamp, sent, signed, now) in refusals.items():
        try:
            check_signed(SECRET, timestamp, sent, signed, now, 300)
        except NotVouchedFor:
            refused.append(name)
    assert refused == list(refusals)


def test_our_format_keeps_numbers_in_e164_read_in_the_default_region() -> None:
    data = {"event": "started", "call_id": "c1", "at": "2026-03-02T09:30:00+02:00", "direction": "incoming"}
    event = read_call_event({**data, "from": "2000 0000", "to": "101"}, "shop", "LV")
    assert (event.caller, event.callee, event.direction) == ("+37120000000", "101", CallDirection.INCOMING)
    with pytest.raises(InvalidCallEvent, match="country code") as refused:
        read_call_event({**data, "from": "2000 0000", "to": "101"}, "shop", "")
    assert refused.value.field == "from"
    with pytest.raises(InvalidCallEvent) as refused:
        read_call_event({**data, "from": "+371 999", "to": "101"}, "shop", "LV")
    assert refused.value.field == "from"
    outgoing = read_call_event({**data, "direction": "outgoing", "from": "101", "to": "+1 650 253 0000"}, "shop", "")
    assert outgoing.customer == "+16502530000"


@pytest.mark.parametrize(
    ("status", "direction", "kind"),
    [
        ("ringing", "inbound", CallEventKind.STARTED),
        ("in-progress", "inbound", CallEventKind.ANSWERED),
        ("completed", "inbound", CallEventKind.ENDED),
        ("no-answer", "inbound", CallEventKind.MISSED),
        ("busy", "outbound-api", CallEventKind.ENDED),
    ],
)
def test_twilio_statuses_are_call_events(status: str, direction: str, kind: CallEventKind) -> None:
    params = {
        "CallSid": ["CA1"],
        "CallStatus": [status],
        "Direction": [direction],
        "From": ["+37120000000"],
        "To": ["+37167000000"],
        "CallDuration": ["42"],
    }
    event = read_status_callback(params, "tw", "", AT)
    assert event.kind is kind
    assert event.customer == ("+37120000000" if direction == "inbound" else "+37167000000")


def test_twilio_recordings_and_refusals_name_twilios_parameters() -> None:
    recording = {"CallSid": ["CA1"], "RecordingStatus": ["completed"], "RecordingUrl": ["https://api.twilio.com/r/RE1"]}
    event = read_status_callback({**recording, "RecordingDuration": ["31"]}, "tw", "", AT)
    assert (event.kind, event.recording_seconds) == (CallEventKind.RECORDING, 31)
    with pytest.raises(NothingToRecord):
        read_status_callback({**recording, "RecordingStatus": ["in-progress"]}, "tw", "", AT)
    call = {"CallSid": ["CA1"], "CallStatus": ["ringing"], "Direction": ["inbound"], "To": ["+37167000000"]}
    for changes, field in [
        ({"From": ["12"]}, "From"),
        ({"From": ["+37120000000"], "CallSid": ["<script>"]}, "CallSid"),
        ({"From": ["+37120000000"], "CallStatus": ["exploded"]}, "CallStatus"),
        ({"From": ["+37120000000"], "Direction": ["sideways"]}, "Direction"),
        ({"From": ["+37120000000"], "CallDuration": ["-1"]}, "CallDuration"),
        ({"From": ["+37120000000", "+37120000001"]}, "From"),
    ]:
        with pytest.raises(InvalidCallEvent) as refused:
            read_status_callback({**call, **changes}, "tw", "", AT)
        assert refused.value.field == field, changes


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)
FIELDS = (
    "event",
    "call_id",
    "at",
    "direction",
    "from",
    "to",
    "extension",
    "duration",
    "disposition",
    "recording_url",
    "recording_duration",
)
_fields = st.sampled_from(FIELDS)
_valid = {
    "event": "ended",
    "call_id": "c1",
    "at": "2026-03-02T09:30:00+02:00",
    "direction": "incoming",
    "from": "+37120000000",
    "to": "101",
    "duration": 5,
}


@given(st.dictionaries(_fields, _json, max_size=6))
def test_any_json_in_our_format_is_an_event_or_a_refusal_naming_a_field(changes: dict[str, object]) -> None:
    named = None
    try:
        read_call_event({**_valid, **changes}, "shop", "LV")
    except InvalidCallEvent as refused:
        named = refused.field
    assert named is None or named in FIELDS


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "CallSid",
                "CallStatus",
                "Direction",
                "From",
                "To",
                "CallDuration",
                "Timestamp",
                "RecordingStatus",
                "RecordingUrl",
                "RecordingDuration",
            ]
        ),
        st.lists(st.text(max_size=30), min_size=1, max_size=2),
        max_size=8,
    )
)
def test_any_twilio_parameters_are_an_event_a_refusal_or_nothing_to_record(params: dict[str, list[str]]) -> None:
    with contextlib.suppress(InvalidCallEvent, NothingToRecord):
        read_status_callback(params, "tw", "", AT)
