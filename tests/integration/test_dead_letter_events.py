"""Domain events the projection cannot apply are set aside; the events after them are applied.

The projections run as their own process against real Kafka and Postgres. Poisoned events are put
straight on the domain-events topic, between valid ones: a record that is not JSON, a capacity out
of the database's range, an id that is not a UUID, and a message the read model refuses (a trigger
standing for any cause that ops can fix). Afterwards the process still runs, the position has passed
them, /healthz and /metrics count them, a restart does not apply them again, and once the cause is
fixed `switchboard dead-letters redrive` applies the one that can be.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest
from aiokafka.structs import ConsumerRecord

from bench.waiting import until
from services.bootstrap import build_producer
from services.dead_letters import PROJECTIONS, create_dead_letters
from services.projections.schema import LIVE_SCHEMA, create_read_models
from services.projections.tracking import Position, apply_records, load_position
from services.settings import Settings
from services.topics import Topics
from tests.conftest import settings_env
from tests.services_running import RunningServices, health_details, services

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC).isoformat()
REFUSE_POISON = f"""
CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.message_id LIKE 'poison%' THEN
        RAISE EXCEPTION 'message % refused' , NEW.message_id USING ERRCODE = '22023';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER refuse_poison BEFORE INSERT ON {LIVE_SCHEMA}.messages
    FOR EACH ROW EXECUTE FUNCTION refuse_poison();
"""


def event(notification_id: int, kind: str, aggregate_id: UUID, data: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "notification_id": notification_id,
            "type": kind,
            "aggregate_id": str(aggregate_id),
            "version": 1,
            "occurred_at": NOW,
            "data": data,
        }
    ).encode()


def test_events_the_projection_cannot_apply_are_set_aside_and_the_rest_flow_on(
    settings: Settings, tmp_path: Path
) -> None:
    asyncio.run(prepare(settings))
    with services(settings, tmp_path / "logs", ("projections", "gateway")) as running:
        asyncio.run(drive(settings, running))


async def prepare(settings: Settings) -> None:
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    assert pool is not None
    try:
        await create_read_models(pool, LIVE_SCHEMA)
        await pool.execute(REFUSE_POISON)
    finally:
        await pool.close()


async def publish(settings: Settings, *values: bytes) -> None:
    producer = build_producer(settings)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(Topics.named(settings.topic_prefix).domain_events, value, partition=0)
    finally:
        await producer.stop()


async def drive(settings: Settings, running: RunningServices) -> None:
    manager, conversation = uuid4(), uuid4()
    opened = {"channel": "webchat", "thread": "v\x001", "address": "webchat:v1", "contact_id": str(uuid4())}
    await publish(
        settings,
        event(1, "Manager.Registered", manager, {"name": "Anna", "email": "anna@example.com", "capacity": 3}),
        b"\x00not json",
        event(2, "Manager.CapacityChanged", manager, {"capacity": 2**40}),
        event(3, "Conversation.Opened", uuid4(), {**opened, "contact_id": "not-a-uuid"}),
        event(4, "Manager.WorkDayStarted", manager, {}),
        event(5, "Conversation.Opened", conversation, opened),
        event(
            6,
            "Conversation.CustomerWrote",
            conversation,
            {"channel_message_id": "poison-1", "text": "hi", "received_at": NOW},
        ),
        event(
            7,
            "Conversation.CustomerWrote",
            conversation,
            {"channel_message_id": "a\x00b", "text": "after", "received_at": NOW},
        ),
    )
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    assert pool is not None
    try:
        await reached(pool, 7)
        assert running.processes["projections"].poll() is None, running.log_tail("projections")
        assert dict(await pool.fetchrow(f"SELECT work_day, capacity FROM {LIVE_SCHEMA}.managers")) == {
            "work_day": "started",
            "capacity": 3,
        }
        messages = await pool.fetch(f"SELECT message_id, text FROM {LIVE_SCHEMA}.messages ORDER BY notification_id")
        assert [tuple(m) for m in messages] == [("ab", "after")]  # NUL taken out of the id, not set aside
        letters = await pool.fetch("SELECT * FROM dead_letters ORDER BY kafka_offset")
        assert [(r["consumer"], r["kafka_offset"], r["attempts"]) for r in letters] == [
            ("projections", 1, 1),
            ("projections", 2, 3),
            ("projections", 3, 3),
            ("projections", 6, 3),
        ]
        assert letters[0]["error_type"] == "UnreadableEvent"
        assert letters[0]["value"] == b"\x00not json"
        assert "int32" in letters[1]["error"]
        assert letters[3]["error_type"] == "InvalidParameterValueError"
        assert "poison-1 refused" in letters[3]["error"]
        await counted_in_health_and_metrics(settings, 4)

        running.kill("projections")
        running.start("projections")
        await publish(settings, event(8, "Manager.WorkDayPaused", manager, {}))
        await reached(pool, 8)
        again = await pool.fetch("SELECT id, attempts, last_failed_at FROM dead_letters ORDER BY id")
        assert [tuple(r) for r in again] == [(r["id"], r["attempts"], r["last_failed_at"]) for r in letters]
        assert await pool.fetchval(f"SELECT work_day FROM {LIVE_SCHEMA}.managers") == "paused"

        listed = cli(settings, "dead-letters", "list", "--consumer", "projections")
        assert listed.returncode == 0, listed.stderr
        assert len(listed.stdout.splitlines()) == 4

        await pool.execute(f"DROP TRIGGER refuse_poison ON {LIVE_SCHEMA}.messages")
        fixed = cli(settings, "dead-letters", "redrive", str(letters[3]["id"]), "--by", "ops@example.com")
        assert fixed.returncode == 0, fixed.stdout + fixed.stderr
        assert await pool.fetchval(f"SELECT count(*) FROM {LIVE_SCHEMA}.messages WHERE message_id = 'poison-1'") == 1
        redriven = await pool.fetchrow(
            "SELECT redriven_at, redriven_by FROM dead_letters WHERE id = $1", letters[3]["id"]
        )
        assert redriven["redriven_at"] is not None
        assert redriven["redriven_by"] == "ops@example.com"

        still = cli(settings, "dead-letters", "redrive", str(letters[1]["id"]))
        assert still.returncode == 1
        assert "failed again" in still.stdout
        kept = await pool.fetchrow("SELECT attempts, redriven_at FROM dead_letters WHERE id = $1", letters[1]["id"])
        assert dict(kept) == {"attempts": 4, "redriven_at": None}
        assert await pool.fetchval(f"SELECT capacity FROM {LIVE_SCHEMA}.managers") == 3
        await counted_in_health_and_metrics(settings, 3)
    finally:
        await pool.close()


async def reached(pool: asyncpg.Pool, notification_id: int) -> None:
    async def applied() -> bool:
        if await pool.fetchval("SELECT to_regclass($1)", f"{LIVE_SCHEMA}.position") is None:
            return False
        return (await load_position(pool, LIVE_SCHEMA)).notification_id >= notification_id

    await until(applied, 60, f"the projection to pass notification {notification_id}", interval=0.1)


async def counted_in_health_and_metrics(settings: Settings, count: int) -> None:
    async with httpx.AsyncClient(base_url=settings.console_url) as http:

        async def report() -> dict[str, Any] | None:
            try:
                health = await health_details(settings)
            except httpx.HTTPError:
                return None
            return health if health is not None and "dead_letters" in health["checks"] else None

        health = await until(report, 60, "/healthz with dead letters")
        assert health["checks"]["dead_letters"] == {"ok": True, "count": count, "by_consumer": {"projections": count}}
        metrics = await http.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert f'switchboard_dead_letters{{consumer="projections"}} {count}\n' in metrics.text
    assert 'switchboard_dead_letters{consumer="router"} 0\n' in metrics.text
    assert settings.secret_key.get_secret_value() not in metrics.text


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        env={**settings_env(settings), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


LOSE_CONNECTION = f"""
CREATE FUNCTION lose_connection() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.message_id = 'lost' THEN
        PERFORM pg_terminate_backend(pg_backend_pid());
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER lose_connection BEFORE INSERT ON {LIVE_SCHEMA}.messages
    FOR EACH ROW EXECUTE FUNCTION lose_connection();
