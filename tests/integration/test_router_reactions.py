"""The router process takes the routing decisions others ask for, through Kafka.

An operator's act recorded elsewhere (here, straight in the event store, as the gateway does) opens
a place; the router sees the event on domain-events and gives the waiting lead away. A delivery
report published by a sender is recorded on its conversation by the router.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from application.event_store import EventStore
from application.managers import register_manager
from application.reply import reply
from application.work_day import change_work_day
from bench.waiting import until
from domain.conversation import Conversation, DeliveryOutcome
from domain.delivery_report import DeliveryReport
from domain.identities import conversation_id, lead_id
from domain.inbound import InboundMessage
from domain.lead import Lead, LeadStatus
from services.settings import Settings
from services.topics import Topics
from tests.services_running import services

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(180)]


def lead_of(store: EventStore, visitor: str) -> Lead | None:
    found = store.load(lead_id(conversation_id("webchat", visitor)))
    return found if isinstance(found, Lead) else None


async def test_a_work_day_started_elsewhere_drains_the_queue_in_the_router(
    settings: Settings, store: EventStore, tmp_path: Path
) -> None:
    anna = register_manager(store, "Anna", "anna@example.com", 2, settings.team)
    topics = Topics.named(settings.topic_prefix)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        with services(settings, tmp_path / "logs", ("router",)) as running:
            message = InboundMessage.from_visitor("eva", "1", "hello", datetime.now(tz=UTC))
            await producer.send_and_wait(
                topics.inbound, json.dumps(message.to_dict()).encode(), key=message.key.encode()
            )

            async def queued() -> bool:
                lead = await asyncio.to_thread(lead_of, store, "eva")
                return lead is not None and lead.status is LeadStatus.QUEUED

            await until(queued, 60, "the lead to wait: nobody's work day has started", interval=0.1)
            # The gateway records the manager's act and decides nothing about routing.
            await asyncio.to_thread(change_work_day, store, anna, "start")

            async def assigned() -> bool:
                lead = await asyncio.to_thread(lead_of, store, "eva")
                return lead is not None and lead.manager_id == anna

            await until(assigned, 60, "the router to give the waiting lead to Anna", interval=0.1)
            assert '"queue_drained"' in running.log_tail("router", 20_000)

            conversation = conversation_id("webchat", "eva")
            stored = await asyncio.to_thread(reply, store, conversation, anna, "hi Eva", "r1")
            report = DeliveryReport(conversation, stored.reply_id, DeliveryOutcome.REFUSED, "550 no such user")
            await producer.send_and_wait(topics.delivery_reports, b"{not json", key=str(conversation).encode())
            await producer.send_and_wait(
                topics.delivery_reports, json.dumps(report.to_dict()).encode(), key=str(conversation).encode()
            )

            async def recorded() -> bool:
                found = await asyncio.to_thread(store.load, conversation)
                return isinstance(found, Conversation) and str(stored.reply_id) in found.delivered

            await until(recorded, 60, "the router to record the failed delivery", interval=0.1)
    finally:
        await producer.stop()
