"""Sending the widget corpus: a batch of cases per visitor, one socket per batch, reconnecting after a close."""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin

from tests.hostile.corpus import Case, Outcome
from tests.hostile.widget import WidgetFlood, WidgetInput

# Cases per visitor: each visitor stays well under any per-visitor rate limit, so that a limit
# never hides what another case expects.
BATCH = 5
ANSWER_TIMEOUT = 5.0
PUSHES = {"queue", "reply", "welcome"}


@dataclass
class WidgetRun:
    """What the widget corpus left behind: answers, and the messages each visitor had accepted."""

    outcomes: list[Outcome] = field(default_factory=list)
    accepted: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    visitors: set[str] = field(default_factory=set)


class Visitor:
    """One visitor's token and socket; a socket the server closed is opened again on demand."""

    def __init__(self, console_url: str, http: httpx.AsyncClient) -> None:
        self._console_url = console_url
        self._http = http
        self.visitor_id = ""
        self._token = ""
        self._url = ""
        self.socket: ClientConnection | None = None

    async def open(self) -> ClientConnection:
        if self.socket is None:
            if not self._token:
                response = await self._http.post("/api/widget/session", json={})
                response.raise_for_status()
                session = response.json()
                self._token, self.visitor_id, self._url = (
                    session["token"],
                    session["visitor_id"],
                    session["websocket_url"],
                )
            self.socket = await connect(self._url, origin=Origin(self._console_url), max_size=None)
            await self.socket.send(json.dumps({"type": "hello", "token": self._token}))
            welcome = json.loads(await asyncio.wait_for(self.socket.recv(), ANSWER_TIMEOUT))
            assert welcome["type"] == "welcome", welcome
        return self.socket

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
            self.socket = None


async def send(socket: ClientConnection, data: WidgetInput) -> None:
    """Send the frame as the case says: text, raw bytes in a text frame, or binary."""
    if isinstance(data.payload, bytes):
        await socket.send(data.payload, text=data.text_frame)
    else:
        await socket.send(data.payload)


async def answer(socket: ClientConnection) -> dict[str, Any] | int | None:
    """The next answer frame, the close code if the server closed, or None if nothing came in time."""
    try:
        async with asyncio.timeout(ANSWER_TIMEOUT):
            while True:
                frame: dict[str, Any] = json.loads(await socket.recv())
                if frame.get("type") not in PUSHES:
                    return frame
    except TimeoutError:
        return None
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else 1006


def judge(case: Case, data: WidgetInput, got: dict[str, Any] | int | None) -> Outcome:
    """Name the answer the way the corpus does, and check what comes with it."""
    if got is None:
        return Outcome(case, "no answer")
    if isinstance(got, int):
        return Outcome(case, f"close {got}")
    if got.get("type") == "accepted":
        problem = "" if not data.accepted_id or got.get("id") == data.accepted_id else f"echoed {got.get('id')!r}"
        return Outcome(case, "accepted", problem)
    if got.get("type") == "error":
        detail = got.get("detail")
        problem = "" if isinstance(detail, str) and detail else "no detail"
        if case.names_field and f"'{case.names_field}'" not in str(detail):
            problem = f"detail does not name '{case.names_field}': {str(detail)[:80]!r}"
        return Outcome(case, f"error {got.get('code')}", problem)
    return Outcome(case, f"frame {str(got.get('type'))[:30]}")


async def first_frame(case: Case, data: WidgetInput, url: str, origin: str) -> Outcome:
    """A case sent as the first frame of its own connection."""
    async with connect(url, origin=Origin(origin), max_size=None) as socket:
        try:
            await send(socket, data)
        except ConnectionClosed as closed:
            # The server may close on a frame's first bytes (1009) while the client is still sending the rest.
            return judge(case, data, closed.rcvd.code if closed.rcvd else 1006)
        return judge(case, data, await answer(socket))


