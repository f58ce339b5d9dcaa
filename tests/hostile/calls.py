"""The hostile corpus for the call webhooks: forged and stale signatures, oversized bodies, script in
fields, invalid phones and broken formats, on our own format's endpoint and on Twilio's.

Each case is a request built just before it is sent (signatures carry the time), with the status it
must get and, for a 400, the field its answer must name. Every case names a call of its own, so
what a refused request would have recorded can be looked for by name.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from connectors.calls.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature,
)
from tests.call_webhooks import CUSTOMER, LINE, OUR_NUMBER, SECRET, TWILIO_LINE
from tests.hostile.calls_request import TEN_MB, Build, CallRequest, case
from tests.hostile.calls_twilio import twilio_cases
from tests.hostile.corpus import Case


def event(call: str, **changes: Any) -> dict[str, Any]:
    """A valid incoming call's start, as of now, changed by ``changes`` (None removes a field)."""
    data: dict[str, Any] = {
        "event": "started",
        "call_id": call,
        "at": datetime.now(UTC).isoformat(),
        "direction": "incoming",
        "from": CUSTOMER,
        "to": OUR_NUMBER,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def signed(  # noqa: PLR0913 - what a signer may get wrong
    body: bytes | dict[str, Any],
    *,
    secret: str = SECRET,
    age: float = 0,
    stamp: str | None = None,
    sign_other: bytes | None = None,
    line: str = LINE,
) -> Build:
    """A request to our own format's endpoint, signed (or missigned) as asked, when it is sent."""

    def build() -> CallRequest:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        at = stamp if stamp is not None else str(int(time.time() - age))
        headers = {TIMESTAMP_HEADER: at, SIGNATURE_HEADER: signature(secret, at, sign_other or raw)}
        return CallRequest(f"/calls/{line}", raw, headers)

    return build


def unsigned(body: bytes, headers: dict[str, str]) -> Build:
    """A request with exactly these headers."""
    return lambda: CallRequest(f"/calls/{LINE}", body, headers)


def call_cases() -> list[Case]:
    """Every hostile request at the call webhooks, with its status."""
    return [*_signature_cases(), *_body_cases(), *_field_cases(), *_phone_cases(), *twilio_cases()]


def _signature_cases() -> list[Case]:
    body = event("h-sig")
    raw = json.dumps(body).encode()
    good_stamp = str(int(time.time()))
    return [
        case("signature", "forged: another secret", signed(body, secret="a-guessed-secret-0123456789"), 401),
        case("signature", "forged: signs another body", signed(body, sign_other=raw + b" "), 401),
        case("signature", "forged: empty secret", signed(body, secret=""), 401),
        case("signature", "missing signature", unsigned(raw, {TIMESTAMP_HEADER: good_stamp}), 401),
        case("signature", "missing timestamp", unsigned(raw, {SIGNATURE_HEADER: signature(SECRET, "", raw)}), 401),
        case("signature", "no headers at all", unsigned(raw, {}), 401),
        case("signature", "signature without its scheme", _bare_signature(raw), 401),
        case("signature", "signature in upper case", _upper_signature(raw), 401),
        case("freshness", "stale: ten minutes old", signed(body, age=600), 401),
        case("freshness", "stale: a day old", signed(body, age=86_400), 401),
        case("freshness", "stale: signed in 1970", signed(body, stamp="0"), 401),
        case("freshness", "ahead: ten minutes in the future", signed(body, age=-600), 401),
        case("freshness", "timestamp not a number", signed(body, stamp="yesterday"), 401),
        case("freshness", "timestamp negative", signed(body, stamp="-1"), 401),
        case("freshness", "timestamp in milliseconds", signed(body, stamp=str(int(time.time() * 1000))), 401),
        case("freshness", "timestamp huge", signed(body, stamp="9" * 40), 401),
        case("freshness", "timestamp with a fraction", signed(body, stamp=f"{time.time():.3f}"), 401),
        case("route", "unknown line", signed(body, line="elsewhere"), 404),
        case("route", "a Twilio line on our format's route", signed(body, line=TWILIO_LINE), 404),
        case("route", "GET", lambda: CallRequest(f"/calls/{LINE}", b"", {}, method="GET"), 405),
    ]


def _bare_signature(raw: bytes) -> Build:
    def build() -> CallRequest:
        stamp = str(int(time.time()))
        bare = signature(SECRET, stamp, raw).removeprefix("sha256=")
        return CallRequest(f"/calls/{LINE}", raw, {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: bare})

    return build


def _upper_signature(raw: bytes) -> Build:
    def build() -> CallRequest:
        stamp = str(int(time.time()))
        upper = "sha256=" + signature(SECRET, stamp, raw).removeprefix("sha256=").upper()
        return CallRequest(f"/calls/{LINE}", raw, {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: upper})

    return build


def _body_cases() -> list[Case]:
    valid = json.dumps(event("h-body")).encode()
    return [
        case("size", "10 MB body", signed(b"{" + b" " * TEN_MB + b"}"), 413),
        case("size", "10 MB body, chunked", lambda: CallRequest(f"/calls/{LINE}", b"", {}, chunked_bytes=TEN_MB), 413),
        case("size", "just over 64 KiB", signed(event("h-big", note="x" * 70_000)), 413),
        case("json", "not JSON", signed(b"event=started&call_id=h-form"), 400, "body"),
        case("json", "empty body", signed(b""), 400, "body"),
        case("json", "a JSON array", signed(b"[]"), 400, "body"),
        case("json", "a JSON string", signed(b'"started"'), 400, "body"),
        case("json", "invalid UTF-8", signed(valid.replace(b"h-body", b"h-\xffbody")), 400, "body"),
        case("json", "UTF-16", signed(json.dumps(event("h-utf16")).encode("utf-16")), 400, "body"),
        case("json", "deep JSON", signed(b"[" * 30_000 + b"]" * 30_000), 400, "body"),
        case("json", "deep JSON object", signed(b'{"a":' * 10_000 + b"1" + b"}" * 10_000), 400, "body"),
        case("json", "nested deeper than the format", signed(event("h-nest", extra=[[[[[[[[[1]]]]]]]]])), 400, "body"),
        case("json", "NaN", signed(valid.replace(b'"started"', b'"started", "duration": NaN')), 400, "body"),
        case("type", "JSON sent as form data", _typed(event("h-form-type"), "application/x-www-form-urlencoded"), 415),
        case("type", "JSON sent as plain text", _typed(event("h-text-type"), "text/plain"), 415),
        case("type", "JSON sent as XML", _typed(event("h-xml-type"), "application/xml; charset=utf-8"), 415),
    ]


def _typed(body: dict[str, Any], content_type: str) -> Build:
    """A correctly signed request whose Content-Type names another format than the one it carries."""
    sign = signed(body)

    def build() -> CallRequest:
        request = sign()
        return CallRequest(request.path, request.body, {**request.headers, "Content-Type": content_type})

    return build


SCRIPTS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
]


