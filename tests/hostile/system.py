"""The system under attack: its processes and limits, and the checks that it is still whole afterwards."""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from typing import Any

import asyncpg
import httpx
from websockets.asyncio.client import ClientConnection

from application.managers import register_manager
from bench.waiting import TimedOut, until
from devstack.processes import spawn
from domain.channels import Channel
from domain.identities import conversation_id
from domain.text import TextKind, is_clean
from services.bootstrap import build_event_store
from services.console.accounts import Role, add_account
from services.console.sessions import open_session
from services.projections.schema import LIVE_SCHEMA
from services.settings import Settings
from tests.conftest import settings_env
from tests.e2e.test_webchat_roundtrip import operator_socket, visitor_socket
from tests.services_running import RunningServices

WAIT = 15.0
# The corpus comes from one address. Limits per address are raised for the main services, so that a
# token or socket cap never answers where a case expects its own answer; X-Forwarded-For from a
# trusted proxy gives each REST case an address of its own (login and history limits are per
# address). Limits per visitor and per operator keep their defaults: the corpus gives each few cases
# their own visitor or operator, and the rate-limit cases run against a second gateway with every
# default. Only fields that exist in Settings are set; the rest are reported.
RELAXED_LIMITS: dict[str, object] = {
    "widget_new_visitor_burst": 1_000_000,
    "webchat_max_sockets_per_address": 100_000,
    "webchat_max_unauthenticated_per_address": 100_000,
    "console_max_pending_sockets": 100_000,
    "trusted_proxies": ["127.0.0.1/32"],
}
KEPT_AT_DEFAULT = (
    "webchat_messages_per_second",
    "webchat_message_burst",
    "webchat_max_sockets_per_visitor",
    "widget_new_visitor_seconds",
)
LIMIT_WORDS = ("per_second", "per_minute", "burst", "per_address", "per_visitor", "pending")
OPERATOR_TEAM = "hostile-directors"


def relaxed_limits() -> tuple[dict[str, str], list[str], list[str]]:
    """The environment raising the limits that exist; names not in Settings; limit fields nobody decided on."""
    fields = Settings.model_fields
    env = {
        f"SWITCHBOARD_{name.upper()}": value if isinstance(value, str) else json.dumps(value)
        for name, value in RELAXED_LIMITS.items()
        if name in fields
    }
    missing = [name for name in RELAXED_LIMITS if name not in fields]
    known = {*RELAXED_LIMITS, *KEPT_AT_DEFAULT}
    untouched = [f for f in fields if any(w in f for w in LIMIT_WORDS) and f not in known]
    return env, missing, untouched


async def directors(settings: Settings, pool: asyncpg.Pool, count: int) -> list[str]:
    """Session tokens of ``count`` new directors outside the sales team: one per batch of console cases."""
    store = await asyncio.to_thread(build_event_store, settings)
    tokens = []
    try:
        for n in range(count):
            name, email = f"Hostile Director {n}", f"director{n}@{OPERATOR_TEAM}.example"
            manager = await asyncio.to_thread(register_manager, store, name, email, 0, OPERATOR_TEAM)
            await add_account(pool, email, manager, name, Role.DIRECTOR, secrets.token_urlsafe(12))
            tokens.append(await open_session(pool, manager, Role.DIRECTOR, 3600))
    finally:
        store.close()
    return tokens


class HostileServices(RunningServices):
    """Service processes with extra environment (the relaxed limits)."""

    def __init__(self, settings: Settings, logs: Any, extra_env: dict[str, str]) -> None:
        super().__init__(settings, logs)
        self.extra_env = extra_env

    def start(self, service: str, instance: str | None = None) -> None:
        name = instance or service
        env = {**settings_env(self.settings), **self.extra_env}
        self.processes[name] = spawn(service, env, self.logs / f"{name}.log")


async def log_in(settings: Settings, email: str, password: str) -> dict[str, Any]:
    """A session token and the operator, from the gateway's login."""
    async with httpx.AsyncClient(base_url=settings.console_url) as http:
        response = await http.post("/api/login", json={"email": email, "password": password})
    response.raise_for_status()
    found: dict[str, Any] = response.json()
    return found


async def visitor_conversation(settings: Settings, pool: asyncpg.Pool) -> uuid.UUID:
    """A conversation a visitor opened, once the read models show it: something for replies to answer."""
    visitor, visitor_id = await visitor_socket(settings)
    await visitor.send(json.dumps({"type": "message", "id": "setup", "text": "A conversation to answer"}))
    await visitor.close()
    conversation = conversation_id(Channel.WEBCHAT, visitor_id)

    async def shown() -> bool:
        return bool(await pool.fetchval(f"SELECT 1 FROM {LIVE_SCHEMA}.conversations WHERE id = $1", conversation))

    await until(shown, WAIT, "the setup conversation in the read models")
    return conversation


