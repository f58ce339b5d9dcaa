"""``switchboard-bench vk``: events/s through a VK community's Callback API into the event store, beside the
inbound topic's own rate measured in the same run.

The run starts its own PostgreSQL and Kafka and a local server speaking VK's wire format
(``devstack/vk.py``: ``users.get`` and the token check), then, each ``runs`` times, on a fresh database
and fresh topics:

- through the callback: the real ingest and router processes; ``events`` ``message_new`` events posted
  by ``concurrency`` clients at once, as VK posts them, timed from the first post until every one was
  answered ``ok`` (each on Kafka with ``acks=all``) and until every one is a ``CustomerWrote`` in the
  event store; then checked stored exactly once;
- the inbound topic's ceiling: the very inbound messages ingest publishes for those events, produced as
  ingest produces them (``acks=all``, idempotent) and consumed back, raw, on a fresh topic of that broker.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from pydantic import SecretStr

from bench.ceilings import raw_topic
from bench.cluster import Cluster
from bench.cpu import cpu_seconds
from bench.stats import Figure
from bench.supervisor import Supervisor
from bench.team import hire
from bench.vk_poster import Poster
from bench.waiting import until
from connectors.vk.events import CustomerWrote, read_event
from connectors.vk.inbound import Community, message_of
from devstack.vk import LocalVk
from devstack.vk_events import message_new
from services.logs import configure_logging
from services.settings import Settings, VkCommunitySettings
from services.topics import create_topics

GROUP, TOKEN, SECRET, NAME = 424242, "bench-community-token", "bench-callback-secret", "shop"
FIRST_CUSTOMER = 10_000
MANAGERS = 4
BIG_CAPACITY = 10_000_000
WAIT_SECONDS = 600.0
EVENTS = "switchboard_events"


@dataclass(frozen=True)
class Load:
    """What each run posts: how many events, how many at once, from how many customers."""

    events: int
    concurrency: int
    customers: int


@dataclass(frozen=True)
class Run:
    """One run through the callback: its timings, what was stored, and the raw topic's rate beside it."""

    events: int
    answered_seconds: float
    stored_seconds: float
    stored: int
    distinct: int
    raw_topic_rate: float

    @property
    def exactly_once(self) -> bool:
        """Every event stored once."""
        return self.stored == self.distinct == self.events


def run_vk_bench(*, runs: int, events: int, concurrency: int, customers: int, output: Path) -> int:
    """Run the VK benchmark, print the table and the summary line, write JSON to ``output``."""
    configure_logging("bench-vk", "warning")
    print(f"switchboard-bench vk: {events:,} events, {concurrency} at once, {customers} customers, {runs} run(s)")
    cluster = Cluster("vkbench")
    vk = LocalVk()
    vk.community(GROUP, TOKEN)
    vk.users.update({FIRST_CUSTOMER + n: ("Customer", str(n)) for n in range(customers)})
    ok = False
    with vk.running():
        try:
            cluster.start()
            load = Load(events, concurrency, customers)
            done = [asyncio.run(_one_run(cluster, vk, n, load)) for n in range(runs)]
            result = _results(done, concurrency, customers)
            print()
            print(_table(result))
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(json.dumps(result, indent=2) + "\n")
            print(f"results written to {output}")
            print(_summary(result))
            ok = all(run.exactly_once for run in done)
        finally:
            cluster.stop()
            if ok:
                cluster.remove()
            else:
                print(f"logs kept in {cluster.logs}")
    return 0 if ok else 1


def _events(events: int, customers: int) -> list[dict[str, Any]]:
    return [
        message_new(GROUP, n + 1, FIRST_CUSTOMER + n % customers, f"Question {n}: do you deliver?", secret=SECRET)
        for n in range(events)
    ]


async def _one_run(cluster: Cluster, vk: LocalVk, number: int, load: Load) -> Run:
    events, concurrency = load.events, load.concurrency
    settings = await _fresh(cluster, number, vk)
    await create_topics(settings)
    await hire(settings, (BIG_CAPACITY,) * MANAGERS)
    supervisor = Supervisor(settings.environment(), cluster.logs / f"vk-run-{number}", settings.console_url)
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    assert pool is not None
    posted = _events(events, load.customers)
    try:
        supervisor.start("router")
        supervisor.start("ingest")
        url = f"http://{settings.http_host}:{settings.webhooks_port}/vk/{NAME}"
        async with httpx.AsyncClient(timeout=60) as http:
            await until(lambda: _confirmed(http, url, supervisor), 90, "ingest to answer VK's confirmation")
            cpu_before = {name: cpu_seconds(supervisor.pid(name)) for name in ("ingest", "router")}
            own_before = time.process_time()
            started = time.monotonic()
            await _post_all(settings, posted, concurrency)
            answered = time.monotonic() - started
            cpu = {name: cpu_seconds(supervisor.pid(name)) - cpu_before[name] for name in cpu_before}
            cpu["bench client"] = time.process_time() - own_before
        print(f"run {number + 1}: {events:,} events answered ok in {answered:.1f}s ({events / answered:,.0f}/s)")
        print("  CPU seconds while posting: " + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items()))
        count = await until(lambda: _stored(pool, events, supervisor), WAIT_SECONDS, "every event to be stored")
        stored_seconds = time.monotonic() - started
        raw = await _raw_topic_rate(settings, posted)
        print(f"  into the event store in {stored_seconds:.1f}s; the inbound topic raw: {raw:,.0f} messages/s")
        return Run(events, answered, stored_seconds, count[0], count[1], raw)
    finally:
        supervisor.stop_all()
        await pool.close()