def _field_cases() -> list[Case]:
    cases = []
    for n, script in enumerate(SCRIPTS):
        cases += [
            case("script", f"script in call_id {n}", signed(event(script)), 400, "call_id"),
            case("script", f"script in extension {n}", signed(event(f"h-ext{n}", extension=script)), 400, "extension"),
            case(
                "script",
                f"script in disposition {n}",
                signed(event(f"h-disp{n}", event="ended", disposition=script)),
                400,
                "disposition",
            ),
            case(
                "script",
                f"script as recording_url {n}",
                signed(event(f"h-rec{n}", event="recording", recording_url=script)),
                400,
                "recording_url",
            ),
            case("script", f"script as our own end {n}", signed(event(f"h-to{n}", to=script)), 400, "to"),
        ]
    quoted = 'https://rec.example/a.mp3?x="><script>alert(1)</script>'
    cases += [
        case(
            "script",
            "markup after a recording URL",
            signed(event("h-q", event="recording", recording_url=quoted)),
            400,
            "recording_url",
        ),
        case(
            "script",
            "data URL as recording",
            signed(event("h-d", event="recording", recording_url="data:text/html,<b>")),
            400,
            "recording_url",
        ),
        case("text", "NUL in call_id", signed(event("h-\x00nul")), 400, "call_id"),
        case(
            "text",
            "lone surrogate in from",
            signed(json.dumps(event("h-sur")).encode().replace(CUSTOMER.encode(), b"\\ud800")),
            400,
            "from",
        ),
        case("text", "control character in extension", signed(event("h-ctl", extension="1\x07")), 400, "extension"),
        case("text", "call_id too long", signed(event("h" * 129)), 400, "call_id"),
        case("fields", "no call_id", signed(event("h-none", call_id=None)), 400, "call_id"),
        case("fields", "call_id a number", signed(event("h-num", call_id=42)), 400, "call_id"),
        case("fields", "unknown event", signed(event("h-ev", event="exploded")), 400, "event"),
        case("fields", "event missing", signed(event("h-evm", event=None)), 400, "event"),
        case("fields", "direction missing", signed(event("h-dir", direction=None)), 400, "direction"),
        case("fields", "direction sideways", signed(event("h-side", direction="sideways")), 400, "direction"),
        case("fields", "time missing", signed(event("h-at", at=None)), 400, "at"),
        case("fields", "time without zone", signed(event("h-tz", at="2026-03-02T09:30:00")), 400, "at"),
        case("fields", "time not a time", signed(event("h-att", at="yesterday")), 400, "at"),
        case("fields", "duration as text", signed(event("h-du", event="ended", duration="12")), 400, "duration"),
        case("fields", "duration negative", signed(event("h-dn", event="ended", duration=-5)), 400, "duration"),
        case("fields", "duration a boolean", signed(event("h-db", event="ended", duration=True)), 400, "duration"),
        case("fields", "duration a fraction", signed(event("h-df", event="ended", duration=1.5)), 400, "duration"),
        case("fields", "duration a year", signed(event("h-dy", event="ended", duration=31_536_000)), 400, "duration"),
        case("fields", "recording without URL", signed(event("h-ru", event="recording")), 400, "recording_url"),
        case(
            "fields",
            "recording URL on a start",
            signed(event("h-rs", recording_url="https://r.example/1")),
            400,
            "recording_url",
        ),
        case(
            "fields",
            "recording_duration as text",
            signed(event("h-rd", event="recording", recording_url="https://r.example/1", recording_duration="9")),
            400,
            "recording_duration",
        ),
    ]
    return cases


BAD_PHONES = {
    "too short": "12",
    "too short with code": "+371 999",
    "letters": "call me maybe",
    "no known country code": "+999 123456789",
    "empty": "",
    "only blanks": "   ",
    "far too long": "+371" + "2" * 80,
    "without country code": "2000 0000",
    "a number, not text": 37120000000,
    "two numbers": "+37120000000, +37120000001",
    "markup": "<b>+37120000000</b>",
    "fullwidth digits, invalid": "\uff0b\uff13\uff17\uff11 \uff19\uff19\uff19",
}


def _phone_cases() -> list[Case]:
    cases = []
    for n, (name, phone) in enumerate(BAD_PHONES.items()):
        cases.append(case("phone", f"incoming from {name}", signed(event(f"h-ph{n}", **{"from": phone})), 400, "from"))
        outgoing = event(f"h-po{n}", direction="outgoing", to=phone, **{"from": "101"})
        cases.append(case("phone", f"outgoing to {name}", signed(outgoing), 400, "to"))
    missing = event("h-nofrom", **{"from": None})
    cases.append(case("phone", "incoming without from", signed(missing), 400, "from"))
    return cases
