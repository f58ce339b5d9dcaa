"""A console's send is timed without a timer of its own: one that began too long ago gives the seat up."""

from __future__ import annotations

import asyncio
from typing import cast
from uuid import uuid4

import pytest
from starlette.websockets import WebSocket

from services.console.accounts import Operator, Role
from services.console.live import Seat

SEND_TIMEOUT = 5.0


class StalledSocket:
    """A socket whose reader has stopped: a send, once begun, never ends."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.stalled = False

    async def send_text(self, text: str) -> None:
        self.sent.append(text)
        if self.stalled:
            await asyncio.Event().wait()


@pytest.mark.asyncio
async def test_a_send_past_its_timeout_gives_the_seat_up_and_one_within_it_does_not() -> None:
    socket = StalledSocket()
    operator = Operator(uuid4(), "Anna", "anna@example.com", Role.MANAGER)
    seat = Seat(operator, cast("WebSocket", socket), send_timeout=SEND_TIMEOUT)
    loop = asyncio.get_running_loop()
    seat.open({"type": "ready"})
    await asyncio.sleep(0)  # the writer sends the first page, which does not stall
    assert socket.sent == ['{"type": "ready"}']
    assert seat.sending_since is None  # nothing under way: nothing to time
    assert not seat.overdue(loop.time() + 10 * SEND_TIMEOUT)

    socket.stalled = True
    seat.send({"type": "message"})
    await asyncio.sleep(0)
    began = seat.sending_since
    assert began is not None
    assert not seat.overdue(began + SEND_TIMEOUT)  # within its time: kept
    assert not seat.gone.is_set()
    assert seat.overdue(began + SEND_TIMEOUT + 0.1)
    assert seat.too_slow
    assert seat.gone.is_set()
    await seat.close()
