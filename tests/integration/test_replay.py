"""Replay from the event store: it goes on after being killed, and needs nothing of the domain-events topic."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import asyncpg
import pytest
from aiokafka import TopicPartition

from application.event_store import EventStore
from application.managers import register_manager
from services.bootstrap import build_admin, build_consumer, build_producer
from services.cli import main as cli_main
from services.console.metrics import render
from services.projections import event_log, versions
from services.projections.rebuild import REBUILD_SCHEMA, differences, rebuild
from services.projections.replay import REPLAY_LOCK, replay
from services.projections.runner import follow
from services.projections.schema import LIVE_SCHEMA, READ_MODEL_TABLES, create_read_models, drop_read_models
from services.projections.tracking import Position, apply_records, load_position
from services.projections.versions import tables_of
from services.router.outbox import OutboxRelay
from services.settings import Settings
from services.topics import Topics, create_topics
from tests.conftest import REPO_ROOT, settings_env
from tests.projected import project
from tests.replay_histories import World, records, write_copied_history

pytestmark = pytest.mark.integration

FIXED = [
    *[("manager", 0, 3), ("work_day", 0, 0), ("manager", 1, 2), ("work_day", 1, 0)],
    *[("message", a, 0) for a in range(4)],
    *[("reply", 0, b) for b in range(3)],
    *[("deal", 0, b) for b in range(3)],
    *[("line", a, 1) for a in range(3)],
    *[("move", 0, 2), ("move", 1, 5), ("activity", 0, 0), ("activity", 0, 1), ("complete", 0, 0)],
]


async def _until(check: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not await check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def test_a_killed_replay_goes_on_from_its_checkpoint(store: EventStore, settings: Settings) -> None:
    async def scenario() -> None:
        pool = await asyncpg.create_pool(settings.database_url, min_size=2, max_size=4)
        assert pool is not None
        try:
            total = await write_copied_history(pool, deals=300)  # some 49,000 events: five pages
            command = [sys.executable, "-m", "services.cli", "replay"]
            env = {**os.environ, **settings_env(settings)}
            process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stderr=subprocess.DEVNULL)
            try:

                async def checkpointed() -> bool:
                    found = await versions.checkpoint(pool)
                    return found is not None and found.notification_id > 0

                await _until(checkpointed, timeout=120)
                # The replay's next page cannot commit past this lock: it is killed where it was seen.
                async with pool.acquire() as holder, holder.transaction():
                    await holder.execute(f"LOCK TABLE {versions.NEXT_SCHEMA}.replay IN EXCLUSIVE MODE")
                    seen = await versions.checkpoint(holder)
                    process.send_signal(signal.SIGKILL)
                    process.wait()
            finally:
                process.send_signal(signal.SIGKILL)
                process.wait()

            # The killed replay's session ends, and its lock with it, once PostgreSQL sees the connection gone.
            async def released() -> bool:
                return not await pool.fetchval(
                    "SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND objid = $1)", REPLAY_LOCK
                )

            await _until(released, timeout=60)
            killed_at = await versions.checkpoint(pool)
            assert killed_at is not None
            assert killed_at == seen
            assert 0 < killed_at.notification_id < total

            resumed = await replay(pool)

            assert resumed.switched
            assert resumed.events == total - killed_at.notification_id
            assert (await load_position(pool, LIVE_SCHEMA)).notification_id == total
            # The same history replayed in one go, from the start, builds the same read models.
            again = await replay(pool, restart=True)
            assert again.events == total
            assert await differences(pool, LIVE_SCHEMA, versions.PREVIOUS_SCHEMA) == {}
            assert await pool.fetchval(f"SELECT count(*) FROM {LIVE_SCHEMA}.deals") == 300
            # The planner knows the new tables: a page of a record's timeline reads the record's rows by index.
            for table in ("conversations", "messages", "deals", "scheduled_activities", "timeline"):
                analyzed = "SELECT count(*) FROM pg_stats WHERE schemaname = $1 AND tablename = $2"
                assert await pool.fetchval(analyzed, LIVE_SCHEMA, table), table
        finally:
            await pool.close()

    asyncio.run(scenario())


def test_a_replay_needs_nothing_of_the_domain_events_topic(store: EventStore, settings: Settings) -> None:
    World(store).play(FIXED)
    asyncio.run(project(settings, store))

    async def scenario() -> None:
        topic = Topics.named(settings.topic_prefix).domain_events
        admin = build_admin(settings)
        await admin.start()
        try:
            await admin.delete_topics([topic])

            # A topic still being deleted answers "already exists", which creating takes as made: wait it out.
            async def deleted() -> bool:
                return topic not in await admin.list_topics()

            await _until(deleted, timeout=60)
        finally:
            await admin.close()

        async def recreated() -> bool:
            try:
                await create_topics(settings)
            except Exception:  # noqa: BLE001 - the broker is still deleting it
                return False
            return True

        await _until(recreated, timeout=60)
        consumer = build_consumer(settings)
        await consumer.start()
        try:
            partition = TopicPartition(topic, 0)
            assert (await consumer.end_offsets([partition]))[partition] == 0
        finally:
            await consumer.stop()

        pool = await asyncpg.create_pool(settings.database_url, min_size=2, max_size=4)
        assert pool is not None
        try:
            head = await event_log.head(pool)
            done = await replay(pool)
            assert done.switched
            assert done.notification_id == head
            # What the live projection had built from the topic before it went is what the replay built.
            assert await differences(pool, LIVE_SCHEMA, versions.PREVIOUS_SCHEMA) == {}
            for table in ("conversations", "messages", "deals", "deal_lines", "scheduled_activities", "timeline"):
                assert await pool.fetchval(f"SELECT count(*) FROM {LIVE_SCHEMA}.{table}"), table
            assert set(READ_MODEL_TABLES) <= {
                r["tablename"]
                for r in await pool.fetch("SELECT tablename FROM pg_tables WHERE schemaname = $1", LIVE_SCHEMA)
            }

            # A projection that starts on empty read models fills them from the event store, not the empty
            # topic, then follows the topic for what comes next.
            await drop_read_models(pool, LIVE_SCHEMA)
            await versions.drop(pool, versions.PREVIOUS_SCHEMA)
            stop = asyncio.Event()
            following = asyncio.create_task(follow(settings, pool, LIVE_SCHEMA, stop, notify=False))
            try:

                async def filled() -> bool:
                    assert not following.done(), following
                    return await _position(pool) == head

                await _until(filled, timeout=60)
                await rebuild(pool)
                assert await differences(pool, LIVE_SCHEMA, REBUILD_SCHEMA) == {}
                later = await asyncio.to_thread(register_manager, store, "Vera", "vera@example.com", 2, settings.team)
                await _relayed(settings, store, pool, after=head)

                async def followed() -> bool:
                    return await _position(pool) > head

                await _until(followed, timeout=60)
                assert await pool.fetchval(f"SELECT name FROM {LIVE_SCHEMA}.managers WHERE id = $1", later) == "Vera"
            finally:
                stop.set()
                await following
        finally:
            await pool.close()

    asyncio.run(scenario())


async def _position(pool: asyncpg.Pool) -> int:
    if await pool.fetchval("SELECT to_regclass($1)", f"{LIVE_SCHEMA}.position") is None:
        return 0
    return (await load_position(pool, LIVE_SCHEMA)).notification_id


async def _relayed(settings: Settings, store: EventStore, pool: asyncpg.Pool, *, after: int) -> None:
    producer = build_producer(settings)
    await producer.start()
    try:
        relay = OutboxRelay(store, producer, pool, Topics.named(settings.topic_prefix))
        await relay.publish_after(after)
    finally:
        await producer.stop()


def test_metrics_show_each_read_models_lag_and_a_replays_progress(store: EventStore, settings: Settings) -> None:
    async def scenario() -> None:
        pool = await asyncpg.create_pool(settings.database_url, min_size=2, max_size=4)
        assert pool is not None
        try:
            total = await write_copied_history(pool, deals=40)
            before = await render(pool)
            assert f"switchboard_event_log_head {total}\n" in before
            assert f'switchboard_read_model_lag_events{{read_model="sales"}} {total}\n' in before
            assert "switchboard_replay_running 0\n" in before

            stopped = await replay(pool, ["sales"], stop_after=5000)
            assert not stopped.switched
            during = await render(pool)
            assert "switchboard_replay_running 1\n" in during
            assert f'switchboard_replay_position{{read_models="sales"}} {stopped.notification_id}\n' in during
            assert 'switchboard_replay_target{read_models="sales"} 5000\n' in during

            await replay(pool, ["sales"])
            after = await render(pool)
            assert "switchboard_replay_running 0\n" in after
            assert f'switchboard_read_model_position{{read_model="inbox"}} {total}\n' in after
            assert 'switchboard_read_model_lag_events{read_model="sales"} 0\n' in after
        finally:
            await pool.close()

    asyncio.run(scenario())


def test_verify_prints_the_rows_that_differ_and_switches_only_versions_that_agree(
    store: EventStore, settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    World(store).play(FIXED)
    published = records(store)

    async def live(tamper: bool) -> None:
        pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
        assert pool is not None
        try:
            if not tamper:
                await create_read_models(pool, LIVE_SCHEMA)
                await apply_records(pool, LIVE_SCHEMA, published, Position(0, -1), notify=False)
            else:
                await pool.execute(f"UPDATE {LIVE_SCHEMA}.deals SET title = 'Wrong' WHERE title = 'Deal 13'")
        finally:
            await pool.close()

    asyncio.run(live(tamper=False))
    for name, value in settings_env(settings).items():
        monkeypatch.setenv(name, value)
    assert cli_main(["replay", "--verify"]) == 0
    assert "switched" in capsys.readouterr().out

    asyncio.run(live(tamper=True))
    assert cli_main(["replay", "sales", "--verify"]) == 1
    shown = capsys.readouterr().out
    assert "deals: 2 rows differ" in shown
    assert "  live: id=" in shown
    assert "  new: id=" in shown
    assert ", title=Wrong, " in shown
    assert ", title=Deal 13, " in shown
    assert "not switched" in shown

    assert cli_main(["replay", "sales", "--drop-old"]) == 0
    shown = capsys.readouterr().out
    assert "switched" in shown
    assert f"dropped the previous version ({versions.PREVIOUS_SCHEMA})" in shown


def test_a_read_model_new_to_the_live_version_is_filled_from_the_whole_history(
    store: EventStore, settings: Settings
) -> None:
    World(store).play(FIXED)
    published = records(store)

    async def scenario() -> None:
        pool = await asyncpg.create_pool(settings.database_url, min_size=2, max_size=4)
        assert pool is not None
        try:
            await create_read_models(pool, LIVE_SCHEMA)
            await apply_records(pool, LIVE_SCHEMA, published, Position(0, -1), notify=False)
            # Deployed after the history happened: the live projection has filled it with nothing yet.
            sales = tables_of(("sales",))
            await pool.execute(f"TRUNCATE {', '.join(f'{LIVE_SCHEMA}.{t}' for t in sales)}")
            inbox_before = await pool.fetch(f"SELECT * FROM {LIVE_SCHEMA}.messages ORDER BY notification_id")

            done = await replay(pool, ["sales"])

            assert done.switched
            kept = await pool.fetch("SELECT tablename FROM pg_tables WHERE schemaname = $1", versions.PREVIOUS_SCHEMA)
            assert sorted(r["tablename"] for r in kept) == sorted(sales)
            assert await pool.fetch(f"SELECT * FROM {LIVE_SCHEMA}.messages ORDER BY notification_id") == inbox_before
            assert await pool.fetchval(f"SELECT count(*) FROM {LIVE_SCHEMA}.deals") == 3
            # The whole of it, as a replay of everything from the start builds it.
            await replay(pool, restart=True)
            assert await differences(pool, LIVE_SCHEMA, versions.PREVIOUS_SCHEMA) == {}
        finally:
            await pool.close()

    asyncio.run(scenario())


def test_a_second_replay_while_one_runs_is_refused_and_changes_nothing(store: EventStore, settings: Settings) -> None:
    World(store).play(FIXED)

    async def scenario() -> None:
        pool = await asyncpg.create_pool(settings.database_url, min_size=2, max_size=4)
        assert pool is not None
        try:
            async with pool.acquire() as running:
                assert await running.fetchval("SELECT pg_try_advisory_lock($1)", REPLAY_LOCK)
                with pytest.raises(versions.ReplayUnderWay, match="another replay is running"):
                    await replay(pool)
                assert await versions.checkpoint(pool) is None
                await running.execute("SELECT pg_advisory_unlock($1)", REPLAY_LOCK)
            assert (await replay(pool)).switched
        finally:
            await pool.close()

    asyncio.run(scenario())
