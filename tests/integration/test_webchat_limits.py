"""Strangers at the widget's socket are held off: sockets per address and visitor, hello, frame rate."""

from __future__ import annotations

import asyncio
import ipaddress
import json

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from bench.waiting import until
from connectors.webchat_limits import WidgetLimits
from tests.integration.widget_sockets import WAIT, frame, token, widget

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


async def closed_with(socket: ClientConnection) -> tuple[int, str]:
    """The code and reason the server closed ``socket`` with (frames before the close are skipped)."""
    with pytest.raises(ConnectionClosed) as closed:
        await _frames_until_closed(socket)
    assert closed.value.rcvd is not None, "closed without a close frame"
    return closed.value.rcvd.code, closed.value.rcvd.reason


async def _frames_until_closed(socket: ClientConnection) -> None:
    while True:
        await frame(socket)


def message(client_id: str, text: str = "hi") -> str:
    return json.dumps({"type": "message", "id": client_id, "text": text})


@pytest.mark.asyncio
async def test_frames_past_a_visitors_rate_are_refused_with_retry_after_and_not_published() -> None:
    async with widget(WidgetLimits(message_burst=3, messages_per_second=0.1)) as door:
        socket = await door.visitor("v1")
        for n in range(5):
            await socket.send(message(f"m{n}"))
        answers = [await frame(socket) for _ in range(5)]
        assert answers[:3] == [{"type": "accepted", "id": f"m{n}"} for n in range(3)]
        for refused in answers[3:]:
            assert (refused["type"], refused["code"]) == ("error", "rate_limited")
            assert refused["retry_after"] >= 1
        assert [m.channel_message_id for m in door.published] == ["v1/m0", "v1/m1", "v1/m2"]

        # The limit is the visitor's own: another visitor writes freely, and the first one's socket stays open.
        other = await door.visitor("v2")
        await other.send(message("m0"))
        assert await frame(other) == {"type": "accepted", "id": "m0"}
        await socket.send(message("m9"))
        assert (await frame(socket))["code"] == "rate_limited"


@pytest.mark.asyncio
async def test_a_visitor_may_hold_only_so_many_sockets() -> None:
    async with widget(WidgetLimits(sockets_per_visitor=2)) as door:
        first, _second = await door.visitor("v1"), await door.visitor("v1")
        third = await door.stranger()
        await third.send(json.dumps({"type": "hello", "token": token("v1")}))
        code, reason = await closed_with(third)
        assert (code, reason) == (1013, "too many open sockets for this visitor")

        await first.close()
        await first.wait_closed()

        async def admitted() -> bool:
            try:
                await (await door.visitor("v1")).close()
            except ConnectionClosed:
                return False
            return True

        # The server notices the closed socket on its own schedule; the place frees once it has.
        assert await until(admitted, WAIT, "a freed place for the visitor's socket")


@pytest.mark.asyncio
async def test_an_address_may_hold_only_so_many_sockets() -> None:
    async with widget(WidgetLimits(sockets_per_address=3)) as door:
        _held = [await door.visitor(f"v{n}") for n in range(3)]
        refused = await door.stranger()
        assert await closed_with(refused) == (1013, "too many open sockets from this address")


@pytest.mark.asyncio
async def test_an_address_may_keep_only_so_many_sockets_waiting_for_hello() -> None:
    async with widget(WidgetLimits(unauthenticated_per_address=2)) as door:
        waiting = [await door.stranger() for _ in range(2)]
        refused = await door.stranger()
        assert await closed_with(refused) == (1013, "too many sockets waiting for hello from this address")

        # A greeted socket no longer counts as waiting.
        await waiting[0].send(json.dumps({"type": "hello", "token": token("v1")}))
        assert (await frame(waiting[0]))["type"] == "welcome"
        late = await door.stranger()
        await late.send(json.dumps({"type": "hello", "token": token("v2")}))
        assert (await frame(late))["type"] == "welcome"


@pytest.mark.asyncio
async def test_behind_a_trusted_proxy_each_client_has_its_own_limits_and_no_one_else_can_pick_one() -> None:
    proxy = (ipaddress.ip_network("127.0.0.1/32"),)
    async with widget(WidgetLimits(unauthenticated_per_address=1, trusted_proxies=proxy)) as door:
        _first = await door.stranger("198.51.100.1")
        refused = await door.stranger("198.51.100.1")
        assert await closed_with(refused) == (1013, "too many sockets waiting for hello from this address")
        other = await door.stranger("198.51.100.2")
        await other.send(json.dumps({"type": "hello", "token": token("v2")}))
        assert (await frame(other))["type"] == "welcome"
    # Without trusting the proxy, the header changes nothing: every socket is the peer's.
    async with widget(WidgetLimits(unauthenticated_per_address=1)) as door:
        _first = await door.stranger("198.51.100.1")
        forged = await door.stranger("198.51.100.2")
        assert await closed_with(forged) == (1013, "too many sockets waiting for hello from this address")


@pytest.mark.asyncio
async def test_a_socket_that_does_not_say_hello_in_time_is_closed() -> None:
    async with widget(WidgetLimits(hello_timeout=0.3)) as door:
        silent = await door.stranger()
        code, reason = await asyncio.wait_for(closed_with(silent), WAIT)
        assert code == 4401
        assert reason.startswith("visitor token missing")


@pytest.mark.asyncio
async def test_a_frame_before_hello_must_be_small() -> None:
    async with widget(WidgetLimits(max_hello_bytes=512)) as door:
        big = await door.stranger()
        await big.send(json.dumps({"type": "hello", "token": token("v1"), "padding": "x" * 600}))
        assert await closed_with(big) == (1009, "a frame before hello may be at most 512 bytes")

        small = await door.stranger()
        await small.send(json.dumps({"type": "hello", "token": token("v1"), "padding": "x" * 100}))
        assert (await frame(small))["type"] == "welcome"


@pytest.mark.asyncio
@pytest.mark.parametrize("forged", ["\ud800", "abc\udfff.def", "a\x00b", "x" * 5000])
async def test_a_token_that_is_not_text_is_refused_as_invalid_not_a_crash(forged: str) -> None:
    async with widget(WidgetLimits(max_hello_bytes=8192)) as door:  # room for the long token
        stranger = await door.stranger()
        # json.dumps escapes a lone surrogate, as a browser's JSON.stringify does.
        await stranger.send(json.dumps({"type": "hello", "token": forged}))
        code, _ = await closed_with(stranger)
        assert code == 4403


@pytest.mark.asyncio
async def test_a_message_the_broker_cannot_take_is_answered_unavailable_and_may_be_sent_again() -> None:
    async with widget(WidgetLimits()) as door:
        socket = await door.visitor("v1")
        door.broker["down"] = True
        await socket.send(message("m1"))
        refused = await frame(socket)
        assert (refused["type"], refused["code"]) == ("error", "unavailable")
        assert refused["retry_after"] >= 1
        assert door.published == []
        # Nothing was accepted, the socket is still open, and the same message goes through once it can.
        door.broker["down"] = False
        await socket.send(message("m1"))
        assert await frame(socket) == {"type": "accepted", "id": "m1"}
        assert [m.channel_message_id for m in door.published] == ["v1/m1"]
