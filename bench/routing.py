"""Routing speed: the pure policy, routed leads end to end, and the event store's write ceiling.

``switchboard-bench routing`` prints decisions/s of the policy alone with 50
managers and 20 rules; routed leads/s from inbound records on Kafka to the
assignment stored and published on the domain-events topic by a router
process; and, in the same run on the same database, the event store's own
rate for batches of 100 aggregates per transaction, the ceiling.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from application.managers import register_manager
from application.rules import apply_rules
from application.work_day import change_work_day
from bench.cluster import Cluster
from bench.stats import Figure
from devstack.processes import spawn, stop
from domain.contact import Contact
from domain.inbound import InboundMessage
from domain.manager import WorkDay
from domain.routing import Candidate, Situation, decide
from domain.rules import Conditions, LeadFacts, Rule, RuleSet, Strategy
from services.bootstrap import build_event_store
from services.topics import create_topics

MANAGERS = 50
RULES = 20
# contact, address-book entry, conversation, message receipt, lead, manager
AGGREGATES_PER_LEAD = 6
TEAM = "sales"


def twenty_rules(managers: list[UUID]) -> RuleSet:
    """19 rules a web-chat lead does not match (each tested in turn), then an even split."""
    misses = [
        Conditions(channels=frozenset({"email"})),
        Conditions(vip=True),
        Conditions(languages=frozenset({"lv"})),
        Conditions(sources=frozenset({"form"})),
        Conditions(tags_any=frozenset({"b2b"})),
    ]
    strategies = list(Strategy)
    rules = [
        Rule(
            f"rule {i}",
            misses[i % len(misses)],
            team=TEAM,
            strategy=strategies[i % len(strategies)],
            weights=tuple((m, 1 + n % 3) for n, m in enumerate(managers)),
        )
        for i in range(RULES - 1)
    ]
    return RuleSet((*rules, Rule("everyone", team=TEAM, strategy=Strategy.EVENLY)))


def policy_rate(decisions: int, runs: int) -> Figure:
    """Decisions/s of ``decide`` alone."""
    rng = random.Random(1)
    ids = [uuid4() for _ in range(MANAGERS)]
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    managers = {
        m: Candidate(
            m, f"m{n}", WorkDay.STARTED, rng.randint(0, 5), 10, start - timedelta(seconds=rng.randint(0, 3600))
        )
        for n, m in enumerate(ids)
    }
    situation = Situation(twenty_rules(ids), {TEAM: ids}, managers, start)
    leads = [LeadFacts(lead_id=uuid4(), channel="webchat", received_at=start) for _ in range(decisions)]
    rates = []
    for _ in range(runs):
        began = time.perf_counter()
        for lead in leads:
            decide(lead, situation)
        rates.append(decisions / (time.perf_counter() - began))
    return Figure.of(rates)


def store_rate(cluster: Cluster, batches: int) -> float:
    """Aggregates/s the event store saves at 100 new aggregates per transaction."""
    event_store = build_event_store(cluster.settings)
    try:
        began = time.perf_counter()
        for b in range(batches):
            event_store.save(*(Contact(name=f"c{b}-{i}", address=f"webchat:c{b}-{i}") for i in range(100)))
        return batches * 100 / (time.perf_counter() - began)
    finally:
        event_store.close()


async def end_to_end(cluster: Cluster, leads: int, run: int) -> float:
    """Routed leads/s: inbound on Kafka to ``Lead.Assigned`` on the domain-events topic."""
    settings = cluster.settings.model_copy(update={"topic_prefix": f"route{run}"})
    topics = await create_topics(settings)
    env = {**cluster.env(), "SWITCHBOARD_TOPIC_PREFIX": settings.topic_prefix, "SWITCHBOARD_LOG_LEVEL": "warning"}
    router = spawn("router", env, cluster.logs / f"route-bench-{run}.log")
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=None, auto_offset_reset="earliest")
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all", enable_idempotence=True)
    await consumer.start()
    await producer.start()
    try:
        partition = TopicPartition(topics.domain_events, 0)
        consumer.assign([partition])
        consumer.seek(partition, (await consumer.end_offsets([partition]))[partition])
        # One lead first: the clock starts once the router has joined its group and routes.
        await producer.send_and_wait(topics.inbound, _lead(run, -1), key=f"webchat/r{run}--1".encode())
        await _assignments(consumer, partition, 1, cluster)
        began = time.perf_counter()
        sends = [
            await producer.send(topics.inbound, _lead(run, n), key=f"webchat/r{run}-{n}".encode()) for n in range(leads)
        ]
        await asyncio.gather(*sends)
        await _assignments(consumer, partition, leads, cluster)
        return leads / (time.perf_counter() - began)
    finally:
        await producer.stop()
        await consumer.stop()
        stop(router)


async def _assignments(consumer: AIOKafkaConsumer, partition: TopicPartition, leads: int, cluster: Cluster) -> None:
    assigned = 0
    deadline = time.monotonic() + 300
    while assigned < leads and time.monotonic() < deadline:
        batch = await consumer.getmany(partition, timeout_ms=500, max_records=5000)
        assigned += sum(1 for r in batch.get(partition, []) if b'"type":"Lead.Assigned"' in (r.value or b""))
    if assigned < leads:
        msg = f"only {assigned} of {leads} leads were assigned within 300 s; see {cluster.logs}"
        raise RuntimeError(msg)


def _lead(run: int, n: int) -> bytes:
    visitor = f"r{run}-{n}"
    message = InboundMessage.from_visitor(visitor, "1", "hello", datetime.now(tz=UTC))
    return json.dumps(message.to_dict()).encode()


def run_routing_bench(*, quick: bool) -> str:
    """Run the routing benchmark on a cluster of its own; returns the printed report."""
    policy = policy_rate(decisions=2_000 if quick else 20_000, runs=3 if quick else 5)
    cluster = Cluster("routebench", log_level="warning")
    cluster.start()
    try:
        event_store = build_event_store(cluster.settings)
        try:
            ids = []
            for n in range(MANAGERS):
                manager_id = register_manager(event_store, f"m{n}", f"m{n}@bench.example", 1_000_000, TEAM)
                change_work_day(event_store, manager_id, "start")
                ids.append(manager_id)
            apply_rules(event_store, twenty_rules(ids), "bench")
        finally:
            event_store.close()
        runs = 1 if quick else 3
        leads = 500 if quick else 3_000
        routed = Figure.of([asyncio.run(end_to_end(cluster, leads, run)) for run in range(runs)])
        store = Figure.of([store_rate(cluster, 10 if quick else 50) for _ in range(runs)])
    finally:
        cluster.stop()
    kind = "quick" if quick else "full"
    share = routed.median * AGGREGATES_PER_LEAD / store.median
    lines = [
        f"routing benchmark: {MANAGERS} managers, {RULES} rules (the 20th matches), {kind} run",
        f"  policy alone        {_figure(policy)} decisions/s",
        f"  end to end          {_figure(routed)} leads/s ({leads} leads a run)",
        f"  event store ceiling {_figure(store)} aggregates/s (100 per transaction)",
        f"  a routed lead writes {AGGREGATES_PER_LEAD} aggregates: end to end uses {share:.0%} of the ceiling",
        (
            f"summary: policy {policy.median:,.0f}/s, routed {routed.median:,.0f} leads/s, "
            f"store {store.median:,.0f} aggregates/s, ratio {share:.0%}"
        ),
    ]
    return "\n".join(lines)


def _figure(figure: Figure) -> str:
    return f"{figure.median:>10,.0f} (min {figure.low:,.0f}, max {figure.high:,.0f}, {figure.runs} runs)"
