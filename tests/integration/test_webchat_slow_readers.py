"""A visitor who stops reading is closed as too slow, and never holds up the replies to anyone else."""

from __future__ import annotations

import asyncio

import pytest

from bench.waiting import until
from connectors.webchat_limits import WidgetLimits
from tests.integration.widget_sockets import WAIT, StalledVisitor, frame, widget

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

PROMPTLY = 2.0
LONG_REPLY = "x" * 65_536
MAX_FLOOD = 2_000  # 128 MB: far more than any kernel buffers a socket that reads nothing


@pytest.mark.asyncio
async def test_a_visitor_who_stops_reading_does_not_stop_the_replies_to_another() -> None:
    async with widget(WidgetLimits(outbox_frames=8, send_timeout=5.0)) as door:
        stalled = await StalledVisitor.connect(door.port, "stalled")
        reader = await door.visitor("reader")
        try:

            async def flood() -> int:
                # Until the stalled socket is given up: the kernel's buffers take a few MB before it stalls.
                for n in range(MAX_FLOOD):
                    if await door.reply("stalled", LONG_REPLY, reply_id=f"s{n}") == 0:
                        return n
                    if n % 10 == 0:
                        # The other visitor hears from us promptly all along, stalled socket or not.
                        assert await door.reply("reader", f"hello {n}", reply_id=f"r{n}") == 1
                        reply = await frame(reader, timeout=PROMPTLY)
                        assert (reply["type"], reply["id"], reply["text"]) == (
                            "reply",
                            door.reply_id(f"r{n}"),
                            f"hello {n}",
                        )
                msg = f"{MAX_FLOOD} replies were queued for a socket that reads nothing"
                raise AssertionError(msg)

            # Delivering never waits for a socket, however many frames wait for the stalled one.
            given_up_after = await asyncio.wait_for(flood(), WAIT)
            assert given_up_after > 0
            assert await door.reply("stalled", "anyone there?") == 0

            # Its connection ends, and the connector forgets it.
            await asyncio.wait_for(stalled.read_to_the_end(), WAIT)

            async def forgotten() -> bool:
                return door.connector.open_sockets("stalled") == 0

            await until(forgotten, WAIT, "the stalled socket to be forgotten")
            assert await door.reply("reader", "still here", reply_id="last") == 1
            assert (await frame(reader, timeout=PROMPTLY))["id"] == door.reply_id("last")
        finally:
            stalled.close()
            await reader.close()


@pytest.mark.asyncio
async def test_a_send_that_takes_too_long_closes_the_socket_even_with_room_in_the_queue() -> None:
    async with widget(WidgetLimits(outbox_frames=64, send_timeout=0.5)) as door:
        stalled = await StalledVisitor.connect(door.port, "stalled")
        try:
            # Few frames, each large: the queue never fills, the first send that cannot finish times out.
            for n in range(4):
                assert await door.reply("stalled", "y" * 1_000_000, reply_id=f"s{n}") == 1

            async def given_up() -> bool:
                return door.connector.open_sockets("stalled") == 0

            # Not reading until the server has given up: a read now would let the sends finish.
            await until(given_up, WAIT, "the socket too slow to read to be closed")
            await asyncio.wait_for(stalled.read_to_the_end(), WAIT)
        finally:
            stalled.close()


@pytest.mark.asyncio
async def test_delivering_starts_no_task_per_message_and_a_closed_socket_leaves_none() -> None:
    async with widget(WidgetLimits()) as door:
        before = len(asyncio.all_tasks())
        socket = await door.visitor("v1")
        with_socket = len(asyncio.all_tasks())
        for n in range(200):
            assert await door.reply("v1", f"reply {n}", reply_id=f"r{n}") == 1
        received = [await frame(socket) for _ in range(200)]
        assert [r["id"] for r in received] == [door.reply_id(f"r{n}") for n in range(200)]
        assert len(asyncio.all_tasks()) == with_socket

        await socket.close()

        async def tasks_back_to(count: int) -> bool:
            return len(asyncio.all_tasks()) == count

        await until(lambda: tasks_back_to(before), WAIT, "the socket's tasks to end")
