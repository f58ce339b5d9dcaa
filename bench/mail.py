"""``switchboard-bench mail``: mails/s from a backlog on a real Dovecot into the event store, and its ceilings.

The run starts its own PostgreSQL, Kafka and Dovecot, puts a backlog of
generated customer mail into one mailbox, then measures, each ``runs`` times:

- end to end: the real ingest process (watching that mailbox) and the real
  router process, on a fresh database and fresh topics, timed from starting
  ingest until every mail is a ``CustomerWrote`` event with its receipt in the
  event store; then checked stored exactly once;
- IMAP ceiling: a ``MailboxWatcher`` in this process whose publish only
  counts: connect, search, fetch and parse, nothing stored;
- parse ceiling: ``parse_mail`` and ``to_inbound`` over the same bytes in memory;
- store ceiling: the router's own ``receive_messages`` of those messages in its
  batch size, straight into a fresh event store, without Kafka.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from application.receive_messages import receive_messages
from bench.cluster import Cluster
from bench.mailgen import SHOP, Corpus, generate
from bench.positions import InboundOffsets
from bench.report import load_previous
from bench.stats import Figure
from bench.supervisor import Supervisor
from bench.team import hire
from bench.waiting import TimedOut, until
from connectors.mail.parsing import Attachment, Routing, parse_mail, to_inbound
from connectors.mail.watcher import Checkpoint, Mailbox, MailboxWatcher, Rejection
from devstack.dovecot import LocalDovecot
from devstack.ports import free_port
from domain.inbound import InboundMessage
from services.bootstrap import build_event_store
from services.logs import configure_logging
from services.settings import Settings
from services.topics import create_topics

MAILS = 5_000
MAILBOX = "sales"
USER = "sales"
PASSWORD = "bench-mail-secret"  # the throwaway Dovecot's only user
COLLECT_DAYS = 3650
MANAGERS = 4
BIG_CAPACITY = 10_000_000
WAIT_SECONDS = 300.0
POLL_SECONDS = 0.1  # the event store's count, and every stage's position, this often
EVENTS = "switchboard_events"
STAGES = ("imap checkpoint", "inbound topic", "router committed", "event store")

LABELS = {
    "end_to_end": ("Dovecot -> event store, from ingest start", "mails/s"),
    "end_to_end_flowing": ("Dovecot -> event store, first to last stored", "mails/s"),
    "ceiling_imap": ("ceiling: IMAP fetch + parse, publish counts", "mails/s"),
    "ceiling_parse": ("ceiling: parse_mail + to_inbound in memory", "mails/s"),
    "ceiling_store": ("ceiling: router's receive_messages, no Kafka", "mails/s"),
    "ingest_first_stored": ("ingest start -> first mail stored", "s"),
}


@dataclass
class EndToEnd:
    """One end-to-end run: seconds from ingest start, each stage's progress, and what was stored."""

    mails: int
    seconds: float
    first_stored: float
    samples: list[dict[str, float]] = field(default_factory=list)  # "at" plus one count per stage
    stored: int = 0
    distinct: int = 0
    receipts: int = 0
    inbound_records: int = 0
    events: int = 0

    @property
    def rate(self) -> float:
        """Mails/s from ingest start."""
        return self.mails / self.seconds

    @property
    def flowing_rate(self) -> float:
        """Mails/s from the first mail stored to the last."""
        return self.mails / max(self.seconds - self.first_stored, 1e-9)

    @property
    def exactly_once(self) -> bool:
        """Every mail stored once, with one receipt, and nothing else came in."""
        return self.stored == self.distinct == self.receipts == self.mails

    def first_at(self, stage: str) -> float:
        """Seconds from ingest start until the stage had anything."""
        return next((s["at"] for s in self.samples if s[stage] > 0), self.seconds)

    def done_at(self, stage: str) -> float:
        """Seconds from ingest start until the stage had every mail."""
        return next((s["at"] for s in self.samples if s[stage] >= self.mails), self.seconds)