"""


def record(offset: int, value: bytes) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord("t.domain-events", 0, offset, 0, 0, None, value, None, 0, len(value), ())


@pytest.mark.asyncio
async def test_a_lost_connection_fails_the_batch_and_sets_nothing_aside(pool: asyncpg.Pool) -> None:
    await create_read_models(pool, LIVE_SCHEMA)
    await create_dead_letters(pool)
    await pool.execute(LOSE_CONNECTION)
    conversation = uuid4()
    opened = {"channel": "webchat", "thread": "v1", "address": "webchat:v1", "contact_id": str(uuid4())}
    wrote = {"channel_message_id": "lost", "text": "hi", "received_at": NOW}
    records = [
        record(0, event(1, "Conversation.Opened", conversation, opened)),
        record(1, event(2, "Conversation.CustomerWrote", conversation, wrote)),
    ]
    start = Position(notification_id=0, kafka_offset=-1)
    with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError, OSError)):
        await apply_records(pool, LIVE_SCHEMA, records, start, notify=False, consumer=PROJECTIONS)
    assert await load_position(pool, LIVE_SCHEMA) == start
    assert await pool.fetchval(f"SELECT count(*) FROM {LIVE_SCHEMA}.conversations") == 0
    assert await pool.fetchval("SELECT count(*) FROM dead_letters") == 0

    await pool.execute(f"DROP TRIGGER lose_connection ON {LIVE_SCHEMA}.messages")
    applied = await apply_records(pool, LIVE_SCHEMA, records, start, notify=False, consumer=PROJECTIONS)
    assert applied == Position(notification_id=2, kafka_offset=1)
    assert await pool.fetchval(f"SELECT message_id FROM {LIVE_SCHEMA}.messages") == "lost"