async def stored_as_accepted(pool: asyncpg.Pool, accepted: dict[str, dict[str, str]], visitors: set[str]) -> list[str]:
    """Each hostile visitor's stored messages are exactly those the widget accepted, with the same text."""

    async def stored() -> dict[str, dict[str, str]]:
        rows = await pool.fetch(
            f"SELECT c.thread, m.message_id, m.text FROM {LIVE_SCHEMA}.messages m"
            f" JOIN {LIVE_SCHEMA}.conversations c ON c.id = m.conversation_id"
            " WHERE c.channel = 'webchat' AND m.author = 'customer' AND c.thread = ANY($1::text[])",
            list(visitors),
        )
        found: dict[str, dict[str, str]] = {v: {} for v in visitors}
        for row in rows:
            found[row["thread"]][row["message_id"].partition("/")[2]] = row["text"]
        return found

    async def caught_up() -> dict[str, dict[str, str]] | None:
        found = await stored()
        return found if all(set(accepted.get(v, {})) <= set(found[v]) for v in visitors) else None

    try:
        found = await until(caught_up, WAIT, "every accepted widget message in the read models", interval=0.2)
    except TimedOut:
        found = await stored()
    problems = []
    for visitor in sorted(visitors):
        want, have = accepted.get(visitor, {}), found[visitor]
        if extra := sorted(set(have) - set(want)):
            problems.append(f"widget visitor {visitor[:8]}: stored but never accepted: {[repr(i)[:40] for i in extra]}")
        if lost := sorted(set(want) - set(have)):
            problems.append(f"widget visitor {visitor[:8]}: accepted but not stored: {[repr(i)[:40] for i in lost]}")
        changed = [i for i in set(want) & set(have) if want[i] != have[i]]
        if changed:
            problems.append(f"widget visitor {visitor[:8]}: text changed for {[repr(i)[:40] for i in changed]}")
    return problems


async def read_models_clean(pool: asyncpg.Pool) -> list[str]:
    """No text column of any read model holds a character the text rule refuses."""
    columns = await pool.fetch(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = $1 AND data_type IN ('text', 'character varying')",
        LIVE_SCHEMA,
    )
    problems = []
    for column in columns:
        table, name = column["table_name"], column["column_name"]
        values = await pool.fetch(f'SELECT "{name}" AS v FROM {LIVE_SCHEMA}."{table}"')
        dirty = [r["v"] for r in values if r["v"] is not None and not is_clean(r["v"], TextKind.TEXT)]
        if dirty:
            problems.append(
                f"read model {table}.{name}: {len(dirty)} values with control characters, e.g. {dirty[0][:40]!r}"
            )
    return problems


async def frame_where(socket: ClientConnection, kind: str, test: Any, within: float = WAIT) -> dict[str, Any]:
    """The next frame of ``kind`` for which ``test`` holds, skipping others."""
    async with asyncio.timeout(within):
        while True:
            frame: dict[str, Any] = json.loads(await socket.recv())
            if frame.get("type") == kind and test(frame):
                return frame


async def conversation_still_works(settings: Settings) -> None:
    """A visitor writes, a working manager is told live, replies, and the visitor reads the reply."""
    anna = await operator_socket(settings, "anna@example.com")
    boris = await operator_socket(settings, "boris@example.com")
    visitor, visitor_id = await visitor_socket(settings)
    try:
        await visitor.send(json.dumps({"type": "message", "id": "after", "text": "Still there after all that?"}))
        await frame_where(visitor, "accepted", lambda f: f.get("id") == "after")
        ours = f"webchat:{visitor_id}"
        waits = {
            asyncio.ensure_future(frame_where(s, "conversation", lambda f: f["conversation"]["address"] == ours)): s
            for s in (anna, boris)
        }
        done, pending = await asyncio.wait(waits, timeout=WAIT, return_when=asyncio.FIRST_COMPLETED)
        for wait in pending:
            wait.cancel()
        assert done, "no operator was told of the new conversation"
        first = done.pop()
        holder, conversation = waits[first], first.result()["conversation"]
        await frame_where(holder, "message", lambda f: f["message"]["text"] == "Still there after all that?")
        reply = {
            "type": "reply",
            "conversation_id": conversation["id"],
            "text": "Yes, still here.",
            "request_id": "after",
        }
        await holder.send(json.dumps(reply))
        await frame_where(holder, "ack", lambda f: f.get("request_id") == "after")
        await frame_where(visitor, "reply", lambda f: f.get("text") == "Yes, still here.")
    finally:
        for socket in (anna, boris, visitor):
            await socket.close()