class MemoryState:
    """A mailbox's checkpoint and attachments in memory: a fresh start for every ceiling run."""

    def __init__(self) -> None:
        self.checkpoints: dict[str, Checkpoint] = {}
        self.attachments = 0
        self.rejected = 0

    async def checkpoint(self, mailbox: str) -> Checkpoint | None:
        """The saved checkpoint, if any."""
        return self.checkpoints.get(mailbox)

    async def save_checkpoint(self, mailbox: str, checkpoint: Checkpoint) -> None:
        """Keep the checkpoint."""
        self.checkpoints[mailbox] = checkpoint

    async def keep_attachments(self, attachments: list[Attachment]) -> None:
        """Count the attachments; their bytes are not kept."""
        self.attachments += len(attachments)

    async def report(self, mailbox: str, *, connected: bool, error: str | None) -> None:
        """Nothing to report to."""

    async def record_rejections(self, mailbox: str, rejections: list[Rejection]) -> None:
        """Count the rejected mails."""
        self.rejected += len(rejections)


def run_mail_bench(*, runs: int, mails: int, output: Path, seed: int | None = None) -> int:
    """Run the mail benchmark, print the table and the summary line, write JSON to ``output``."""
    seed = random.SystemRandom().randrange(1 << 31) if seed is None else seed
    configure_logging("bench-mail", "warning")  # the in-process watcher says only what went wrong
    print(f"switchboard-bench mail: seed {seed}, {mails:,} mails, {runs} run(s) of each figure")
    started = time.monotonic()
    corpus = generate(mails, seed)
    print(
        f"  {mails:,} mails generated in {time.monotonic() - started:.1f}s,"
        f" {corpus.total_bytes / 1e6:.1f} MB: " + ", ".join(f"{k} {v}" for k, v in corpus.kinds.most_common())
    )
    cluster = Cluster("mailbench")
    dovecot = LocalDovecot(cluster.workdir / "dovecot", free_port())
    ok = False
    try:
        cluster.start()
        dovecot.add_user(USER, PASSWORD)
        dovecot.start()
        put = time.monotonic()
        dovecot.put_mails(USER, "INBOX", corpus.raws)
        print(f"  backlog of {mails:,} mails put into Dovecot's INBOX in {time.monotonic() - put:.1f}s")
        print(f"  own PostgreSQL, Kafka and Dovecot up in {time.monotonic() - started:.1f}s under {cluster.workdir}")
        figures, e2e = asyncio.run(_measure(cluster, dovecot, corpus, runs))
        result = _results(figures, e2e, corpus, cluster.settings, seed, time.monotonic() - started)
        previous = load_previous(output)
        print()
        print(_table(result, previous))
        _save(result, output)
        print(f"results written to {output}" + (" (previous run kept beside it)" if previous else ""))
        print(_summary(result))
        ok = all(run.exactly_once for run in e2e)
    finally:
        dovecot.stop()
        cluster.stop()
        if ok:
            cluster.remove()
        else:
            print(f"logs kept in {cluster.logs} (and Dovecot's in {dovecot.log_path})", file=sys.stderr)
    return 0 if ok else 1


async def _measure(
    cluster: Cluster, dovecot: LocalDovecot, corpus: Corpus, runs: int
) -> tuple[dict[str, Figure], list[EndToEnd]]:
    mails = len(corpus.raws)
    parse, store, imap, e2e = [], [], [], []
    for n in range(runs):
        print(f"run {n + 1} of {runs}")
        parse.append(await asyncio.to_thread(parse_ceiling, corpus))
        print(f"  parse only: {parse[-1]:,.0f} mails/s")
        store.append(await store_ceiling(cluster, corpus, n))
        print(f"  router's receive_messages alone: {store[-1]:,.0f} mails/s")
        imap.append(await imap_ceiling(dovecot, mails))
        print(f"  IMAP fetch + parse: {imap[-1]:,.0f} mails/s")
        run = await end_to_end(cluster, dovecot, mails, n)
        e2e.append(run)
        print(
            f"  end to end: {run.rate:,.0f} mails/s ({run.seconds:.1f}s from ingest start, first stored after"
            f" {run.first_stored:.1f}s); stored {run.stored:,}, distinct {run.distinct:,}, receipts"
            f" {run.receipts:,}: {'exactly once' if run.exactly_once else 'NOT exactly once'}"
        )
    figures = {
        "end_to_end": Figure.of([r.rate for r in e2e]),
        "end_to_end_flowing": Figure.of([r.flowing_rate for r in e2e]),
        "ceiling_imap": Figure.of(imap),
        "ceiling_parse": Figure.of(parse),
        "ceiling_store": Figure.of(store),
        "ingest_first_stored": Figure.of([r.first_stored for r in e2e]),
    }
    return figures, e2e


