"""Operator sessions: opened at login, ended by logout, by expiry, or by a change to the account.

A session token is 32 random bytes; only its SHA-256 is stored, so the table opens nothing if read.
Each session keeps the role its operator had when it was opened: a session whose account has since
another role, or no account at all, is over. Ending sessions NOTIFYs the gateways, which close the
consoles they served at once; each gateway also checks its open consoles' sessions every few seconds,
which is how expiry closes them.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Callable
from uuid import UUID

import asyncpg
import structlog

from services.tables import Connection, ensure_tables

log = structlog.get_logger()

TABLES = """
CREATE TABLE IF NOT EXISTS operator_sessions (
    id text PRIMARY KEY,
    manager_id uuid NOT NULL,
    role text NOT NULL,
    opened_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    ended_at timestamptz,
    ended_why text
);
CREATE INDEX IF NOT EXISTS operator_sessions_live ON operator_sessions (manager_id) WHERE ended_at IS NULL;
"""
NOTIFY_CHANNEL = "switchboard_sessions_ended"
KEPT_DAYS = 30  # ended and expired sessions are kept this long, to tell who was logged in when


def session_id(token: str) -> str:
    """What the table stores of a token (any string: one that is no token of ours finds nothing)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


async def create_sessions_table(pool: asyncpg.Pool) -> None:
    """Create the sessions table if it is missing."""
    await ensure_tables(pool, TABLES)


async def open_session(pool: asyncpg.Pool, manager_id: UUID, role: str, ttl_seconds: int) -> str:
    """A new session of an operator with ``role``, for ``ttl_seconds``; returns its token."""
    await create_sessions_table(pool)
    token = secrets.token_urlsafe(32)
    await pool.execute(
        "INSERT INTO operator_sessions (id, manager_id, role, expires_at)"
        " VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
        session_id(token),
        manager_id,
        role,
        float(ttl_seconds),
    )
    return token


async def end_session(pool: asyncpg.Pool, token: str, why: str) -> bool:
    """End one session by its token; False if it was not a live session."""
    async with pool.acquire() as conn, conn.transaction():
        ended = await conn.fetchval(
            "UPDATE operator_sessions SET ended_at = now(), ended_why = $2"
            " WHERE id = $1 AND ended_at IS NULL AND expires_at > now() RETURNING manager_id",
            session_id(token),
            why,
        )
        if ended is not None:
            await conn.execute("SELECT pg_notify($1, $2)", NOTIFY_CHANNEL, str(ended))
    return ended is not None


async def end_sessions_of(conn: Connection, manager_id: UUID, why: str) -> int:
    """End every live session of an operator (call it in the transaction that changes the account)."""
    if await conn.fetchval("SELECT to_regclass('operator_sessions')") is None:
        return 0
    ended = await conn.fetch(
        "UPDATE operator_sessions SET ended_at = now(), ended_why = $2"
        " WHERE manager_id = $1 AND ended_at IS NULL RETURNING id",
        manager_id,
        why,
    )
    if ended:
        await conn.execute("SELECT pg_notify($1, $2)", NOTIFY_CHANNEL, str(manager_id))
        log.info("sessions_ended", manager_id=str(manager_id), why=why, sessions=len(ended))
    return len(ended)


async def over(pool: asyncpg.Pool, ids: list[str]) -> set[str]:
    """Which of these sessions are over: ended, expired, unknown, or their account gone or changed in role."""
    rows = await pool.fetch(
        "SELECT w.id FROM unnest($1::text[]) AS w(id)"
        " LEFT JOIN operator_sessions s ON s.id = w.id"
        " LEFT JOIN operator_accounts a ON a.manager_id = s.manager_id"
        " WHERE s.id IS NULL OR s.ended_at IS NOT NULL OR s.expires_at <= now()"
        " OR a.manager_id IS NULL OR a.role <> s.role",
        ids,
    )
    return {r["id"] for r in rows}


async def forget_old(pool: asyncpg.Pool) -> None:
    """Delete sessions over for more than ``KEPT_DAYS``."""
    await pool.execute(
        "DELETE FROM operator_sessions WHERE coalesce(ended_at, expires_at) < now() - make_interval(days => $1)",
        KEPT_DAYS,
    )


class SessionWatch:
    """Ends the consoles whose sessions are over: when told sessions ended, and every ``recheck_seconds``."""

    def __init__(self, pool: asyncpg.Pool, recheck_seconds: float) -> None:
        self._pool = pool
        self._recheck = recheck_seconds
        self._watched: dict[str, set[Callable[[], None]]] = {}
        self._told = asyncio.Event()

    def watch(self, session: str, end: Callable[[], None]) -> None:
        """Call ``end`` once the session is over."""
        self._watched.setdefault(session, set()).add(end)

    def unwatch(self, session: str, end: Callable[[], None]) -> None:
        """Stop watching for ``end`` (its console closed)."""
        ends = self._watched.get(session, set())
        ends.discard(end)
        if not ends:
            self._watched.pop(session, None)

    def sessions_ended(self) -> None:
        """Some sessions ended somewhere (a NOTIFY): check now."""
        self._told.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Check until ``stop`` is set; a failed check is logged and tried again at the next turn."""
        turns = 0
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                told = asyncio.ensure_future(self._told.wait())
                # Stopping wakes the watch at once: a gateway shuts down without waiting out a recheck.
                await asyncio.wait({told, stopping}, timeout=self._recheck, return_when=asyncio.FIRST_COMPLETED)
                told.cancel()
                if stop.is_set():
                    return
                self._told.clear()
                turns = await self._turn(turns)
        finally:
            stopping.cancel()

    async def _turn(self, turns: int) -> int:
        """One check; every thousandth also forgets old sessions. A failure is logged, not raised."""
        try:
            await self.check()
            turns += 1
            if turns % 1000 == 1:
                await forget_old(self._pool)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.warning("sessions_not_checked", reason=str(error) or type(error).__name__)
        return turns

    async def check(self) -> None:
        """End the consoles of every watched session that is over."""
        if not self._watched:
            return
        for session in await over(self._pool, list(self._watched)):
            for end in self._watched.pop(session, set()):
                end()
