"""/healthz: each dependency and each service, with what is wrong if anything is.

Strangers are told only ``ok`` or ``degraded``; the details (with error texts that may name hosts,
database users and mailbox logins) are for admins. The checks run at most once every few seconds
(``health_cache_seconds``), however often /healthz is asked: a flood of requests costs no more
queries than one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient

from services.dead_letters import waiting_counts
from services.ingest.vk_state import community_states

STALE_AFTER_SECONDS = 10
SERVICES = ("ingest", "router", "projections")


async def check_health(  # noqa: PLR0913 - one argument per kind of thing checked
    pool: asyncpg.Pool,
    kafka: AIOKafkaAdminClient,
    *,
    listening: bool,
    mailboxes: tuple[str, ...] = (),
    telegram_bots: tuple[str, ...] = (),
    vk_communities: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Check Postgres, Kafka, live updates and every service's heartbeat."""
    checks: dict[str, dict[str, Any]] = {}
    try:
        await pool.fetchval("SELECT 1")
        checks["postgres"] = {"ok": True}
    except (OSError, asyncpg.PostgresError) as error:
        checks["postgres"] = {"ok": False, "error": str(error)}
    try:
        brokers = (await kafka.describe_cluster())["brokers"]
        checks["kafka"] = {"ok": bool(brokers), "brokers": len(brokers)}
    except Exception as error:  # noqa: BLE001 - any failure means Kafka is not usable
        checks["kafka"] = {"ok": False, "error": str(error) or type(error).__name__}
    checks["live_updates"] = {"ok": listening}
    if checks["postgres"]["ok"]:
        rows = await pool.fetch(
            "SELECT service, count(*) AS alive FROM service_heartbeats"
            " WHERE beat_at > now() - make_interval(secs => $1) GROUP BY service",
            STALE_AFTER_SECONDS,
        )
        alive = {r["service"]: r["alive"] for r in rows}
        for service in SERVICES:
            checks[service] = {"ok": alive.get(service, 0) > 0, "instances": alive.get(service, 0)}
        checks["dead_letters"] = await _dead_letters(pool)
        mail = await _mailboxes(pool, mailboxes)
        if mail:
            checks["mail"] = {"ok": all(m["connected"] for m in mail.values()), "mailboxes": mail}
        bots = await _telegram_bots(pool, telegram_bots)
        if bots:
            checks["telegram"] = {"ok": all(b["ok"] for b in bots.values()), "bots": bots}
        if vk_communities:
            vk = await community_states(pool, vk_communities)
            checks["vk"] = {"ok": all(c["ok"] for c in vk.values()), "communities": vk}
    ok = all(c["ok"] for c in checks.values())
    return {"status": "ok" if ok else "degraded", "checks": checks}


async def _dead_letters(pool: asyncpg.Pool) -> dict[str, Any]:
    """Records set aside and waiting, per consumer; listed and re-driven with ``switchboard dead-letters``.

    Always ok: a letter is one record kept aside while everything after it flows, so the services
    are healthy and taking them out of service would help nobody. The count is shown here and in
    /metrics, where an alert on a non-zero value tells ops to look.
    """
    by_consumer = await waiting_counts(pool)
    return {"ok": True, "count": sum(by_consumer.values()), "by_consumer": by_consumer}


async def _mailboxes(pool: asyncpg.Pool, configured: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Each mailbox: connected or not, since when, and the last error; one not heard of yet is not ok."""
    waiting = {"connected": False, "error": "not connected yet", "since": None, "rejected_mails": 0}
    if await pool.fetchval("SELECT to_regclass('mailbox_health')") is None:
        return {name: dict(waiting) for name in configured}
    rows = await pool.fetch("SELECT mailbox, connected, error, since FROM mailbox_health ORDER BY mailbox")
    rejected: dict[str, int] = {}
    if await pool.fetchval("SELECT to_regclass('mail_rejections')") is not None:
        counts = await pool.fetch("SELECT mailbox, count(*) AS n FROM mail_rejections GROUP BY mailbox")
        rejected = {r["mailbox"]: r["n"] for r in counts}
    reported = {
        r["mailbox"]: {
            "connected": r["connected"],
            "error": r["error"],
            "since": r["since"].isoformat(),
            "rejected_mails": rejected.get(r["mailbox"], 0),  # listed at /api/mail/rejections
        }
        for r in rows
    }
    return {name: dict(waiting) for name in configured} | reported


class CachedHealth:
    """The last health report, checked again when it is older than ``max_age`` seconds; one check at a time."""

    def __init__(self, check: Callable[[], Awaitable[dict[str, Any]]], max_age: float) -> None:
        self._check = check
        self._max_age = max_age
        self._report: dict[str, Any] | None = None
        self._checked_at = 0.0
        self._lock = asyncio.Lock()

    async def report(self) -> dict[str, Any]:
        """The health report, at most ``max_age`` seconds old."""
        async with self._lock:
            if self._report is None or time.monotonic() - self._checked_at >= self._max_age:
                self._report = await self._check()
                self._checked_at = time.monotonic()
            return self._report


async def _telegram_bots(pool: asyncpg.Pool, configured: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Each Telegram bot: its mode, its state (serving or polling when ok), the last error and since when."""
    waiting = {"ok": False, "mode": None, "state": "starting", "error": None, "since": None}
    if not configured or await pool.fetchval("SELECT to_regclass('telegram_bot_health')") is None:
        return {name: dict(waiting) for name in configured}
    rows = await pool.fetch(
        "SELECT bot, mode, state, error, since FROM telegram_bot_health WHERE bot = ANY($1::text[])", list(configured)
    )
    reported = {
        r["bot"]: {
            "ok": r["state"] in {"serving", "polling"},
            "mode": r["mode"],
            "state": r["state"],
            "error": r["error"],
            "since": r["since"].isoformat(),
        }
        for r in rows
    }
    return {name: dict(waiting) for name in configured} | reported
