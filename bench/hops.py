"""When each message passed each hop of the pipeline, read from the stamps the hops already leave.

ingest accepted: the inbound record's timestamp (set by the producer that published it); router
stored: the commit time of the transaction that stored the message (PostgreSQL keeps it with
``track_commit_timestamp``); relay published: the domain-events record's timestamp; projection
applied: when the read models' NOTIFY for the message reached the bench (sent on commit); gateway
pushed: when an operator's socket got the message. Nothing is added to the messages: the product
pays nothing for being watched.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord

from bench.cluster import Cluster
from bench.console import OperatorSocket, Tally
from bench.stats import percentile
from domain.live_update import InvalidLiveUpdate, ReadModelsChanged
from services.projections.tracking import NOTIFY_CHANNEL
from services.settings import Settings
from services.topics import Topics

HOPS = ("ingest accepted", "router stored", "relay published", "projection applied", "gateway pushed")
CUSTOMER_WROTE = "%:Conversation.CustomerWrote"
STORED = (
    "SELECT notification_id, convert_from(state, 'UTF8')::jsonb ->> 'channel_message_id' AS message_id,"
    " extract(epoch FROM pg_xact_commit_timestamp(xmin))::float8 AS committed"
    " FROM switchboard_events WHERE topic LIKE $1 AND notification_id > $2"
)


def track_commit_times(cluster: Cluster) -> None:
    """Have the run's PostgreSQL keep each transaction's commit time (needs a restart, before the services)."""
    asyncio.run(_alter(cluster.postgres.url))
    cluster.postgres.stop()
    cluster.postgres.start()


async def _alter(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("ALTER SYSTEM SET track_commit_timestamp = on")
    finally:
        await conn.close()


@dataclass
class Passage:
    """Wall-clock seconds at which one message passed each hop it reached."""

    at: dict[str, float] = field(default_factory=dict)


class HopClock:
    """Watches one run: listens for the read models' notifications (and, with a token, a console's pushes)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._applied: dict[int, float] = {}
        self._conn: asyncpg.Connection | None = None
        self._tally = Tally()
        self._socket: OperatorSocket | None = None
        self._from_notification = 0
        self._from_offsets: dict[str, int] = {}

    async def start(self, pool: asyncpg.Pool, token: str | None = None) -> None:
        """Note where the log and the topics stand, then listen."""
        self._from_notification = await pool.fetchval(
            "SELECT coalesce(max(notification_id), 0) FROM switchboard_events"
        )
        self._conn = await asyncpg.connect(self._settings.database_url)
        await self._conn.add_listener(NOTIFY_CHANNEL, self._notified)
        if token is not None:
            self._socket = await OperatorSocket.open(self._settings, token, self._tally)

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        arrived = time.time()
        try:
            changed = ReadModelsChanged.from_payload(str(payload))
        except InvalidLiveUpdate:
            return
        for notification_id in changed.message_notification_ids:
            self._applied.setdefault(notification_id, arrived)

    async def stop(self) -> None:
        """Stop listening."""
        if self._socket is not None:
            await self._socket.close()
        if self._conn is not None:
            await self._conn.close()

    async def passages(self, pool: asyncpg.Pool, message_ids: Iterable[str]) -> dict[str, Passage]:
        """Each message's passage through the hops, by channel message id."""
        found = {m: Passage() for m in message_ids}
        topics = Topics.named(self._settings.topic_prefix)
        inbound = [TopicPartition(topics.inbound, p) for p in range(self._settings.inbound_partitions)]
        stamped: dict[str, float] = {}
        for record in await _records(self._settings, inbound):
            message_id, stamp = _stamped(record)
            if message_id in found:
                found[message_id].at.setdefault("ingest accepted", record.timestamp / 1000)
                stamped[message_id] = stamp
        by_notification: dict[int, str] = {}
        for row in await pool.fetch(STORED, CUSTOMER_WROTE, self._from_notification):
            if row["message_id"] in found and row["committed"] is not None:
                by_notification[row["notification_id"]] = row["message_id"]
                found[row["message_id"]].at["router stored"] = row["committed"]
        for record in await _records(self._settings, [TopicPartition(topics.domain_events, 0)]):
            message_id = by_notification.get(int(dict(record.headers).get("notification_id", b"0")))
            if message_id is not None:
                found[message_id].at.setdefault("relay published", record.timestamp / 1000)
        self._seen_by_readers(found, by_notification, stamped)
        return found

    def _seen_by_readers(
        self, found: dict[str, Passage], by_notification: dict[int, str], stamped: dict[str, float]
    ) -> None:
        for notification_id, message_id in by_notification.items():
            if notification_id in self._applied:
                found[message_id].at["projection applied"] = self._applied[notification_id]
        for message_id, latencies in self._tally.latencies.items():
            if message_id in stamped and latencies:
                # A push's latency is counted from the message's own stamp, which ingest sets as it publishes.
                found[message_id].at["gateway pushed"] = stamped[message_id] + latencies[0]


def _stamped(record: ConsumerRecord[bytes, bytes]) -> tuple[str | None, float]:
    """The message id an inbound record carries and the moment ingest stamped on it."""
    try:
        data = json.loads(record.value or b"")
        return str(data["channel_message_id"]), datetime.fromisoformat(data["received_at"]).timestamp()
    except (ValueError, KeyError, TypeError):
        return None, 0.0


async def _records(settings: Settings, partitions: list[TopicPartition]) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record now on ``partitions``, from the first."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        # Read up to the ends, counted by the offsets seen: the consumer's own position can still show
        # where it stood before it was placed at the beginning.
        reached = dict.fromkeys(partitions, -1)
        records: list[ConsumerRecord[bytes, bytes]] = []
        while any(reached[p] + 1 < ends[p] for p in partitions):
            batch = await consumer.getmany(*partitions, timeout_ms=500, max_records=5000)
            for partition, part in batch.items():
                records.extend(part)
                reached[partition] = max(reached[partition], part[-1].offset) if part else reached[partition]
        return records
    finally:
        await consumer.stop()


def hop_figures(passages: dict[str, Passage]) -> dict[str, dict[str, float]]:
    """Per hop (from the one before it that the message reached) and end to end: p50/p90/p99 in ms, count."""
    spans: dict[str, list[float]] = {}
    for passage in passages.values():
        previous = None
        for hop in HOPS:
            if hop not in passage.at:
                continue
            if previous is not None:
                spans.setdefault(f"{previous} -> {hop}", []).append(passage.at[hop] - passage.at[previous])
            previous = hop
        reached = [h for h in HOPS if h in passage.at]
        if len(reached) > 1:
            end = f"{reached[0]} -> {reached[-1]} (whole)"
            spans.setdefault(end, []).append(passage.at[reached[-1]] - passage.at[reached[0]])
    return {
        span: {
            "p50": percentile(values, 0.5) * 1000,
            "p90": percentile(values, 0.9) * 1000,
            "p99": percentile(values, 0.99) * 1000,
            "count": len(values),
        }
        for span, values in spans.items()
    }


def hop_table(hops: dict[str, dict[str, dict[str, float]]]) -> str:
    """The per-hop latency distribution of each run that was watched."""
    lines = []
    for run, spans in hops.items():
        lines.append(f"per hop, {run} (ms)".ljust(60) + f"{'p50':>8} {'p90':>8} {'p99':>8} {'messages':>9}")
        for span, row in spans.items():
            lines.append(f"  {span:58}{row['p50']:8.1f} {row['p90']:8.1f} {row['p99']:8.1f} {row['count']:9,.0f}")
    return "\n".join(lines)
