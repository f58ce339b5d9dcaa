"""/healthz: each dependency and each service, with what is wrong if anything is."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient

from services.dead_letters import waiting_counts
from services.ingest.vk_state import community_states

STALE_AFTER_SECONDS = 10
SERVICES = ("ingest", "router", "projections")


async def check_health(
    pool: asyncpg.Pool,
    kafka: AIOKafkaAdminClient,
    *,
    listening: bool,
    mailboxes: tuple[str, ...] = (),
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
