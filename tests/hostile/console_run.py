"""Sending the console corpus: one signed-in socket for the commands, opened again when a case closes it."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin

from tests.hostile.console import ConsoleFlood, ConsoleInput
from tests.hostile.corpus import Case, Outcome

ANSWER_TIMEOUT = 5.0
# Commands per operator, under the per-operator burst the gateway allows.
BATCH = 15
ANSWERS = {"error", "ack", "history"}


class Operator:
    """A console socket signed in with a session token; reopened after the server closes it."""

    def __init__(self, url: str, origin: str, token: str) -> None:
        self.url, self.origin, self.token = url, origin, token
        self.socket: ClientConnection | None = None

    async def open(self) -> ClientConnection:
        if self.socket is None:
            self.socket = await connect(self.url, origin=Origin(self.origin), max_size=None)
            await self.socket.send(json.dumps({"type": "auth", "token": self.token}))
            async with asyncio.timeout(ANSWER_TIMEOUT):
                while json.loads(await self.socket.recv()).get("type") != "ready":
                    pass
        return self.socket

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
            self.socket = None


async def send(socket: ClientConnection, data: ConsoleInput) -> None:
    """Send the frame as the case says: text, raw bytes in a text frame, or binary."""
    if isinstance(data.payload, bytes):
        await socket.send(data.payload, text=data.text_frame)
    else:
        await socket.send(data.payload)


async def answer(socket: ClientConnection, request_id: str) -> dict[str, Any] | int | None:
    """The answer to this request (pushes and late answers to others skipped), a close code, or None."""
    try:
        async with asyncio.timeout(ANSWER_TIMEOUT):
            while True:
                frame: dict[str, Any] = json.loads(await socket.recv())
                if frame.get("type") not in ANSWERS:
                    continue
                echoed = frame.get("request_id")
                if request_id and isinstance(echoed, str) and echoed != request_id:
                    continue
                return frame
    except TimeoutError:
        return None
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else 1006


def judge(case: Case, data: ConsoleInput, got: dict[str, Any] | int | None) -> Outcome:
    """Name the answer as the corpus does; check the detail and the echoed request id."""
    if got is None:
        return Outcome(case, "no answer")
    if isinstance(got, int):
        return Outcome(case, f"close {got}")
    kind = got.get("type")
    if kind != "error":
        return Outcome(case, str(kind))
    detail, problem = got.get("detail"), ""
    if not isinstance(detail, str) or not detail:
        problem = "no detail"
    elif case.names_field and case.names_field not in detail:
        problem = f"detail does not name '{case.names_field}': {detail[:80]!r}"
    elif data.request_id and got.get("request_id") != data.request_id:
        problem = f"request_id not echoed: {got.get('request_id')!r}"
    return Outcome(case, f"error {got.get('code')}", problem)


async def first_frame(case: Case, data: ConsoleInput, url: str, own_origin: str) -> Outcome:
    """A case sent as the first frame of its own connection."""
    origin = own_origin if data.origin == "own" else data.origin
    async with connect(url, origin=Origin(origin) if origin else None, max_size=None) as socket:
        try:
            await send(socket, data)
        except ConnectionClosed as closed:
            # The server may close on a frame's first bytes (1009) while the client is still sending the rest.
            return judge(case, data, closed.rcvd.code if closed.rcvd else 1006)
        return judge(case, data, await answer(socket, ""))


async def flood(case: Case, frames: int, operator: Operator, conversation: str) -> Outcome:
    """Send ``frames`` history commands without waiting, then read the answers."""
    socket = await operator.open()
    for n in range(frames):
        await socket.send(json.dumps({"type": "history", "conversation_id": conversation, "request_id": f"f{n}"}))
    limited: list[dict[str, Any]] = []
    for _ in range(frames):
        got = await answer(socket, "")
        if not isinstance(got, dict):
            break
        if got.get("code") == "rate_limited":
            limited.append(got)
    await operator.close()
    return Outcome(case, "rate_limited" if limited else f"none of {frames} rate_limited")


async def run_console(  # noqa: PLR0913 - two gateways and the operators
    cases: list[Case],
    url: str,
    origin: str,
    tokens: list[str],
    strict: tuple[str, str],
    conversation: str,
    deadline: float,
) -> list[Outcome]:
    """Every console case; ``strict`` is (url, origin) of a gateway with its default limits, for the flood.

    Commands are rate limited per operator: each batch of cases has an operator (a token) of its own,
    and the flood the last one.
    """
    signed_in = [c for c in cases if isinstance(c.input, ConsoleInput) and not c.input.first]
    needed = -(-len(signed_in) // BATCH) + 1
    assert len(tokens) >= needed, f"the console corpus needs {needed} operators"
    outcomes: dict[str, Outcome] = {}
    for number, start in enumerate(range(0, len(signed_in), BATCH)):
        operator = Operator(url, origin, tokens[number])
        for case in signed_in[start : start + BATCH]:
            attempt = _signed_in(case, case.input, operator)  # type: ignore[arg-type]
            outcomes[case.name] = await _before(deadline, case, attempt, operator)
        await operator.close()
    for case in cases:
        data = case.input
        if isinstance(data, ConsoleFlood):
            strict_url, strict_origin = strict
            operator = Operator(strict_url, strict_origin, tokens[-1])
            outcomes[case.name] = await _before(
                deadline, case, flood(case, data.frames, operator, conversation), operator
            )
        elif isinstance(data, ConsoleInput) and data.first:
            operator = Operator(url, origin, "")
            outcomes[case.name] = await _before(deadline, case, first_frame(case, data, url, origin), operator)
    return [outcomes[case.name] for case in cases]


async def _before(deadline: float, case: Case, attempt: Any, operator: Operator) -> Outcome:
    if time.monotonic() > deadline:
        attempt.close()
        return Outcome(case, "not run: out of time")
    return await _guarded(attempt, case, operator)


async def _signed_in(case: Case, data: ConsoleInput, operator: Operator) -> Outcome:
    socket = await operator.open()
    try:
        await send(socket, data)
    except ConnectionClosed as closed:
        operator.socket = None
        return judge(case, data, closed.rcvd.code if closed.rcvd else 1006)
    got = await answer(socket, data.request_id)
    if isinstance(got, int):
        operator.socket = None
    return judge(case, data, got)


async def _guarded(attempt: Any, case: Case, operator: Operator) -> Outcome:
    try:
        outcome: Outcome = await attempt
    except InvalidStatus as refused:
        return Outcome(case, f"handshake {refused.response.status_code}")
    except (OSError, ConnectionClosed, TimeoutError) as error:
        operator.socket = None
        return Outcome(case, f"failed: {type(error).__name__}: {str(error)[:80]}")
    return outcome
