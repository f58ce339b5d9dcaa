"""Live updates: read-model changes pushed to the operators allowed to see them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg
import structlog
from asyncpg.pool import PoolConnectionProxy
from starlette.websockets import WebSocket

from domain.live_update import InvalidLiveUpdate, ReadModelsChanged
from services.console.accounts import Operator
from services.console.frames import encode_frame
from services.console.queries import conversations_by_id, messages_by_notification, plain, sees
from services.console.sales_live import Changed, SalesPushes
from services.console.sessions import NOTIFY_CHANNEL as SESSIONS_ENDED
from services.projections.tracking import NOTIFY_CHANNEL
from services.tables import Connection

log = structlog.get_logger()

RECHECK_SECONDS = 1.0  # how often a lost LISTEN connection is retried, and stalled sends looked for


CLOSE_TOO_SLOW = 1008


@dataclass(eq=False)
class Seat:
    """One operator's open console socket, with the frames waiting to be sent to it.

    Every frame for the console (live updates and answers to its commands) waits in
    one bounded queue, and one writer sends them in order, each within
    ``send_timeout``. Queuing a live update never waits, so a console that reads
    slowly holds up nobody else: when its queue is full or a send times out it is
    given up (``gone``), and its handler closes it with 1008 "too slow to read".
    Answers to its own commands wait for room instead (``answer``).

    A send is timed by the moment it began (``sending_since``), which ``LiveUpdates``
    looks at every second for all seats at once (``overdue``), not by a timer of its
    own: a push to a thousand consoles set and cancelled a thousand timers, some 20 us
    each, where the send itself, into the socket's buffer, never waits.
    """

    operator: Operator
    socket: WebSocket
    queue_frames: int = 1000
    send_timeout: float = 10.0
    known: set[str] = field(default_factory=set)
    known_deals: set[str] = field(default_factory=set)  # deals shown, to tell it when one is no longer its to see
    known_people: set[str] = field(default_factory=set)  # contacts, companies and leads shown, likewise
    told_gone: set[str] = field(default_factory=set)  # keys of both sets above, of records told removed: not again
    gone: asyncio.Event = field(default_factory=asyncio.Event)
    too_slow: bool = False
    sending_since: float | None = None  # the event loop's time the send under way began
    _queue: asyncio.Queue[str] = field(init=False)
    _writer: asyncio.Task[None] | None = None

    def __post_init__(self) -> None:
        self._queue = asyncio.Queue(self.queue_frames)

    def open(self, first_page: dict[str, Any]) -> None:
        """Send the first page, then the frames queued while it was read: the list first, every change after it."""
        self._writer = asyncio.create_task(self._write(encode_frame(first_page)))

    def send(self, frame: dict[str, Any]) -> None:
        """Queue a frame for this console."""
        self.send_text(encode_frame(frame))

    def send_text(self, text: str) -> None:
        """Queue an encoded frame; a full queue gives the seat up."""
        if self.gone.is_set():
            return
        try:
            self._queue.put_nowait(text)
        except asyncio.QueueFull:
            self._give_up()

    async def answer(self, frame: dict[str, Any]) -> None:
        """Queue the answer to one of this console's own commands, waiting for room.

        Its next command is read only after this returns, so a console that sends faster than it
        reads is held to the pace it reads at; one that stops reading is given up when no room
        comes within ``send_timeout``.
        """
        if self.gone.is_set():
            return
        try:
            await asyncio.wait_for(self._queue.put(encode_frame(frame)), self.send_timeout)
        except TimeoutError:
            self._give_up()

    async def close(self) -> None:
        """Stop writing; a console given up for being slow is told why, if it still reads at all."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        if self.too_slow:
            with contextlib.suppress(Exception):  # a stalled socket may not take even the close frame
                await asyncio.wait_for(self.socket.close(CLOSE_TOO_SLOW, "too slow to read"), self.send_timeout)

    def overdue(self, now: float) -> bool:
        """Give the seat up if its send under way began over ``send_timeout`` before ``now``; True if it did."""
        if self.sending_since is None or now - self.sending_since <= self.send_timeout or self.gone.is_set():
            return False
        self._give_up()
        return True

    def _give_up(self) -> None:
        self._mark_too_slow()
        if self._writer is not None:
            self._writer.cancel()

    def _mark_too_slow(self) -> None:
        log.warning("console_too_slow", manager_id=str(self.operator.manager_id), waiting=self._queue.qsize())
        self.too_slow = True
        self.gone.set()

    async def _write(self, text: str) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                self.sending_since = loop.time()
                await self.socket.send_text(text)
                self.sending_since = None
                # Let go of the frame sent before waiting for the next: an idle console would
                # otherwise hold its last frame, often its whole first page, until it is pushed to.
                text = ""
                text = self._queue.get_nowait() if not self._queue.empty() else await self._queue.get()
        except Exception:  # noqa: BLE001 - a socket that has gone: its handler sees the disconnect
            self.gone.set()


