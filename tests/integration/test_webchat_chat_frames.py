"""The widget's chat frames on a real socket: the pre-chat form, typing both ways, the closed notice, the name."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from connectors.webchat import WebchatConnector
from domain.chat_signal import ChatSignal, SignalKind
from domain.inbound import InboundMessage
from tests.integration.widget_sockets import ORIGIN, SIGNER, VISITOR, WAIT, frame, token

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(60)]


@dataclass
class Chat:
    connector: WebchatConnector
    url: str
    published: list[InboundMessage] = field(default_factory=list)
    typing: asyncio.Queue[str] = field(default_factory=asyncio.Queue)

    async def visitor(self, visitor_id: str) -> ClientConnection:
        socket = await connect(self.url, origin=Origin(ORIGIN))
        await socket.send(json.dumps({"type": "hello", "token": token(visitor_id)}))
        assert (await frame(socket))["type"] == "welcome"
        return socket


@asynccontextmanager
async def chat() -> AsyncIterator[Chat]:
    published: list[InboundMessage] = []
    typing: asyncio.Queue[str] = asyncio.Queue()

    async def publish(message: InboundMessage) -> None:
        published.append(message)

    async def typed(visitor_id: str) -> None:
        typing.put_nowait(visitor_id)

    connector = WebchatConnector(
        verify_visitor=lambda t: SIGNER.subject(VISITOR, t),
        publish=publish,
        origins=[ORIGIN],
        max_frame_bytes=16_384,
        on_typing=typed,
        phone_region="LV",
    )
    server = await connector.serve("127.0.0.1", 0)
    port = next(iter(server.sockets)).getsockname()[1]
    try:
        yield Chat(connector, f"ws://127.0.0.1:{port}/", published, typing)
    finally:
        server.close()
        await asyncio.wait_for(server.wait_closed(), WAIT)


async def test_the_pre_chat_form_names_the_messages_after_it_and_a_refused_one_changes_nothing() -> None:
    async with chat() as widget:
        socket = await widget.visitor("v1")
        await socket.send(json.dumps({"type": "message", "id": "a", "text": "before"}))
        assert (await frame(socket))["type"] == "accepted"
        for refused, problem in (
            ({"name": "Eva", "email": "eva@example.com"}, "consent"),
            ({"name": "Eva", "email": "eva@", "consent": True}, "email"),
            ({"name": "Eva", "phone": "12", "consent": True}, "phone"),
            ({"name": "Eva\x00"}, "name"),
            ({"name": 7}, "name"),
        ):
            await socket.send(json.dumps({"type": "introduce", **refused}))
            answer = await frame(socket)
            assert (answer["type"], answer["code"]) == ("error", "invalid_profile"), refused
            assert problem in answer["detail"], answer
        introduce = {"name": "Eva Guest", "email": "Eva@Example.com", "phone": "20 000 000", "consent": True}
        await socket.send(json.dumps({"type": "introduce", **introduce}))
        assert (await frame(socket))["type"] == "introduced"
        await socket.send(json.dumps({"type": "message", "id": "b", "text": "after"}))
        assert (await frame(socket))["type"] == "accepted"
        before, after = widget.published
        assert (before.sender_name, before.intake) == ("", None)
        assert after.sender_name == "Eva Guest"
        assert after.intake is not None
        assert (after.intake.email, after.intake.phone, after.intake.phone_text) == (
            "eva@example.com",
            "+37120000000",
            "20 000 000",
        )
        await socket.close()


async def test_typing_is_passed_on_limited_and_never_published() -> None:
    async with chat() as widget:
        socket = await widget.visitor("v2")
        for _ in range(5):
            await socket.send('{"type": "typing"}')
        answers = [await frame(socket) for _ in range(2)]
        assert [a["code"] for a in answers] == ["rate_limited", "rate_limited"]
        assert [widget.typing.get_nowait() for _ in range(3)] == ["v2", "v2", "v2"]
        assert widget.typing.empty()
        assert widget.published == []
        await socket.close()


async def test_an_operator_typing_and_the_closed_notice_reach_only_that_visitor() -> None:
    async with chat() as widget:
        mine, theirs = await widget.visitor("v3"), await widget.visitor("v4")
        assert widget.connector.signal(ChatSignal(SignalKind.OPERATOR_TYPING, "v3", "Anna Petrova")) == 1
        assert widget.connector.signal(ChatSignal(SignalKind.CONVERSATION_CLOSED, "v3")) == 1
        assert widget.connector.signal(ChatSignal(SignalKind.VISITOR_TYPING, "v3")) == 0  # not the widget's
        assert await frame(mine) == {"type": "typing", "operator": "Anna Petrova"}
        assert await frame(mine) == {"type": "closed"}
        await theirs.send(json.dumps({"type": "message", "id": "x", "text": "hi"}))
        assert (await frame(theirs))["type"] == "accepted"  # nothing of v3's came before it
        for socket in (mine, theirs):
            await socket.close()