def parse_ceiling(corpus: Corpus) -> float:
    """Mails/s of ``parse_mail`` and ``to_inbound`` over the corpus, in memory."""
    started = time.perf_counter()
    _messages(corpus)
    return len(corpus.raws) / (time.perf_counter() - started)


def _messages(corpus: Corpus) -> list[InboundMessage]:
    routing = Routing(own_addresses=frozenset({SHOP}))
    return [to_inbound(parse_mail(raw), MAILBOX, datetime.now(tz=UTC), routing) for raw in corpus.raws]


async def store_ceiling(cluster: Cluster, corpus: Corpus, run: int) -> float:
    """Mails/s of ``receive_messages`` in router-sized batches, into a fresh database with the same team."""
    settings = await _fresh_database(cluster, f"mail_store_{run}", f"mailstore{run}")
    await hire(settings, (BIG_CAPACITY,) * MANAGERS)
    messages = await asyncio.to_thread(_messages, corpus)

    def receive() -> float:
        event_store = build_event_store(settings)
        try:
            size = settings.router_batch_size
            started = time.perf_counter()
            for at in range(0, len(messages), size):
                receive_messages(event_store, messages[at : at + size])
            return len(messages) / (time.perf_counter() - started)
        finally:
            event_store.close()

    return await asyncio.to_thread(receive)


async def _fresh_database(cluster: Cluster, database: str, prefix: str) -> Settings:
    conn = await asyncpg.connect(cluster.postgres.url)
    try:
        await conn.execute(f"CREATE DATABASE {database}")
    finally:
        await conn.close()
    return cluster.settings.model_copy(update={"database_url": cluster.database_url(database), "topic_prefix": prefix})


def _mailbox(dovecot: LocalDovecot) -> Mailbox:
    return Mailbox(
        name=MAILBOX,
        address=SHOP,
        host=dovecot.host,
        port=dovecot.port,
        username=USER,
        password=PASSWORD,
        tls=False,
        collect_days=COLLECT_DAYS,
    )


async def imap_ceiling(dovecot: LocalDovecot, mails: int) -> float:
    """Mails/s of a watcher in this process, from connecting until its publish has counted every mail."""
    counted = 0
    done = asyncio.Event()

    async def count(messages: list[InboundMessage]) -> None:
        nonlocal counted
        counted += len(messages)
        if counted >= mails:
            done.set()

    stop = asyncio.Event()
    watcher = MailboxWatcher(_mailbox(dovecot), MemoryState(), count)
    started = time.monotonic()
    watching = asyncio.create_task(watcher.run(stop))
    try:
        await asyncio.wait_for(done.wait(), WAIT_SECONDS)
        seconds = time.monotonic() - started
    finally:
        stop.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(watching, 10)
    if counted != mails:
        raise RuntimeError(f"the watcher published {counted} mails of {mails}")
    return mails / seconds


def _mailboxes_env(dovecot: LocalDovecot) -> str:
    return json.dumps(
        [
            {
                "name": MAILBOX,
                "address": SHOP,
                "imap_host": dovecot.host,
                "imap_port": dovecot.port,
                "imap_tls": False,
                "username": USER,
                "password": PASSWORD,
                "collect_days": COLLECT_DAYS,
            }
        ]
    )


async def end_to_end(cluster: Cluster, dovecot: LocalDovecot, mails: int, run: int) -> EndToEnd:
    """The real router and ingest on a fresh database and topics; timed until every mail is stored."""
    settings = await _fresh_database(cluster, f"mail_run_{run}", f"mailbench{run}")
    await create_topics(settings)
    await hire(settings, (BIG_CAPACITY,) * MANAGERS)
    env = {
        **cluster.env(),
        "SWITCHBOARD_DATABASE_URL": settings.database_url,
        "SWITCHBOARD_TOPIC_PREFIX": settings.topic_prefix,
        "SWITCHBOARD_MAILBOXES": _mailboxes_env(dovecot),
    }
    supervisor = Supervisor(env, cluster.logs / f"mail-run-{run}", settings.console_url)
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    assert pool is not None
    stages = StageReader(settings, pool)
    await stages.start()
    try:
        supervisor.start("router")
        await until(lambda: _router_beats(pool, supervisor), 60, "the router's first heartbeat")
        return await _timed(supervisor, stages, pool, mails)
    finally:
        supervisor.stop_all()
        await stages.stop()
        await pool.close()


