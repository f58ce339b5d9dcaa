"""The public endpoint of web forms: the snippet reads a form here and sends the visitor's submission.

- ``GET /forms/{id}``: what the snippet renders (fields, labels, the consent text, the version).
- ``POST /forms/{id}``: a submission; 202 once it is on Kafka with ``acks=all``, with the form's
  success message. Refused, with nothing published: another site 403; too many from one address 429
  (``Retry-After``); over the size limit 413; a Content-Type other than JSON 415; not UTF-8 JSON of
  an object 400; no such form, or an archived one, 404; a version other than the one in force 409
  (the visitor saw another consent text); any field wrong 400 with ``{"error", "fields": {field:
  problem}}``; Kafka away 503.

Browsers may call it from the sites allowed for the widget's socket, and from the form's own
``allowed_origins``: the answer names the caller's origin (CORS), and a caller from anywhere else,
or with no origin, is refused before anything is read.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import structlog
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from connectors.client_address import Network, client_of
from connectors.rate_limit import RateLimiter
from connectors.request_body import BodyTooLarge, WrongMediaType, check_media_type, read_within
from domain.errors import InvalidInboundMessage
from domain.form_submission import FormVersion, InvalidSubmission, read_submission
from domain.inbound import InboundMessage
from domain.json_input import loads

log = structlog.get_logger()

FindForm = Callable[[UUID], Awaitable["PublishedForm | None"]]
Publish = Callable[[InboundMessage], Awaitable[None]]
_PREFLIGHT_SECONDS = 600


class Unavailable(Exception):
    """What holds forms or takes submissions cannot be reached now; the visitor may send again."""


@dataclass(frozen=True)
class PublishedForm:
    """A form as the endpoint serves it: the version in force, and whether it still takes submissions."""

    form: FormVersion
    archived: bool


@dataclass(frozen=True)
class FormLimits:
    """What one client may send: size, and how often per address."""

    max_body_bytes: int
    submissions: RateLimiter
    trusted_proxies: Sequence[Network] = ()
    publish_timeout: float = 10.0
    default_phone_region: str = ""


def form_routes(find: FindForm, publish: Publish, origins: Sequence[str], limits: FormLimits) -> list[Route]:
    """The public routes of every form."""
    allowed = frozenset(origins)

    async def preflight(request: Request) -> Response:
        origin = request.headers.get("origin", "")
        try:
            found = await _found(find, request)
        except Unavailable:
            return _answer(503, {"error": "the form cannot be reached now; try again shortly"}, origin=origin)
        if not _allowed(origin, allowed, found):
            return _answer(403, {"error": "this site may not send this form"}, origin="")
        headers = {
            "access-control-allow-methods": "GET, POST",
            "access-control-allow-headers": "content-type",
            "access-control-max-age": str(_PREFLIGHT_SECONDS),
        }
        return _answer(204, None, origin=origin, headers=headers)

    async def shown(request: Request) -> Response:
        origin = request.headers.get("origin", "")
        try:
            found = await _found(find, request)
        except Unavailable:
            return _answer(503, {"error": "the form cannot be shown now; try again shortly"}, origin=origin)
        if found is None or found.archived:
            return _answer(404, {"error": "no such form"}, origin=origin if origin in allowed else "")
        if not _allowed(origin, allowed, found):
            return _answer(403, {"error": "this site may not show this form"}, origin="")
        definition = found.form.definition
        public = {
            "id": str(found.form.form_id),
            "version": found.form.version,
            "name": definition.name,
            "fields": [f.to_dict() for f in definition.fields],
            "consent_text": definition.consent_text,
            "success_message": definition.success_message,
        }
        return _answer(200, public, origin=origin)

    async def submitted(request: Request) -> Response:
        return await _submit(request, find, publish, allowed, limits)

    return [
        Route("/forms/{form_id}", shown, methods=["GET"]),
        Route("/forms/{form_id}", submitted, methods=["POST"]),
        Route("/forms/{form_id}", preflight, methods=["OPTIONS"]),
    ]


async def _submit(  # noqa: PLR0911 - one answer per refusal the module names
    request: Request, find: FindForm, publish: Publish, allowed: frozenset[str], limits: FormLimits
) -> Response:
    origin = request.headers.get("origin", "")
    peer = request.client.host if request.client else None
    address = client_of(peer, request.headers.getlist("x-forwarded-for"), limits.trusted_proxies)
    # Counted before anything else is looked at: a flood costs neither a query nor a parse.
    if not limits.submissions.allow(address):
        log.info("form_submission_rate_limited", address=address)
        headers = {"retry-after": str(limits.submissions.retry_after(address))}
        body = {"error": "too many submissions from your address; wait and send again"}
        return _answer(429, body, origin=origin if origin in allowed else "", headers=headers, unread=True)
    try:
        found = await _found(find, request)
    except Unavailable:
        return _answer(503, {"error": "the form cannot take submissions now; send it again shortly"}, origin=origin)
    if not _allowed(origin, allowed, found):
        log.info("form_submission_refused", reason="origin", origin=origin[:100], address=address)
        return _answer(403, {"error": "this site may not send this form"}, origin="", unread=True)
    if found is None or found.archived:
        return _answer(404, {"error": "no such form"}, origin=origin, unread=True)
    try:
        check_media_type(request, "application/json")
        data = loads(await read_within(request, limits.max_body_bytes))
    except WrongMediaType as wrong:
        return _answer(415, {"error": str(wrong), "fields": {}}, origin=origin, unread=True)
    except BodyTooLarge:
        body = {"error": f"the submission is over the limit of {limits.max_body_bytes} bytes"}
        return _answer(413, body, origin=origin, unread=True)
    except ClientDisconnect:
        return Response(status_code=400)
    except (ValueError, RecursionError):  # TooDeep and UnicodeDecodeError are ValueErrors
        malformed: dict[str, object] = {"error": "send a JSON object in UTF-8, not nested too deeply", "fields": {}}
        return _answer(400, malformed, origin=origin)
    return await _take(found.form, data, publish, limits, origin, address)


async def _take(  # noqa: PLR0913 - the submission and where it came from
    form: FormVersion, data: object, publish: Publish, limits: FormLimits, origin: str, address: str
) -> Response:
    """Read a submission against its form and publish it; the answer the snippet shows."""
    if not isinstance(data, dict):
        return _answer(400, {"error": "send a JSON object", "fields": {}}, origin=origin)
    if data.get("version") != form.version:
        body = {"error": "the form changed since it was shown: show it again", "version": form.version}
        return _answer(409, body, origin=origin)
    try:
        message = read_submission(form, data, datetime.now(UTC), limits.default_phone_region)
    except (InvalidSubmission, InvalidInboundMessage) as refused:
        errors = refused.errors if isinstance(refused, InvalidSubmission) else {"fields": str(refused)}
        log.info("form_submission_refused", form_id=str(form.form_id), fields=sorted(errors), address=address)
        return _answer(400, {"error": "some fields need another look", "fields": errors}, origin=origin)
    try:
        await asyncio.wait_for(publish(message), limits.publish_timeout)
    except Exception as error:  # noqa: BLE001 - whatever the broker raised, the visitor is told to send again
        log.warning("form_submission_deferred", form_id=str(form.form_id), error=type(error).__name__)
        return _answer(503, {"error": "the submission cannot be taken now; send it again shortly"}, origin=origin)
    log.info("form_submitted", form_id=str(form.form_id), message_id=message.channel_message_id)
    return _answer(202, {"status": "accepted", "message": form.definition.success_message}, origin=origin)


async def _found(find: FindForm, request: Request) -> PublishedForm | None:
    try:
        form_id = UUID(request.path_params["form_id"])
    except ValueError:
        return None
    return await find(form_id)


def _allowed(origin: str, allowed: frozenset[str], found: PublishedForm | None) -> bool:
    if not origin:
        return False
    return origin in allowed or (found is not None and origin in found.form.definition.allowed_origins)


def _answer(
    status: int,
    body: Mapping[str, object] | None,
    *,
    origin: str,
    headers: dict[str, str] | None = None,
    unread: bool = False,
) -> Response:
    # ASCII-escaped JSON, so any text quoted in an error can be encoded; with the body left unread,
    # the connection cannot carry another request.
    sent = {"vary": "Origin", "cache-control": "no-store", **(headers or {})}
    if origin:
        sent["access-control-allow-origin"] = origin
    if unread:
        sent["connection"] = "close"
    content = None if body is None else json.dumps(body)
    return Response(content, status_code=status, media_type="application/json", headers=sent)
