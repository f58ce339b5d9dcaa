"""Twilio's status callbacks, read as call events.

Twilio posts form-encoded parameters (https://www.twilio.com/docs/voice/api/call-resource#statuscallback):
``CallSid``, ``CallStatus``, ``Direction``, ``From``, ``To``, ``Timestamp`` (RFC 2822), and
``CallDuration`` once the call completed. A recording status callback
(https://www.twilio.com/docs/voice/api/recording#recordingstatuscallback) names the call by
``CallSid`` and brings ``RecordingStatus``, ``RecordingUrl`` and ``RecordingDuration``.

``queued``, ``initiated`` and ``ringing`` are the call starting; ``in-progress`` is answered;
``completed`` ended. ``busy``, ``no-answer``, ``canceled`` and ``failed`` end a call nobody
answered: for a customer's call that is a missed call, for ours a call that did not get through.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime

from domain.call_event import CallDirection, CallEvent, CallEventKind, InvalidCallEvent
from domain.phones import InvalidPhone, phone_number
from domain.text import InvalidText

Params = Mapping[str, Sequence[str]]

_STARTING = {"queued", "initiated", "ringing"}
_UNANSWERED = {"busy", "no-answer", "canceled", "failed"}
# The names Twilio gives what our events call otherwise: a refusal names the parameter Twilio sent.
_TWILIO_NAMES = {
    "from": "From",
    "to": "To",
    "call_id": "CallSid",
    "duration": "CallDuration",
    "recording_url": "RecordingUrl",
    "recording_duration": "RecordingDuration",
    "disposition": "CallStatus",
    "at": "Timestamp",
}


class NothingToRecord(Exception):
    """A callback that carries no fact of a call (a recording still in progress, a status we do not take)."""


def read_status_callback(params: Params, line: str, default_region: str, received_at: datetime) -> CallEvent:
    """The call event a status or recording callback describes.

    InvalidCallEvent names the Twilio parameter at fault; NothingToRecord when there is nothing to take.
    """
    try:
        return _read(params, line, default_region, received_at)
    except InvalidCallEvent as invalid:
        name = _TWILIO_NAMES.get(invalid.field, invalid.field)
        raise InvalidCallEvent(name, str(invalid).partition(" ")[2]) from None


def sent_at(params: Params) -> datetime | None:
    """When Twilio says it sent the callback (its ``Timestamp``), if it says."""
    stamp = _one(params, "Timestamp")
    if not stamp:
        return None
    try:
        moment = parsedate_to_datetime(stamp)
    except (TypeError, ValueError):
        raise InvalidCallEvent("Timestamp", "must be an RFC 2822 date, as Twilio sends it") from None
    if moment.utcoffset() is None:
        raise InvalidCallEvent("Timestamp", "must carry its time zone")
    return moment


def _read(params: Params, line: str, region: str, received_at: datetime) -> CallEvent:
    call_sid = _one(params, "CallSid")
    at = sent_at(params) or received_at
    if "RecordingStatus" in params:
        if _one(params, "RecordingStatus") != "completed":
            msg = f"recording {_one(params, 'RecordingStatus')!r}: only a completed recording is taken"
            raise NothingToRecord(msg)
        return CallEvent(
            line,
            call_sid,
            CallEventKind.RECORDING,
            at,
            recording_url=_one(params, "RecordingUrl"),
            recording_seconds=_seconds(params, "RecordingDuration"),
        )
    status = _one(params, "CallStatus")
    direction = _direction(params)
    kind = _kind(status, direction)
    customer, ours = ("From", "To") if direction is CallDirection.INCOMING else ("To", "From")
    ends = {customer: _phone(params, customer, region), ours: _our_end(params, ours, region)}
    return CallEvent(
        line,
        call_sid,
        kind,
        at,
        direction,
        ends["From"],
        ends["To"],
        duration_seconds=_seconds(params, "CallDuration"),
        disposition=status if kind in (CallEventKind.ENDED, CallEventKind.MISSED) else "",
    )


def _direction(params: Params) -> CallDirection:
    direction = _one(params, "Direction")
    if direction == "inbound":
        return CallDirection.INCOMING
    if direction.startswith("outbound"):
        return CallDirection.OUTGOING
    raise InvalidCallEvent("Direction", "must be inbound, outbound-api or outbound-dial")


def _kind(status: str, direction: CallDirection) -> CallEventKind:
    if status in _STARTING:
        return CallEventKind.STARTED
    if status == "in-progress":
        return CallEventKind.ANSWERED
    if status == "completed":
        return CallEventKind.ENDED
    if status in _UNANSWERED:
        return CallEventKind.MISSED if direction is CallDirection.INCOMING else CallEventKind.ENDED
    known = ", ".join(sorted({*_STARTING, "in-progress", "completed", *_UNANSWERED}))
    raise InvalidCallEvent("CallStatus", f"must be one of {known}")


def _one(params: Params, name: str) -> str:
    values = params.get(name, [])
    if len(values) > 1:
        raise InvalidCallEvent(name, "was sent more than once")
    return values[0] if values else ""


def _phone(params: Params, name: str, region: str) -> str:
    try:
        return phone_number(_one(params, name), region, field=name).number
    except InvalidPhone as invalid:
        raise InvalidCallEvent(name, f"is not the customer's phone number: {invalid.problem}") from None
    except InvalidText as invalid:
        raise InvalidCallEvent(name, invalid.problem) from None


def _our_end(params: Params, name: str, region: str) -> str:
    """Our end, when it is a number or an extension; a Twilio client or SIP address is left out."""
    value = _one(params, name)
    try:
        return phone_number(value, region, field=name).number
    except InvalidText:
        return value if value.isascii() and value.replace("+", "").isalnum() and len(value) <= 32 else ""  # noqa: PLR2004


def _seconds(params: Params, name: str) -> int | None:
    value = _one(params, name)
    if not value:
        return None
    if not value.isascii() or not value.isdigit():
        raise InvalidCallEvent(name, "must be a whole number of seconds")
    return int(value)
