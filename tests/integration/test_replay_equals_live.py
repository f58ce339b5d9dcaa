"""A replay from the event store builds every read model as the live projection builds it, event by event."""

from __future__ import annotations

import asyncio
import json
import secrets
from unittest import mock

import asyncpg
import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from devstack.postgres import LocalPostgres
from domain.manager import Manager
from domain.published_event import PublishedEvent
from services.bootstrap import build_event_store
from services.projections import event_log, replay_pages
from services.projections import replay as replay_module
from services.projections.rebuild import differences
from services.projections.replay import replay
from services.projections.schema import LIVE_SCHEMA, create_read_models
from services.projections.tracking import Position, apply_records, load_position
from services.projections.versions import PREVIOUS_SCHEMA
from services.settings import Settings
from tests.replay_histories import Step, World, records, steps

pytestmark = pytest.mark.integration


# Activities PostgreSQL folds in a replay: reminded, moved to the same and to another reminder, called
# and done, on a deal given to another contact and on a contact, across pages and within one; and one
# whose title holds "NaN", left to the rules with every event of it.
_ACTIVITIES: list[Step] = [
    ("manager", 0, 0),
    ("message", 0, 0),
    ("message", 1, 0),
    ("deal", 0, 0),
    ("activity", 1, 0),
    ("remind", 0, 0),
    ("line", 0, 1),  # the rules' events between an activity's: it spans pages of one rules' event
    ("reschedule", 0, 1),
    ("remind", 0, 0),
    ("line", 0, 2),
    ("reschedule", 0, 2),
    ("call", 0, 3),
    ("relink", 0, 1),
    ("activity", 2, 2),
    ("activity", 0, 4),
    ("reschedule", 1, 1),
    ("line", 0, 3),
    ("remind", 1, 0),
    ("call", 2, 0),
    ("complete", 0, 0),
    ("line", 0, 4),
    ("complete", 2, 0),
    ("call", 0, 5),
    ("activity", 1, 1),
    ("remind", 3, 0),
    ("line", 0, 5),
    ("reschedule", 3, 1),  # to the same reminder, which stays fired
]


@hypothesis_settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=steps, cuts=st.lists(st.integers(1, 9), min_size=1, max_size=4), page=st.integers(1, 12))
# A conversation answered, closed, reopened and answered again: two answered leads of it, the later linked.
@example(
    history=[
        ("manager", 0, 0),
        ("work_day", 0, 0),
        ("message", 0, 0),
        ("reply", 0, 0),
        ("close", 0, 0),
        ("reopen", 0, 0),
        ("reply", 0, 0),
    ],
    cuts=[1, 3],
    page=2,
)
# Names a customer gave in messages PostgreSQL writes and in messages the rules apply, in both orders.
@example(
    history=[
        ("manager", 0, 0),
        ("work_day", 0, 0),
        ("message", 0, 2),
        ("message", 0, 5),
        ("message", 1, 5),
        ("message", 1, 2),
        ("message", 2, 5),
        ("message", 2, 3),
    ],
    cuts=[2],
    page=3,
)
# Activities (above) in pages of one event, of four and of twelve.
@example(history=_ACTIVITIES, cuts=[1], page=1)
@example(history=_ACTIVITIES, cuts=[2, 5], page=4)
@example(history=_ACTIVITIES, cuts=[3], page=12)
def test_every_read_model_replayed_equals_the_one_built_live(
    postgres: LocalPostgres, history: list[Step], cuts: list[int], page: int
) -> None:
    url = asyncio.run(_fresh_database(postgres))
    store = build_event_store(Settings(database_url=url))
    try:
        World(store).play(history)
        # Pages of the drawn size, applied up to the head of the log: the replay's main loop, not only its switch.
        with mock.patch.object(replay_pages, "PAGE", page), mock.patch.object(replay_module, "CLOSE_ENOUGH", 0):
            asyncio.run(_check(url, store, cuts))
    finally:
        store.close()


async def _check(url: str, store: object, cuts: list[int]) -> None:
    published = records(store)  # type: ignore[arg-type]
    pool = await asyncpg.create_pool(url, min_size=1, max_size=4)
    assert pool is not None
    try:
        # The live projection: the topic's records in batches of every size the draw gave.
        await create_read_models(pool, LIVE_SCHEMA)
        position, start, turn = Position(0, -1), 0, 0
        while start < len(published):
            size = cuts[turn % len(cuts)]
            position = await apply_records(pool, LIVE_SCHEMA, published[start : start + size], position, notify=False)
            start, turn = start + size, turn + 1
        # The store's rows read as the relay publishes them.
        stored = await event_log.read_after(pool, 0, 1_000_000)
        assert [event_log.published(row) for row in stored] == [
            PublishedEvent.from_dict(json.loads(r.value or b"")) for r in published
        ]

        done = await replay(pool)

        assert done.switched
        assert done.notification_id == len(published)
        assert (await load_position(pool, LIVE_SCHEMA)).notification_id == len(published)
        assert await differences(pool, LIVE_SCHEMA, PREVIOUS_SCHEMA) == {}
    finally:
        await pool.close()


async def _fresh_database(postgres: LocalPostgres) -> str:
    name = f"p_{secrets.token_hex(6)}"
    conn = await asyncpg.connect(postgres.url)
    try:
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()
    return postgres.url.rsplit("/", 1)[0] + f"/{name}"


def test_a_page_postgresql_refuses_is_applied_again_event_by_event_leaving_out_only_the_bad_event(
    postgres: LocalPostgres,
) -> None:
    url = asyncio.run(_fresh_database(postgres))
    store = build_event_store(Settings(database_url=url))
    try:
        world = World(store)
        world.play([("manager", 0, 3), ("work_day", 0, 0), *[("message", a, 0) for a in range(3)], ("reply", 0, 0)])
        # An event from before a manager's capacity had its bounds: no integer column holds it.
        store.save(Manager("Too many", "many@example.com", 10**12))
        world.play([("message", 0, 1), ("reply", 0, 1), ("edit", 0, 1), ("delivered", 0, 0), ("close", 0, 0)])
        world.play([("message", 0, 2), ("reply", 1, 0)])
        with mock.patch.object(replay_pages, "PAGE", 4), mock.patch.object(replay_module, "CLOSE_ENOUGH", 0):
            asyncio.run(_check(url, store, [3]))
    finally:
        store.close()
