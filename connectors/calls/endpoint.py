"""The call webhooks: ``POST /calls/{line}`` in our own format, ``POST /calls/twilio/{line}`` for Twilio.

A provider sends again what it does not get a 2xx for, so 200 is answered only once the event is on
Kafka. What is refused gets a status that says why, and nothing of it is published:

- 404: no line of that name (of that provider);
- 413: a body over the limit, by its Content-Length or found so while reading;
- 415: a Content-Type other than the format's (JSON; Twilio's form data);
- 401: the signature missing or wrong, or the request signed too long ago (or ahead);
- 409: the very request taken already, sent again while its signature is fresh (a replay);
- 400: not what the format documents: not JSON (or form data), a field missing or malformed, a
  customer's number that is no phone number (``{"error", "field"}`` names it);
- 503: the event could not be published yet (Kafka away): the provider sends it again.

The same event sent again under a new signature (a provider's retry) is answered 200 and recorded
once by the router.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import structlog
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from connectors.calls.generic import read_call_event
from connectors.calls.replays import RecentRequests
from connectors.calls.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TWILIO_SIGNATURE_HEADER,
    NotVouchedFor,
    check_signed,
    check_twilio,
)
from connectors.calls.twilio import NothingToRecord, read_status_callback, sent_at
from connectors.request_body import BodyTooLarge, WrongMediaType, check_media_type, read_within
from domain import json_input
from domain.call_event import CallEvent, InvalidCallEvent

log = structlog.get_logger()

MEDIA_TYPES = {"generic": "application/json", "twilio": "application/x-www-form-urlencoded"}
SIGNATURE_HEADERS = {"generic": SIGNATURE_HEADER, "twilio": TWILIO_SIGNATURE_HEADER}

Publish = Callable[[CallEvent], Awaitable[None]]
MAX_JSON_DEPTH = 8
MAX_FORM_FIELDS = 100


class Refused(Exception):
    """A request refused: the status, what to tell the sender, and the field at fault if one is."""

    def __init__(self, status: int, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field


@dataclass(frozen=True)
class Line:
    """One line as its webhook checks it: the provider, the key, and for Twilio the URL it calls."""

    name: str
    provider: str
    secret: str = field(repr=False)
    webhook_url: str = ""


@dataclass(frozen=True)
class CallWebhooks:
    """The routes of every configured line, and where accepted events go."""

    lines: Mapping[str, Line]
    publish: Publish
    max_body_bytes: int
    max_age_seconds: float
    default_region: str = ""
    clock: Callable[[], float] = time.time
    taken: RecentRequests = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "taken", RecentRequests(self.max_age_seconds))

    def routes(self) -> list[Route]:
        """Both webhook routes; a line answers only on its provider's."""
        return [
            Route("/calls/twilio/{line}", self.twilio, methods=["POST"]),
            Route("/calls/{line}", self.generic, methods=["POST"]),
        ]

    async def generic(self, request: Request) -> Response:
        """One event in our own JSON format, signed with the line's secret."""
        return await self._answer(request, "generic", self._read_generic)

    async def twilio(self, request: Request) -> Response:
        """One of Twilio's status or recording callbacks, signed with the account's auth token."""
        return await self._answer(request, "twilio", self._read_twilio)

    async def _answer(
        self, request: Request, provider: str, read: Callable[[Request, Line, bytes], CallEvent]
    ) -> Response:
        line = self.lines.get(request.path_params["line"])
        if line is None or line.provider != provider:
            return _refused(404, "no such line")
        bound = log.bind(line=line.name, provider=provider)
        try:
            check_media_type(request, MEDIA_TYPES[provider])
        except WrongMediaType as wrong:
            bound.info("call_event_refused", status=415, reason=str(wrong))
            return _refused(415, str(wrong))
        try:
            event = read(request, line, await self._body(request))
        except Refused as refused:
            bound.info("call_event_refused", status=refused.status, reason=refused.detail, field=refused.field)
            return _refused(refused.status, refused.detail, refused.field)
        except NothingToRecord as nothing:
            bound.info("call_callback_ignored", reason=str(nothing))
            return _json(200, {"status": "ignored", "reason": str(nothing)})
        signed = f"{line.name} {request.headers.get(SIGNATURE_HEADERS[provider])}"
        if not self.taken.take(signed):
            bound.info("call_event_refused", status=409, reason="replayed", call_id=event.call_id)
            return _refused(409, "this request was taken already; a retry is signed anew")
        response = None
        try:
            response = await self._take(event, bound)
        finally:
            # Only a published event's signature is spent; one cut short (the sender gone) may come again.
            if response is None or response.status_code != 200:  # noqa: PLR2004
                self.taken.give_back(signed)
        return response

    async def _body(self, request: Request) -> bytes:
        try:
            return await read_within(request, self.max_body_bytes)
        except BodyTooLarge:
            raise Refused(413, f"the body is over {self.max_body_bytes} bytes") from None
        except ClientDisconnect:
            return b""  # the sender is gone and hears no answer; an empty body is refused like any other

    def _read_generic(self, request: Request, line: Line, body: bytes) -> CallEvent:
        try:
            check_signed(
                line.secret,
                request.headers.get(TIMESTAMP_HEADER),
                request.headers.get(SIGNATURE_HEADER),
                body,
                self.clock(),
                self.max_age_seconds,
            )
        except NotVouchedFor as refused:
            raise Refused(401, str(refused)) from None
        try:
            data = json_input.loads(body.decode("utf-8"))
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError too
            raise Refused(400, "send one JSON object, UTF-8 encoded", "body") from None
        if _depth(data) > MAX_JSON_DEPTH:
            raise Refused(400, f"the body nests deeper than {MAX_JSON_DEPTH} levels", "body")
        try:
            return read_call_event(data, line.name, self.default_region)
        except InvalidCallEvent as invalid:
            raise Refused(400, str(invalid), invalid.field) from None

    def _read_twilio(self, request: Request, line: Line, body: bytes) -> CallEvent:
        try:
            text = body.decode("utf-8")
            params = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=MAX_FORM_FIELDS)
        except ValueError:
            raise Refused(400, "send Twilio's form-encoded parameters, UTF-8 encoded", "body") from None
        url = line.webhook_url + (f"?{request.url.query}" if request.url.query else "")
        try:
            check_twilio(line.secret, url, params, request.headers.get(TWILIO_SIGNATURE_HEADER))
            self._fresh(sent_at(params))
            received_at = datetime.fromtimestamp(self.clock(), UTC)
            return read_status_callback(params, line.name, self.default_region, received_at)
        except NotVouchedFor as refused:
            raise Refused(401, str(refused)) from None
        except InvalidCallEvent as invalid:
            raise Refused(400, str(invalid), invalid.field) from None

    def _fresh(self, sent: datetime | None) -> None:
        if sent is None:
            return  # Twilio's signature covers every parameter; a callback without a time is taken as sent now
        age = self.clock() - sent.timestamp()
        if abs(age) > self.max_age_seconds:
            msg = (
                f"the callback's Timestamp is {int(abs(age))} s off; at most {int(self.max_age_seconds)} s is accepted"
            )
            raise NotVouchedFor(msg)

    async def _take(self, event: CallEvent, bound: Any) -> Response:  # noqa: ANN401 - a structlog logger
        bound = bound.bind(call_id=event.call_id, kind=event.kind.value)
        try:
            await self.publish(event)
        except Exception as error:  # noqa: BLE001 - whatever kept it from Kafka, the provider sends it again
            bound.warning("call_event_not_published", status=503, error=str(error) or type(error).__name__)
            return _json(503, {"error": "the event could not be stored yet; send it again later"})
        bound.info("call_event_accepted")
        return _json(200, {"status": "accepted", "call_id": event.call_id, "event": event.kind.value})


def _depth(value: object) -> int:
    """How deeply JSON containers nest in ``value`` (a flat object is 1)."""
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _refused(status: int, detail: str, field: str | None = None) -> Response:
    body: dict[str, Any] = {"error": detail}
    if field is not None:
        body["field"] = field
    return _json(status, body)


def _json(status: int, body: dict[str, Any]) -> Response:
    # ASCII-escaped, so whatever a refused request held can be written back.
    return Response(json.dumps(body), status_code=status, media_type="application/json")
