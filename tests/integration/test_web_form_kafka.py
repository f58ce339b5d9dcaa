"""A form submission is answered 202 only once Kafka has it: with the broker down it gets 503 and nothing is
taken, and the same submission sent again once the broker is back is published."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import asyncpg
import httpx
import pytest
import pytest_asyncio
from aiokafka import TopicPartition

from bench.waiting import until
from devstack.kafka import LocalKafka
from devstack.ports import free_port
from domain.inbound import InboundMessage
from domain.web_form import FormDefinition
from services.bootstrap import build_consumer
from services.ingest.messengers import run_messengers
from services.ingest.service import build_broker
from services.projections.schema import LIVE_SCHEMA, create_read_models
from services.settings import Settings
from services.topics import Topics, create_topics
from tests.form_harness import SITE, contact_form

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(300)]


@pytest_asyncio.fixture
async def own_kafka(kafka_jars: Path, tmp_path: Path) -> AsyncIterator[LocalKafka]:
    """A broker of this test's own, which it stops and starts (the session's broker serves the others)."""
    broker = LocalKafka(kafka_jars, tmp_path / "kafka", free_port(), log_file=tmp_path / "kafka.log")
    await asyncio.to_thread(broker.start)
    try:
        yield broker
    finally:
        await asyncio.to_thread(broker.stop)


async def test_with_kafka_down_a_submission_gets_503_and_is_taken_when_sent_again(
    settings: Settings, own_kafka: LocalKafka, pool: asyncpg.Pool
) -> None:
    configured = settings.model_copy(
        update={
            "kafka_bootstrap": own_kafka.bootstrap_servers,
            "topic_prefix": f"t{secrets.token_hex(5)}",
            "allowed_origins": [SITE],
        }
    )
    await create_topics(configured)
    form_id = uuid4()
    await create_read_models(pool, LIVE_SCHEMA)
    definition = FormDefinition.checked(contact_form())
    await pool.execute(
        f"INSERT INTO {LIVE_SCHEMA}.web_forms (id, name, source, definition, defined_at, changed_at, version)"
        " VALUES ($1, $2, $3, $4, now(), now(), 1)",
        form_id,
        definition.name,
        definition.source,
        json.dumps(definition.to_dict()),
    )
    broker, inbound, *_ = build_broker(configured)

    async def publish(message: InboundMessage) -> None:
        await inbound.publish(message.to_dict(), key=message.key.encode())

    async def report(_: object) -> None:
        return None

    await broker.start()
    stop = asyncio.Event()
    serving = asyncio.create_task(run_messengers(configured, pool, publish, report, stop))
    url = f"{configured.forms_url}/forms/{form_id}"

    async def send(key: str) -> int:
        body = {
            "version": 1,
            "fields": {"name": "Ilze", "phone": "+37120000000"},
            "consent": True,
            "idempotency_key": key,
        }
        async with httpx.AsyncClient(timeout=60) as http:
            try:
                answer = await http.post(url, json=body, headers={"Origin": SITE})
            except httpx.TransportError:
                return 0  # not listening yet
        return answer.status_code

    async def taken(key: str) -> bool:
        return await send(key) == httpx.codes.ACCEPTED

    try:
        await until(lambda: taken("first-0123456789"), 60, "the first submission to be taken")
        await asyncio.to_thread(own_kafka.stop)
        assert await send("second-0123456789") == httpx.codes.SERVICE_UNAVAILABLE
        await asyncio.to_thread(own_kafka.start)
        await until(lambda: taken("second-0123456789"), 120, "the second submission to be taken")
    finally:
        stop.set()
        await asyncio.gather(serving, return_exceptions=True)
        await broker.stop()
    keys = await _published(configured)
    assert set(keys) == {"first-0123456789", "second-0123456789"}


async def _published(settings: Settings) -> list[str]:
    topic = Topics.named(settings.topic_prefix).inbound
    consumer = build_consumer(settings)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(settings.inbound_partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        keys: list[str] = []
        while [p for p in partitions if await consumer.position(p) < ends[p]]:
            for records in (await consumer.getmany(*partitions, timeout_ms=1000)).values():
                keys += [json.loads(r.value or b"{}")["form"]["submission_key"] for r in records]
        return keys
    finally:
        await consumer.stop()