class LiveUpdates:
    """Listens to the projections' notifications and fans them out to seats.

    The same connection hears that sessions ended (``on_sessions_ended``), and says so again after it
    listens anew, since what was notified while it was away is lost.
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        sales: SalesPushes | None = None,
        on_sessions_ended: Callable[[], None] = lambda: None,
    ) -> None:
        self._pool = pool
        self._sales = sales
        self._on_sessions_ended = on_sessions_ended
        self._seats: set[Seat] = set()
        self._listener: PoolConnectionProxy[asyncpg.Record] | None = None
        self._payloads: asyncio.Queue[str] = asyncio.Queue()
        self._pusher: asyncio.Task[None] | None = None
        self._lost = asyncio.Event()
        self._keeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start listening on a dedicated connection, and again whenever that connection is lost."""
        await self._listen()
        self._keeper = asyncio.create_task(self._keep_listening())
        self._pusher = asyncio.create_task(self._push_forever())

    async def stop(self) -> None:
        """Stop listening and pushing, and release the connection."""
        for task in (self._keeper, self._pusher):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._keeper = self._pusher = None
        if self.listening:
            assert self._listener is not None
            await self._listener.remove_listener(NOTIFY_CHANNEL, self._on_notify)
            await self._listener.remove_listener(SESSIONS_ENDED, self._on_sessions)
            await self._pool.release(self._listener)
        self._listener = None

    @property
    def consoles(self) -> int:
        """How many consoles are open on this gateway."""
        return len(self._seats)

    def seats(self) -> list[Seat]:
        """The consoles open on this gateway now."""
        return list(self._seats)

    def join(self, seat: Seat) -> None:
        """Start sending updates to a seat."""
        self._seats.add(seat)

    def leave(self, seat: Seat) -> None:
        """Stop sending updates to a seat."""
        self._seats.discard(seat)

    async def _listen(self) -> None:
        listener = await self._pool.acquire()
        try:
            listener.add_termination_listener(lambda _: self._lost.set())
            await listener.add_listener(NOTIFY_CHANNEL, self._on_notify)
            await listener.add_listener(SESSIONS_ENDED, self._on_sessions)
        except BaseException:
            await self._pool.release(listener)
            raise
        self._listener = listener
        self._lost.clear()
        self._on_sessions_ended()

    async def _keep_listening(self) -> None:
        """After PostgreSQL restarts, LISTEN again on a new connection (retrying while it is down).

        Every second it also gives up the seats whose send has taken longer than their timeout.
        """
        loop = asyncio.get_running_loop()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), RECHECK_SECONDS)
            now = loop.time()
            for seat in list(self._seats):
                seat.overdue(now)
            if self.listening:
                continue
            if self._listener is not None:
                with contextlib.suppress(Exception):  # a dead connection: the pool replaces it
                    await self._pool.release(self._listener)
                self._listener = None
            try:
                await self._listen()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning("live_updates_not_listening", reason=str(error) or type(error).__name__)
            else:
                log.info("live_updates_listening_again")

    @property
    def listening(self) -> bool:
        """Whether the notification connection is up."""
        if self._listener is None:
            return False
        try:
            return not self._listener.is_closed()
        except asyncpg.InterfaceError:  # the connection died and the pool took it back
            return False

    def _on_notify(self, _conn: Connection, _pid: int, _channel: str, payload: object) -> None:
        self._payloads.put_nowait(str(payload))

    def _on_sessions(self, _conn: Connection, _pid: int, _channel: str, _payload: object) -> None:
        self._on_sessions_ended()

    async def _push_forever(self) -> None:
        """One pusher for every notification, in the order they came; what piled up meanwhile goes as one."""
        while True:
            payloads = [await self._payloads.get()]
            while not self._payloads.empty():
                payloads.append(self._payloads.get_nowait())
            try:
                await self._push(payloads)
            except (OSError, ValueError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning("live_updates_not_pushed", reason=str(error) or type(error).__name__)
            except Exception:
                # The pusher is the only way updates reach consoles: whatever went wrong, it goes on.
                log.exception("live_updates_not_pushed")

    async def _push(self, payloads: list[str]) -> None:
        if not self._seats:
            return
        conversation_ids: dict[UUID, None] = {}  # in the order of each one's latest change
        message_ids: set[int] = set()
        sales = Changed()
        for payload in payloads:
            try:
                changed = ReadModelsChanged.from_payload(payload)
            except InvalidLiveUpdate as error:
                # One unreadable notification must not cost the others theirs.
                log.warning("live_update_unreadable", reason=str(error), payload=payload[:200])
                continue
            for conversation_id in changed.conversation_ids:
                conversation_ids.pop(conversation_id, None)
                conversation_ids[conversation_id] = None
            message_ids.update(changed.message_notification_ids)
            sales.add(changed)
        order = {conversation_id: n for n, conversation_id in enumerate(conversation_ids)}
        # Both reads at once, on two connections: a push waits for one round trip, not two.
        found, messages = await asyncio.gather(
            conversations_by_id(self._pool, list(conversation_ids)),
            messages_by_notification(self._pool, sorted(message_ids)),
        )
        conversations = sorted(found, key=lambda row: order[UUID(str(row["id"]))])
        # Each frame is encoded once and queued for every seat without waiting: a slow console
        # holds up nobody, and is given up when its own queue is full. Who may see a row is asked
        # once per operator, not once per socket: a thousand consoles are a few dozen operators.
        updates = [Pushed.of(row, "conversation") for row in conversations]
        news = [Pushed.of(row, "message") for row in messages]
        for seat in list(self._seats):
            _push_to(seat, updates, news)
        if self._sales is not None:
            await self._sales.push(sales, list(self._seats))


@dataclass(eq=False)
class Pushed:
    """A row of one push: its frame, encoded once, and which operators may see it, asked once each."""

    row: asyncpg.Record
    key: str  # a conversation's id, one string for every seat that remembers it
    frame: str
    _seen_by: dict[Operator, bool] = field(default_factory=dict)

    @classmethod
    def of(cls, row: asyncpg.Record, kind: str) -> Pushed:
        """A conversation's or a message's row as pushed, in a frame of ``kind`` (a message's has no key)."""
        key = str(row["id"]) if kind == "conversation" else ""
        return cls(row, key, encode_frame({"type": kind, kind: plain(row)}))

    def seen_by(self, operator: Operator) -> bool:
        """Whether ``operator`` may see the row."""
        seen = self._seen_by.get(operator)
        if seen is None:
            seen = self._seen_by[operator] = sees(operator, self.row)
        return seen


def _push_to(seat: Seat, updates: list[Pushed], news: list[Pushed]) -> None:
    for update in updates:
        if update.seen_by(seat.operator):
            seat.known.add(update.key)
            seat.send_text(update.frame)
        elif update.key in seat.known:  # taken by someone else, or moved away: gone from this console
            seat.known.discard(update.key)
            seat.send_text(encode_frame({"type": "conversation_removed", "id": update.key}))
    for message in news:
        if message.seen_by(seat.operator):
            seat.send_text(message.frame)
