"""The call webhooks' hostile corpus against the running ingest and router: each request gets its status
(a 400 naming its field), nothing refused reaches Kafka or the event store, the valid events sent
between them are all recorded, and no secret is written to any log."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from bench.waiting import until
from services.settings import Settings
from services.topics import Topics
from tests.call_webhooks import SECRET, TWILIO_TOKEN, call_event, post_event, with_lines
from tests.hostile.calls import call_cases
from tests.hostile.calls_request import CallRequest
from tests.hostile.corpus import Case, Outcome, counts, unique_names
from tests.services_running import services

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]

WAIT = 60.0


def test_the_corpus_has_a_status_for_every_case_and_covers_each_family() -> None:
    cases = call_cases()
    assert unique_names(cases) == []
    assert counts(cases)["calls"] >= 100
    families = {case.family for case in cases}
    assert {"signature", "freshness", "size", "script", "phone", "twilio"} <= families
    assert all(case.expect for case in cases)


def test_hostile_call_requests_get_their_status_and_store_nothing(settings: Settings, tmp_path: Path) -> None:
    configured = with_lines(settings)
    with services(configured, tmp_path / "logs", names=("ingest", "router")) as running:
        outcomes, valid = asyncio.run(attack(configured))
        published = asyncio.run(call_ids_on_topic(configured))
        stored = asyncio.run(calls_stored(configured, len(valid)))
        logs = running.log_tail("ingest", 10**7) + running.log_tail("router", 10**7)
    wrong = [(o.case.name, sorted(o.case.expect), o.got, o.problem) for o in outcomes if not o.ok]
    assert wrong == [], "\n".join(map(str, wrong))
    assert sorted(published) == sorted(valid)
    assert stored == len(valid)
    assert SECRET not in logs
    assert TWILIO_TOKEN not in logs


async def attack(settings: Settings) -> tuple[list[Outcome], list[str]]:
    outcomes = []
    valid = []
    async with httpx.AsyncClient(base_url=f"http://{settings.http_host}:{settings.webhooks_port}", timeout=60) as http:
        await until(lambda: _answering(http), WAIT, "ingest's webhook server to answer")
        for number, case in enumerate(call_cases()):
            outcomes.append(await _send(http, case))
            # A valid event after each hostile one is taken: the webhook keeps serving everyone else.
            good = f"v-{number}"
            answer = await post_event(http, call_event("started", good))
            if answer.status_code != httpx.codes.OK:
                outcomes.append(Outcome(case, f"valid after it: status {answer.status_code}", answer.text[:200]))
            valid.append(good)
    return outcomes, valid


async def _answering(http: httpx.AsyncClient) -> bool:
    try:
        await http.get("/")
    except httpx.TransportError:
        return False
    return True


async def _send(http: httpx.AsyncClient, case: Case) -> Outcome:
    request: CallRequest = case.input()
    if request.chunked_bytes:
        answer = await http.post(request.path, content=_chunks(request.chunked_bytes), headers=request.headers)
    else:
        answer = await http.request(request.method, request.path, content=request.body, headers=request.headers)
    got = f"status {answer.status_code}"
    problem = ""
    if case.names_field:
        try:
            named = answer.json().get("field")
        except ValueError:
            named = None
        if named != case.names_field:
            problem = f"the answer names {named!r}, not {case.names_field!r}: {answer.text[:200]}"
    return Outcome(case, got, problem)


async def _chunks(total: int) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * 65536
        sent += 65536


async def call_ids_on_topic(settings: Settings) -> list[str]:
    """The call id of every record on the calls topic, from its start to its end now."""
    topic = Topics.named(settings.topic_prefix).calls
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found: list[str] = []
        async with asyncio.timeout(WAIT):
            while True:
                positions = {p: await consumer.position(p) for p in partitions}
                if all(positions[p] >= ends[p] for p in partitions):
                    break
                batch = await consumer.getmany(*partitions, timeout_ms=1000)
                found.extend(json.loads(r.value or b"")["call_id"] for records in batch.values() for r in records)
        return found
    finally:
        await consumer.stop()


async def calls_stored(settings: Settings, expected: int) -> int:
    """How many calls the event store holds, once it holds at least ``expected``."""
    conn = await asyncpg.connect(settings.database_url)
    try:

        async def all_counted() -> int | None:
            found = int(
                await conn.fetchval("SELECT count(*) FROM switchboard_events WHERE topic = 'domain.call:Call.Noticed'")
            )
            return found if found >= expected else None

        return await until(all_counted, WAIT, "every published call to be recorded")
    finally:
        await conn.close()