async def flood(case: Case, frames: int, visitor: Visitor, run: WidgetRun) -> Outcome:
    """Send ``frames`` messages as fast as possible while reading every answer (a reader that stops is dropped)."""
    socket = await visitor.open()
    texts = {f"flood-{n}": f"flood message {n}" for n in range(frames)}

    async def send_all() -> None:
        for message_id, text in texts.items():
            await socket.send(json.dumps({"type": "message", "id": message_id, "text": text}))

    sending = asyncio.create_task(send_all())
    limited, accepted, closed = [], 0, None
    for _ in range(frames):
        got = await answer(socket)
        if not isinstance(got, dict):
            closed = got
            break
        if got.get("type") == "accepted":
            accepted += 1
            run.accepted[visitor.visitor_id][str(got["id"])] = texts[str(got["id"])]
        elif got.get("code") == "rate_limited":
            limited.append(got)
    sending.cancel()
    await visitor.close()
    if not limited:
        ending = f", then close {closed}" if isinstance(closed, int) else ""
        return Outcome(case, f"{accepted} of {frames} accepted, none rate_limited{ending}")
    waits = [f.get("retry_after") for f in limited]
    bad = [w for w in waits if not isinstance(w, int | float) or isinstance(w, bool) or w <= 0]
    return Outcome(case, "rate_limited", f"retry_after missing or not positive: {bad[:3]}" if bad else "")


async def run_widget(cases: list[Case], console_url: str, webchat_url: str, deadline: float) -> WidgetRun:
    """Every widget case, in order; cases after ``deadline`` (monotonic) are reported as not run."""
    run = WidgetRun()
    greeted = [c for c in cases if isinstance(c.input, WidgetInput) and c.input.greeted]
    async with httpx.AsyncClient(base_url=console_url, timeout=10) as http:
        for start in range(0, len(greeted), BATCH):
            visitor = Visitor(console_url, http)
            for case in greeted[start : start + BATCH]:
                run.outcomes.append(await _greeted(case, visitor, run, deadline))
            await visitor.close()
            if visitor.visitor_id:
                run.visitors.add(visitor.visitor_id)
        for case in cases:
            if time.monotonic() > deadline:
                run.outcomes.append(Outcome(case, "not run: out of time"))
            elif isinstance(case.input, WidgetFlood):
                visitor = Visitor(console_url, http)
                run.outcomes.append(await _guarded(flood(case, case.input.frames, visitor, run), case))
                run.visitors.add(visitor.visitor_id)
            elif isinstance(case.input, WidgetInput) and not case.input.greeted:
                run.outcomes.append(await _guarded(first_frame(case, case.input, webchat_url, console_url), case))
    return run


async def _greeted(case: Case, visitor: Visitor, run: WidgetRun, deadline: float) -> Outcome:
    if time.monotonic() > deadline:
        return Outcome(case, "not run: out of time")
    data = case.input
    assert isinstance(data, WidgetInput)

    async def one() -> Outcome:
        socket = await visitor.open()
        try:
            await send(socket, data)
        except ConnectionClosed as closed:
            visitor.socket = None
            return judge(case, data, closed.rcvd.code if closed.rcvd else 1006)
        got = await answer(socket)
        if isinstance(got, int):
            visitor.socket = None
        elif isinstance(got, dict) and got.get("type") == "accepted":
            run.accepted[visitor.visitor_id][str(got.get("id"))] = data.text
        return judge(case, data, got)

    return await _guarded(one(), case)


async def _guarded(attempt: Any, case: Case) -> Outcome:
    """A case whose connection could not even be made says so, instead of stopping the run."""
    try:
        outcome: Outcome = await attempt
    except InvalidStatus as refused:
        return Outcome(case, f"handshake {refused.response.status_code}")
    except (OSError, ConnectionClosed, TimeoutError, httpx.HTTPError, AssertionError) as error:
        return Outcome(case, f"failed: {type(error).__name__}: {str(error)[:80]}")
    return outcome
