"""The composition root: the only place that builds pools, clients and applications."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections.abc import Awaitable, Callable
from typing import Literal

import asyncpg
import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from faststream.kafka import KafkaBroker

from application.event_store import EventStore
from services.logs import configure_logging
from services.settings import Settings, load_settings
from services.tables import DDL_LOCK


def build_event_store(settings: Settings) -> EventStore:
    """The event store on the configured PostgreSQL."""
    # The event store creates its tables on first use; processes starting together take
    # turns, since concurrent DDL can fail in Postgres's catalogs ("tuple concurrently updated").
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (DDL_LOCK,))
        try:
            return EventStore(env=settings.event_store_env(), team=settings.team)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (DDL_LOCK,))


async def create_pool(settings: Settings, size: int = 4) -> asyncpg.Pool:
    """An asyncpg pool for read models, positions and accounts."""
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=size)
    assert pool is not None
    return pool


def build_producer(settings: Settings) -> AIOKafkaProducer:
    """A producer that waits for every in-sync replica and never writes a batch twice."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=2,
    )


def build_consumer(
    settings: Settings,
    *topics: str,
    group: str | None = None,
    start_at: Literal["earliest", "latest"] = "earliest",
    committed_only: bool = False,
) -> AIOKafkaConsumer:
    """A consumer of ``topics`` (or of partitions assigned later) whose offsets move only when its owner commits.

    Without a ``group`` it keeps no offsets in Kafka: its owner positions it, from where it stored its
    own position or at the ends. ``start_at`` is where a reader with no position begins;
    ``committed_only`` hides records of transactions not (yet) committed.
    """
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset=start_at,
        isolation_level="read_committed" if committed_only else "read_uncommitted",
    )


def build_broker(settings: Settings, *, publishes: bool = False) -> KafkaBroker:
    """A FastStream broker, not yet connected; one that ``publishes`` writes as ``build_producer`` does.

    Its own logger is off: the processes log with structlog, one event per line.
    """
    if publishes:
        return KafkaBroker(settings.kafka_bootstrap, acks="all", enable_idempotence=True, logger=None)
    return KafkaBroker(settings.kafka_bootstrap, logger=None)


def build_admin(settings: Settings) -> AIOKafkaAdminClient:
    """An admin client, for creating and configuring topics and for asking whether Kafka answers."""
    return AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)


def instance_name(service: str) -> str:
    """The name of this process in heartbeats and logs."""
    return f"{service}@{socket.gethostname()}:{os.getpid()}"


def run_service(service: str, main: Callable[[Settings, asyncio.Event], Awaitable[None]]) -> None:
    """Run one process until SIGTERM or SIGINT, with logging configured from settings."""
    settings = load_settings()
    configure_logging(service, settings.log_level, settings.secret_values())

    async def supervise() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await main(settings, stop)

    asyncio.run(supervise())
