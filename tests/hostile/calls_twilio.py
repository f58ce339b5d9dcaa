"""The hostile corpus for Twilio's callbacks: forged and stale signatures, broken forms, script in parameters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import urlencode

from connectors.calls.signing import TWILIO_SIGNATURE_HEADER, twilio_signature
from tests.call_webhooks import CUSTOMER, LINE, OUR_NUMBER, TWILIO_LINE, TWILIO_TOKEN
from tests.hostile.calls_request import TEN_MB, Build, CallRequest, case
from tests.hostile.corpus import Case

TWILIO_URL = f"https://calls.shop.example/calls/twilio/{TWILIO_LINE}"


def twilio(
    call_sid: str,
    *,
    token: str = TWILIO_TOKEN,
    url: str = TWILIO_URL,
    age: float = 0,
    raw: bytes | None = None,
    **params: str | list[str],
) -> Build:
    """A Twilio status callback (``ringing`` unless changed), signed with ``token`` over ``url``."""

    def build() -> CallRequest:
        sent: dict[str, str | list[str]] = {
            "AccountSid": "AC0001",
            "CallSid": call_sid,
            "CallStatus": "ringing",
            "Direction": "inbound",
            "From": CUSTOMER,
            "To": OUR_NUMBER,
            "Timestamp": format_datetime(datetime.now(UTC) - timedelta(seconds=age)),
            **params,
        }
        lists = {k: v if isinstance(v, list) else [v] for k, v in sent.items()}
        body = raw if raw is not None else urlencode(lists, doseq=True).encode()
        headers = {
            TWILIO_SIGNATURE_HEADER: twilio_signature(token, url, lists),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        return CallRequest(f"/calls/twilio/{TWILIO_LINE}", body, headers)

    return build


def twilio_cases() -> list[Case]:
    other_url = "https://attacker.example/calls/twilio/tw"
    return [
        case("twilio", "forged: another token", twilio("CA-h1", token="guessed-token"), 401),
        case("twilio", "forged: signed for another URL", twilio("CA-h2", url=other_url), 401),
        case("twilio", "forged: parameters changed after signing", _twilio_tampered(), 401),
        case("twilio", "missing Twilio signature", _twilio_unsigned(), 401),
        case("twilio", "stale Timestamp", twilio("CA-h4", age=3600), 401),
        case("twilio", "signed form sent as JSON", _twilio_typed("CA-h6", "application/json"), 415),
        case("twilio", "Timestamp not a date", twilio("CA-h5", Timestamp="yesterday"), 400, "Timestamp"),
        case(
            "twilio", "10 MB form body", lambda: CallRequest(f"/calls/twilio/{TWILIO_LINE}", b"a=" + b"b" * TEN_MB), 413
        ),
        case("twilio", "invalid UTF-8 form", twilio("CA-h6", raw=b"CallSid=CA-h6&From=\xff"), 400, "body"),
        case(
            "twilio",
            "too many parameters",
            twilio("CA-h7", raw="&".join(f"p{i}=1" for i in range(200)).encode()),
            400,
            "body",
        ),
        case("twilio", "script in CallSid", twilio("<script>alert(1)</script>"), 400, "CallSid"),
        case("twilio", "invalid From", twilio("CA-h8", From="12"), 400, "From"),
        case("twilio", "From twice", twilio("CA-h9", From=[CUSTOMER, "+37120000001"]), 400, "From"),
        case("twilio", "unknown CallStatus", twilio("CA-h10", CallStatus="exploded"), 400, "CallStatus"),
        case("twilio", "unknown Direction", twilio("CA-h11", Direction="sideways"), 400, "Direction"),
        case(
            "twilio",
            "CallDuration not a number",
            twilio("CA-h12", CallStatus="completed", CallDuration="1e3"),
            400,
            "CallDuration",
        ),
        case(
            "twilio",
            "script as RecordingUrl",
            twilio("CA-h13", RecordingStatus="completed", RecordingUrl="javascript:alert(1)"),
            400,
            "RecordingUrl",
        ),
        case("twilio", "unknown Twilio line", lambda: CallRequest("/calls/twilio/elsewhere", b"CallSid=CA"), 404),
        case("twilio", "our line on Twilio's route", lambda: CallRequest(f"/calls/twilio/{LINE}", b"CallSid=CA"), 404),
    ]


def _twilio_tampered() -> Build:
    signed_request = twilio("CA-h3")

    def build() -> CallRequest:
        request = signed_request()
        return CallRequest(request.path, request.body.replace(b"CA-h3", b"CA-h3x"), request.headers)

    return build


def _twilio_unsigned() -> Build:
    signed_request = twilio("CA-h3u")

    def build() -> CallRequest:
        request = signed_request()
        headers = {k: v for k, v in request.headers.items() if k != TWILIO_SIGNATURE_HEADER}
        return CallRequest(request.path, request.body, headers)

    return build


def _twilio_typed(call_sid: str, content_type: str) -> Build:
    """A correctly signed callback whose Content-Type names another format than Twilio's form data."""
    sign = twilio(call_sid)

    def build() -> CallRequest:
        request = sign()
        return CallRequest(request.path, request.body, {**request.headers, "Content-Type": content_type})

    return build
