"""The Callback API endpoint of one community: ``POST /vk/{community}``.

VK posts each event as JSON and expects the plain string ``ok``; it sends an event again when it
gets anything else, so ``ok`` is answered only once the message is on Kafka. Every request must
carry the community's secret (checked in constant time); one that does not is refused with 403
and nothing of it is read further. What is refused gets a status that says why, and nothing of it
is published:

- 413: a body over the limit (by its Content-Length, or found so while reading);
- 415: a Content-Type other than JSON (a request naming none is read as JSON);
- 400: not JSON in UTF-8, nested too deeply, not an object, another community's ``group_id``, or a
  message without what VK documents or with text the inbox refuses (the body names the field);
- 403: the secret missing or wrong;
- 503: the message could not be stored yet (Kafka or VK's file server away): VK will send it again.

Events that carry nothing for the inbox (other types, chats, our own messages echoed back) are
answered ``ok``, so that VK does not send them again.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from connectors.request_body import BodyTooLarge, WrongMediaType, check_media_type, read_within
from connectors.vk.downloads import MediaUnavailable
from connectors.vk.events import (
    CONFIRMATION,
    Confirmation,
    CustomerWrote,
    Event,
    Ignored,
    InvalidEvent,
    OwnMessage,
    read_event,
)
from connectors.vk.inbound import Community, message_id
from domain import json_input
from domain.errors import InvalidInboundMessage

# Forwarded messages nest one in another, each two levels deeper; VK's own limit keeps them far above this.
MAX_DEPTH = 128
log = structlog.get_logger()

# Publishes the customer's message and returns once Kafka has it.
Accept = Callable[[CustomerWrote], Awaitable[None]]


@dataclass(frozen=True)
class CallbackEndpoint:
    """What one community's endpoint checks and answers, and where accepted messages go."""

    community: Community
    secret: str
    confirmation: str
    accept: Accept
    max_body_bytes: int

    def route(self) -> Route:
        """The route VK posts this community's events to."""
        return Route(f"/vk/{self.community.name}", self.handle, methods=["POST"])

    async def handle(self, request: Request) -> Response:
        """Answer one request from VK (or from someone pretending to be VK)."""
        bound = log.bind(community=self.community.name)
        try:
            check_media_type(request, "application/json")
            body = await read_within(request, self.max_body_bytes)
        except (WrongMediaType, BodyTooLarge) as refused:  # each says what is wrong: the type, the size
            status = 415 if isinstance(refused, WrongMediaType) else 413
            bound.info("vk_callback_refused", status=status, reason=str(refused))
            return _refused(status, str(refused))
        except ClientDisconnect:
            body = b""  # VK is gone and hears no answer; an empty body is refused like any other
        try:
            data = json_input.loads(body.decode("utf-8"), max_depth=MAX_DEPTH)
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError too
            bound.info("vk_callback_refused", status=400, reason="not JSON")
            return _refused(400, "send one JSON object, UTF-8 encoded and not nested too deeply")
        if not isinstance(data, dict):
            bound.info("vk_callback_refused", status=400, reason="not an object")
            return _refused(400, "send one JSON object")
        if not self._vouched_for(data):
            bound.warning("vk_callback_refused", status=403, reason="secret missing or wrong")
            return _refused(403, "the secret is missing or wrong")
        try:
            event = read_event(data, self.community.group_id)
        except InvalidEvent as invalid:
            bound.info("vk_callback_refused", status=400, reason=str(invalid))
            return _refused(400, str(invalid))
        return await self._answer(event, data, bound)

    def _vouched_for(self, data: dict[str, Any]) -> bool:
        given = data.get("secret")
        if given is None and data.get("type") == CONFIRMATION:
            return True  # the confirmation string proves who we are; it is no secret of ours to keep
        if not isinstance(given, str):
            return False
        return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), self.secret.encode())

    async def _answer(self, event: Event, data: dict[str, Any], bound: Any) -> Response:  # noqa: ANN401
        event_id = data.get("event_id") if isinstance(data.get("event_id"), str) else None
        if isinstance(event, Confirmation):
            bound.info("vk_confirmation_answered")
            return PlainTextResponse(self.confirmation)
        if isinstance(event, OwnMessage):
            bound.debug("vk_own_message_seen", message_id=event.message_id, peer_id=event.peer_id)
        elif isinstance(event, Ignored):
            bound.info("vk_event_ignored", type=event.type, reason=event.reason, event_id=event_id)
        else:
            channel_message_id = message_id(self.community.group_id, event)
            return await self._take(event, bound.bind(channel_message_id=channel_message_id, event_id=event_id))
        return _ok()

    async def _take(self, event: CustomerWrote, bound: Any) -> Response:  # noqa: ANN401
        try:
            await self.accept(event)
        except (InvalidInboundMessage, InvalidEvent) as invalid:
            bound.info("vk_callback_refused", status=400, reason=str(invalid))
            return _refused(400, str(invalid))
        except MediaUnavailable as error:
            bound.warning("vk_callback_not_stored", status=503, reason=str(error))
            return _refused(503, "a file of the message could not be fetched yet; send it again later")
        except Exception as error:  # noqa: BLE001 - whatever kept it from Kafka, VK sends it again
            bound.exception("vk_callback_not_stored", status=503, reason=str(error) or type(error).__name__)
            return _refused(503, "the message could not be stored yet; send it again later")
        bound.info("vk_message_accepted")
        return _ok()


def _ok() -> Response:
    return PlainTextResponse("ok")


def _refused(status: int, detail: str) -> Response:
    # ASCII-escaped, so whatever a refused request held can be written back.
    return Response(json.dumps({"error": detail}), status_code=status, media_type="application/json")
