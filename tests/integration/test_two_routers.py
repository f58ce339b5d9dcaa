"""Two router processes in one consumer group, with leads, presence changes and closings at once.

Afterwards the log shows no lead held by two managers at a time, no manager
over capacity at any assignment, no absent manager given a lead, and every
message stored with every lead either held, waiting in the queue, or closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from application.accept_offer import accept_offer
from application.close_conversation import close_conversation
from application.event_store import EventStore
from application.managers import register_manager
from application.rules import apply_rules
from application.work_day import change_work_day
from bench.waiting import until
from domain.errors import DomainError
from domain.identities import conversation_id, lead_id
from domain.inbound import InboundMessage
from services.bootstrap import build_event_store
from services.router.rules_file import load_rules
from services.router.service import CONSUMER_GROUP
from services.settings import Settings
from services.topics import Topics
from tests.log_invariants import check_routing_invariants, log_events
from tests.router_reactions import routed
from tests.services_running import services

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]

CUSTOMERS = 300
MANAGERS = 6
CAPACITY = 15


@pytest.mark.runs_long(56)
def test_two_routers_never_double_assign_or_exceed_capacity(settings: Settings, tmp_path: Path) -> None:
    store = build_event_store(settings)
    managers = [register_manager(store, f"m{i}", f"m{i}@example.com", CAPACITY, settings.team) for i in range(MANAGERS)]
    for manager_id in managers[:4]:
        routed(store, change_work_day, manager_id, "start")
    offers = "rules:\n  - name: offers\n    when: {source: [offers]}\n    team: sales\n    strategy: offer_to_all\n"
    offers += "  - name: everyone\n    team: sales\n"
    routed(store, apply_rules, load_rules(offers, {}), "test")
    try:
        with services(settings, tmp_path / "logs", ("router", "projections")) as running:
            running.start("router", instance="router-2")
            asyncio.run(drive(settings, store, managers))
        check_log(store)
        for name in ("router", "router-2"):  # both instances took part
            assert '"inbound_stored"' in (tmp_path / "logs" / f"{name}.log").read_text(), name
    finally:
        store.close()


async def both_routers_in_the_group(settings: Settings) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:

        async def two_members() -> bool:
            try:
                [response] = await admin.describe_consumer_groups([CONSUMER_GROUP])
            except KafkaError:  # the coordinator is still being elected
                return False
            groups = response.to_object()["groups"]
            return bool(groups) and groups[0]["state"] == "Stable" and len(groups[0]["members"]) == 2

        await until(two_members, 60, "two routers sharing the inbound partitions", interval=0.2)
    finally:
        await admin.close()


async def drive(settings: Settings, store: EventStore, managers: list[UUID]) -> None:
    await both_routers_in_the_group(settings)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    rng = random.Random(7)

    async def customers(numbers: range) -> None:
        for i in numbers:
            message = InboundMessage.from_visitor(
                f"c{i}", "1", "hello", datetime.now(tz=UTC), source="offers" if i % 3 == 0 else "widget"
            )
            await producer.send_and_wait(
                Topics.named(settings.topic_prefix).inbound,
                json.dumps(message.to_dict()).encode(),
                key=message.key.encode(),
            )

    # One offer first, taken while its manager is surely free: the race below may have no winner.
    await customers(range(1))
    first = lead_id(conversation_id("webchat", "c0"))

    async def on_offer() -> bool:
        return await asyncio.to_thread(lambda: first in offered(store))

    await until(on_offer, 60, "the first lead to be offered to all")
    await asyncio.to_thread(accept_offer, store, first, managers[0])

    presence_done = asyncio.Event()

    async def presence() -> None:
        for _ in range(60):
            manager_id = rng.choice(managers)
            action = rng.choice(["start", "pause", "resume", "end", "close"])
            await asyncio.to_thread(change, store, manager_id, action)
        presence_done.set()

    async def accepts() -> None:
        # Two managers race for every lead on offer; the log check below proves one wins.
        for _ in range(100):
            for lead in await asyncio.to_thread(offered, store):
                await asyncio.gather(*(asyncio.to_thread(accept, store, lead, m) for m in rng.sample(managers, 2)))
            if await asyncio.to_thread(stored, store) >= CUSTOMERS:
                break
            await asyncio.sleep(0.1)  # pacing the accepting operators, not waiting for a result
        await presence_done.wait()
        for manager_id in managers:  # at the end of the day everyone is back and takes what is left on offer
            await asyncio.to_thread(change, store, manager_id, "start")
            await asyncio.to_thread(change, store, manager_id, "resume")
        for lead in await asyncio.to_thread(offered, store):
            for manager_id in managers:
                await asyncio.to_thread(accept, store, lead, manager_id)

    try:
        await asyncio.gather(customers(range(1, CUSTOMERS)), presence(), accepts())
    finally:
        await producer.stop()

    async def all_stored() -> bool:
        return await asyncio.to_thread(stored, store) >= CUSTOMERS

    await until(all_stored, 120, f"{CUSTOMERS} messages stored", interval=0.2)


def stored(store: EventStore) -> int:
    return sum(1 for k, _, _ in log_events(store) if k == "Conversation.CustomerWrote")


def offered(store: EventStore) -> list[UUID]:
    taken = {a for k, a, _ in log_events(store) if k in ("Lead.Assigned", "Lead.Closed")}
    return [a for k, a, _ in log_events(store) if k == "Lead.Offered" and a not in taken]


def accept(store: EventStore, lead: UUID, manager_id: UUID) -> None:
    with contextlib.suppress(DomainError):  # not offered to them, taken first, or they are at capacity
        accept_offer(store, lead, manager_id)


def change(store: EventStore, manager_id: UUID, action: str) -> None:
    try:
        if action == "close":
            held = store.repository.get(manager_id).open_leads
            if held:
                lead = store.repository.get(held[0])
                routed(store, close_conversation, lead.conversation_id, manager_id)
        else:
            change_work_day(store, manager_id, action)  # the routers react to it
    except Exception as error:
        if "work day" not in str(error):
            raise


def check_log(store: EventStore) -> None:
    status = check_routing_invariants(store)
    assert len(status) == CUSTOMERS
    assert all(s in ("assigned", "queued", "closed", "offered") for s in status.values()), "a lead was left unrouted"
    assert any(k == "Lead.Assigned" and d["reasons"].get("accepted_by") for k, _, d in log_events(store))
    assert sum(1 for k, _, _ in log_events(store) if k == "Conversation.CustomerWrote") == CUSTOMERS