async def _timed(supervisor: Supervisor, stages: StageReader, pool: asyncpg.Pool, mails: int) -> EndToEnd:
    samples: list[dict[str, float]] = []
    started = time.monotonic()
    supervisor.start("ingest")

    async def all_stored() -> dict[str, float] | None:
        supervisor.require_running()
        sample = await stages.read()
        sample["at"] = time.monotonic() - started
        samples.append(sample)
        return sample if sample["event store"] >= mails and sample["receipts"] >= mails else None

    try:
        done = await until(all_stored, WAIT_SECONDS, f"{mails:,} mails stored", POLL_SECONDS)
    except TimedOut as error:
        raise TimedOut(f"{error}; last positions: {samples[-1] if samples else None}") from None
    first_stored = next(s["at"] for s in samples if s["event store"] > 0)
    run = EndToEnd(mails, done["at"], first_stored, samples)

    # Exactly once: wait until the router has consumed every record ingest published, then count.
    async def drained() -> dict[str, float] | None:
        sample = await stages.read()
        return sample if sample["router committed"] >= sample["inbound topic"] else None

    final = await until(drained, 60, "the router to consume every inbound record", POLL_SECONDS)
    row = await pool.fetchrow(
        "SELECT count(*) FILTER (WHERE topic LIKE '%Conversation.CustomerWrote') AS stored,"
        " count(DISTINCT convert_from(state, 'UTF8')::jsonb ->> 'channel_message_id')"
        " FILTER (WHERE topic LIKE '%Conversation.CustomerWrote') AS distinct_ids,"
        " count(*) FILTER (WHERE topic LIKE '%MessageReceipt.Recorded') AS receipts,"
        f" count(*) AS events FROM {EVENTS}"
    )
    assert row is not None
    run.stored, run.distinct, run.receipts, run.events = (
        row["stored"],
        row["distinct_ids"],
        row["receipts"],
        row["events"],
    )
    run.inbound_records = int(final["inbound topic"])
    return run


async def _router_beats(pool: asyncpg.Pool, supervisor: Supervisor) -> bool:
    supervisor.require_running()
    try:
        return bool(await pool.fetchval("SELECT count(*) FROM service_heartbeats WHERE service = 'router'"))
    except asyncpg.UndefinedTableError:
        return False


class StageReader(InboundOffsets):
    """How far each stage has got: the watcher's checkpoint, the inbound topic, the router's offsets, the store."""

    def __init__(self, settings: Settings, pool: asyncpg.Pool) -> None:
        super().__init__(settings)
        self._pool = pool

    async def read(self) -> dict[str, float]:
        """Mails through each stage now (the checkpoint is the last UID: the backlog's UIDs are 1..N)."""
        published, consumed = await self.offsets()
        try:
            checkpoint = await self._pool.fetchval("SELECT last_uid FROM mail_checkpoints WHERE mailbox = $1", MAILBOX)
        except asyncpg.UndefinedTableError:
            checkpoint = 0
        stored = await self._pool.fetchrow(
            "SELECT count(*) FILTER (WHERE topic LIKE '%Conversation.CustomerWrote') AS wrote,"
            f" count(*) FILTER (WHERE topic LIKE '%MessageReceipt.Recorded') AS receipts FROM {EVENTS}"
        )
        assert stored is not None
        return {
            "imap checkpoint": float(checkpoint or 0),
            "inbound topic": float(published),
            "router committed": float(consumed),
            "event store": float(stored["wrote"]),
            "receipts": float(stored["receipts"]),
        }