async def _fresh(cluster: Cluster, number: int, vk: LocalVk) -> Settings:
    database = f"vk_run_{number}"
    conn = await asyncpg.connect(cluster.postgres.url)
    try:
        await conn.execute(f"CREATE DATABASE {database}")
    finally:
        await conn.close()
    community = VkCommunitySettings(
        name=NAME,
        group_id=GROUP,
        token=SecretStr(TOKEN),
        secret=SecretStr(SECRET),
        confirmation="bench",
        api_base_url=vk.api_url,
    )
    return cluster.settings.model_copy(
        update={
            "database_url": cluster.database_url(database),
            "topic_prefix": f"vkbench{number}",
            "vk_communities": [community],
        }
    )


async def _confirmed(http: httpx.AsyncClient, url: str, supervisor: Supervisor) -> bool:
    supervisor.require_running()
    try:
        answer = await http.post(url, json={"type": "confirmation", "group_id": GROUP})
    except httpx.TransportError:
        return False
    return answer.status_code == httpx.codes.OK


async def _post_all(settings: Settings, events: list[dict[str, Any]], concurrency: int) -> None:
    queue = iter(events)

    async def client() -> None:
        poster = Poster(settings.http_host, settings.webhooks_port, f"/vk/{NAME}")
        try:
            for event in queue:
                body = json.dumps(event).encode()
                status, answer = await poster.post(body)
                if answer != b"ok":  # VK sends it again; so does the bench, once
                    status, answer = await poster.post(body)
                    if answer != b"ok":
                        msg = f"event {event['event_id']} answered {status}: {answer[:200]!r}"
                        raise RuntimeError(msg)
        finally:
            await poster.close()

    await asyncio.gather(*(client() for _ in range(concurrency)))


async def _stored(pool: asyncpg.Pool, events: int, supervisor: Supervisor) -> tuple[int, int] | None:
    supervisor.require_running()
    row = await pool.fetchrow(
        "SELECT count(*) AS n, count(DISTINCT convert_from(state, 'UTF8')::jsonb ->> 'channel_message_id') AS ids"
        f" FROM {EVENTS} WHERE topic LIKE '%Conversation.CustomerWrote'"
    )
    assert row is not None
    return (row["n"], row["ids"]) if row["n"] >= events else None


async def _raw_topic_rate(settings: Settings, events: list[dict[str, Any]]) -> float:
    """Messages/s of the same inbound messages produced as ingest produces them and consumed back, raw."""
    community = Community(NAME, GROUP)
    messages = []
    for event in events:
        wrote = read_event(event, GROUP)
        assert isinstance(wrote, CustomerWrote)
        messages.append(message_of(community, wrote, "Customer", []))
    topic = f"{settings.topic_prefix}.vk-raw"
    consumer, producer = await raw_topic(settings, topic)

    async def consume() -> None:
        consumed = 0
        while consumed < len(messages):
            batch = await consumer.getmany(timeout_ms=200, max_records=5000)
            consumed += sum(len(records) for records in batch.values())

    try:
        started = time.monotonic()
        reading = asyncio.create_task(consume())
        sends = [await producer.send(topic, json.dumps(m.to_dict()).encode(), key=m.key.encode()) for m in messages]
        await asyncio.gather(*sends)
        await asyncio.wait_for(reading, WAIT_SECONDS)
        return len(messages) / (time.monotonic() - started)
    finally:
        await producer.stop()
        await consumer.stop()


def _results(runs: list[Run], concurrency: int, customers: int) -> dict[str, Any]:
    figures = {
        "callback_answered": Figure.of([r.events / r.answered_seconds for r in runs]),
        "callback_to_event_store": Figure.of([r.events / r.stored_seconds for r in runs]),
        "inbound_topic_raw": Figure.of([r.raw_topic_rate for r in runs]),
    }
    return {
        "figures": {k: v.as_dict() for k, v in figures.items()},
        "ratio_store_to_raw_topic": figures["callback_to_event_store"].median / figures["inbound_topic_raw"].median,
        "exactly_once": [{"stored": r.stored, "distinct": r.distinct, "ok": r.exactly_once} for r in runs],
        "setup": {"events": runs[0].events, "concurrency": concurrency, "customers": customers, "runs": len(runs)},
    }


LABELS = {
    "callback_answered": "callback answered ok (each on Kafka, acks=all)",
    "callback_to_event_store": "callback -> event store (CustomerWrote)",
    "inbound_topic_raw": "inbound topic raw produce+consume, same run",
}


def _table(result: dict[str, Any]) -> str:
    lines = [f"{'figure':50} {'median':>9} {'min':>9} {'max':>9}  unit"]
    for key, figure in result["figures"].items():
        lines.append(f"{LABELS[key]:50} {figure['median']:9,.0f} {figure['min']:9,.0f} {figure['max']:9,.0f}  events/s")
    lines.append(f"{'callback -> event store / inbound topic raw':50} {result['ratio_store_to_raw_topic']:9.1%}")
    for n, check in enumerate(result["exactly_once"], start=1):
        verdict = "exactly once" if check["ok"] else "NOT EXACTLY ONCE"
        lines.append(f"run {n}: {check['stored']:,} CustomerWrote, {check['distinct']:,} distinct ids: {verdict}")
    return "\n".join(lines)


def _summary(result: dict[str, Any]) -> str:
    f = {k: v["median"] for k, v in result["figures"].items()}
    once = all(c["ok"] for c in result["exactly_once"])
    return (
        f"bench vk: {f['callback_to_event_store']:,.0f} events/s through the Callback API into the event store"
        f" ({result['ratio_store_to_raw_topic']:.0%} of the inbound topic's raw {f['inbound_topic_raw']:,.0f}"
        f" messages/s in the same run; answered ok at {f['callback_answered']:,.0f}/s);"
        f" {'exactly once' if once else 'NOT exactly once'}"
    )
