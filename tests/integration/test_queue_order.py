"""Through the router: customers wait in the order they wrote, whatever partitions carried their messages."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from application.event_store import EventStore
from application.managers import register_manager
from application.work_day import change_work_day
from bench.waiting import until
from domain.identities import conversation_id, lead_id, team_id
from domain.inbound import InboundMessage
from domain.team import Team
from services.bootstrap import build_event_store
from services.settings import Settings
from services.topics import create_topics
from tests.log_invariants import log_events
from tests.router_reactions import routed
from tests.services_running import services

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

WAIT_S = 60.0


def test_three_customers_wait_in_the_order_they_wrote_across_partitions(settings: Settings, tmp_path: Path) -> None:
    store = build_event_store(settings)
    try:
        expected = {str(conversation_id("webchat", v)): n for n, v in enumerate(("first", "second", "third"), 1)}
        with services(settings, tmp_path / "logs", ("router",)):
            asyncio.run(deliver_out_of_order(settings, store))
            # Told by the router's outbox relay: it runs until the places are on the outbound topic.
            assert asyncio.run(positions_told(settings, expected)) == expected
        leads = [lead_id(conversation_id("webchat", v)) for v in ("first", "second", "third")]
        team = store.repository.get(team_id(settings.team))
        assert isinstance(team, Team)
        assert team.waiting == leads
        positions = {a: d["position"] for k, a, d in log_events(store) if k == "Lead.Queued"}  # the latest wins
        assert [positions[lead] for lead in leads] == [1, 2, 3]

        anna = register_manager(store, "anna", "anna@example.com", 1, settings.team)
        routed(store, change_work_day, anna, "start")
        assert store.repository.get(leads[0]).manager_id == anna
    finally:
        store.close()


async def deliver_out_of_order(settings: Settings, store: EventStore) -> None:
    """The second customer's message is stored first, then the first's, then the third's, each in a batch of its own."""
    topics = await create_topics(settings)
    t0 = datetime.now(tz=UTC)
    written = {"first": t0, "second": t0 + timedelta(milliseconds=5), "third": t0 + timedelta(milliseconds=10)}
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for partition, visitor in enumerate(("second", "first", "third")):
            message = InboundMessage.from_visitor(visitor, "1", "hello", written[visitor])
            await producer.send_and_wait(
                topics.inbound, json.dumps(message.to_dict()).encode(), key=message.key.encode(), partition=partition
            )
            lead = lead_id(conversation_id("webchat", visitor))

            async def stored(lead: UUID = lead) -> bool:
                return await asyncio.to_thread(lambda: lead in store.repository)

            await until(stored, WAIT_S, f"{visitor}'s lead to be stored")
    finally:
        await producer.stop()


async def positions_told(settings: Settings, expected: dict[str, int]) -> dict[str, int]:
    """The latest queue place sent towards each customer's channel, once they are as expected (else TimedOut)."""
    consumer = AIOKafkaConsumer(
        f"{settings.topic_prefix}.outbound", bootstrap_servers=settings.kafka_bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    latest: dict[str, int] = {}
    try:

        async def read() -> dict[str, int] | None:
            batches: dict[Any, list[Any]] = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                for record in sorted(records, key=lambda r: r.offset):
                    notice = json.loads(record.value)
                    if notice.get("kind") == "queue_position":
                        latest[notice["conversation_id"]] = notice["position"]
            return latest if latest == expected else None

        return await until(read, WAIT_S, f"the queue places told to be {expected}")
    finally:
        await consumer.stop()
