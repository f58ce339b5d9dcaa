"""Reading and checking call webhooks: our signature, Twilio's (with the example of its documentation), each format."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

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
    for name, (timestamp, given, signed, now) in refusals.items():
        try:
            check_signed(SECRET, timestamp, given, signed, now, 300)
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