def _results(  # noqa: PLR0913 - everything one run measured
    figures: dict[str, Figure], e2e: list[EndToEnd], corpus: Corpus, settings: Settings, seed: int, seconds: float
) -> dict[str, Any]:
    f = {k: v.median for k, v in figures.items()}
    ratios = {
        "end to end / IMAP fetch + parse": f["end_to_end"] / f["ceiling_imap"],
        "end to end (first to last stored) / IMAP fetch + parse": f["end_to_end_flowing"] / f["ceiling_imap"],
        "IMAP fetch + parse / parse only": f["ceiling_imap"] / f["ceiling_parse"],
        "end to end / router's receive_messages alone": f["end_to_end"] / f["ceiling_store"],
    }
    stages = {
        stage: {
            "first_at": statistics.median(r.first_at(stage) for r in e2e),
            "done_at": statistics.median(r.done_at(stage) for r in e2e),
        }
        for stage in STAGES
    }
    return {
        "finished_at": datetime.now(tz=UTC).isoformat(),
        "machine": {"cpus": os.cpu_count() or 0, "python": platform.python_version(), "system": platform.platform()},
        "seed": seed,
        "figures": {k: {**v.as_dict(), "unit": LABELS[k][1]} for k, v in figures.items()},
        "ratios": ratios,
        "stages": stages,
        "exactly_once": [
            {
                "stored": r.stored,
                "distinct_message_ids": r.distinct,
                "receipts": r.receipts,
                "inbound_records": r.inbound_records,
                "events": r.events,
                "ok": r.exactly_once,
            }
            for r in e2e
        ],
        "progress": [r.samples for r in e2e],
        "setup": {
            "mails": len(corpus.raws),
            "mail_bytes": corpus.total_bytes,
            "mix": dict(corpus.kinds),
            "runs": len(e2e),
            "managers": MANAGERS,
            "router_batch_size": settings.router_batch_size,
            "inbound_partitions": settings.inbound_partitions,
            "log_level": settings.log_level,
            "seconds": round(seconds, 1),
        },
    }


def _table(result: dict[str, Any], previous: dict[str, Any] | None) -> str:
    old = (previous or {}).get("figures", {})
    lines = [f"{'figure':48} {'median':>9} {'min':>9} {'max':>9} {'unit':8} {'vs last':>8}"]
    for key, figure in result["figures"].items():
        label, unit = LABELS[key]
        change = ""
        if key in old and old[key].get("median"):
            change = f"{figure['median'] / old[key]['median'] - 1:+.0%}"
        lines.append(
            f"{label:48} {_n(figure['median']):>9} {_n(figure['min']):>9} {_n(figure['max']):>9} {unit:8} {change:>8}"
        )
    lines.append("")
    lines += [f"{name:56} {value:7.1%}" for name, value in result["ratios"].items()]
    lines.append("")
    lines.append(f"{'stage (mails through it)':26} {'first after (s)':>16} {'all after (s)':>14} {'own rate':>10}")
    mails = result["setup"]["mails"]
    for stage, row in result["stages"].items():
        busy = row["done_at"] - row["first_at"]
        rate = f"{mails / busy:,.0f}/s" if busy > 0 else ""
        lines.append(f"{stage:26} {row['first_at']:16.2f} {row['done_at']:14.2f} {rate:>10}")
    lines.append("")
    for n, check in enumerate(result["exactly_once"], start=1):
        lines.append(
            f"run {n}: {check['stored']:,} CustomerWrote, {check['distinct_message_ids']:,} distinct message ids,"
            f" {check['receipts']:,} receipts, {check['inbound_records']:,} inbound records,"
            f" {check['events']:,} events in all: {'exactly once' if check['ok'] else 'NOT EXACTLY ONCE'}"
        )
    return "\n".join(lines)


def _summary(result: dict[str, Any]) -> str:
    f = {k: v["median"] for k, v in result["figures"].items()}
    r = result["ratios"]
    once = all(c["ok"] for c in result["exactly_once"])
    return (
        f"bench mail: {f['end_to_end']:,.0f} mails/s end to end from a {result['setup']['mails']:,}-mail backlog"
        f" ({r['end to end / IMAP fetch + parse']:.0%} of IMAP fetch + parse at {f['ceiling_imap']:,.0f} mails/s;"
        f" parse alone {f['ceiling_parse']:,.0f} mails/s; receive_messages alone {f['ceiling_store']:,.0f} mails/s);"
        f" {'exactly once' if once else 'NOT exactly once'}"
    )


def _save(result: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.replace(path.with_suffix(".previous.json"))
    path.write_text(json.dumps(result, indent=2) + "\n")


def _n(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
