"""``switchboard-bench chaos``: the pipeline under load while services, Kafka and PostgreSQL are killed.

Customers write through the widget at a fixed rate; a seeded schedule
SIGKILLs the services (spread over them and over the load) and restarts
Kafka and PostgreSQL once each; the harness plays the supervisor and starts
whatever exits. When the load has drained, every invariant is checked and
printed with the run's figures. The seed decides the load and the kill
moments, so a failing run can be replayed.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from dataclasses import dataclass, field

from bench.checks import Check, check_all
from bench.cluster import Cluster
from bench.console import OperatorSocket, Tally, log_in
from bench.customers import Touch, plan
from bench.doors import pace
from bench.faults import KAFKA, Fault, schedule
from bench.positions import Watcher
from bench.progress import Progress
from bench.supervisor import ServiceExited, Supervisor
from bench.team import DIRECTOR, PASSWORD, hire
from bench.waiting import TimedOut
from bench.widget import Widget
from services.bootstrap import create_pool
from services.settings import Settings
from services.topics import create_topics

MESSAGES = 100_000
RATE = 100.0  # messages per second during the load
KILLS = 10
CAPACITIES = (25, 1_000_000, 1_000_000)  # the first manager fills up: capacity must hold under faults
DRAIN_SECONDS = 240.0
PROBE = Touch("probe", "m1", "is anyone there after the storm?", 0.0)
# A long run may end with a backlog behind the last outage; it gets this share of its load time to drain.
DRAIN_SHARE = 0.25


@dataclass
class ChaosResult:
    """What a chaos run did and found."""

    seed: int
    faults: list[Fault]
    messages: int = 0
    rate: float = 0.0
    accepted: int = 0
    checks: list[Check] = field(default_factory=list)
    kills: dict[str, int] = field(default_factory=dict)
    restarts: dict[str, int] = field(default_factory=dict)
    reconnects: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether every check held."""
        return bool(self.checks) and all(c.ok for c in self.checks)

    def report(self) -> str:
        """The checks and the faults, as printed at the end of a run."""
        lines = [f"{'check':44} {'':4} found"]
        lines += [f"{c.name:44} {'ok' if c.ok else 'FAIL':4} {c.found}" for c in self.checks]
        lines.append(
            "faults: "
            + ", ".join(f"{s} killed {n}x" for s, n in self.kills.items())
            + ", kafka and postgres restarted once each; restarts by the supervisor: "
            + ", ".join(f"{s} {n}" for s, n in self.restarts.items())
            + f"; widget reconnects {self.reconnects}"
        )
        verdict = "all checks hold" if self.ok else "CHECKS FAILED"
        kills = sum(self.kills.values())
        lines.append(
            f"chaos: seed {self.seed}, {self.seconds:.0f}s in all, {self.messages} messages sent at {self.rate:g}/s,"
            f" {self.accepted} accepted, {kills} SIGKILLs, 1 broker restart, 1 database restart: {verdict}"
        )
        return "\n".join(lines)


def run_chaos(*, seed: int | None = None, messages: int = MESSAGES, rate: float = RATE, kills: int = KILLS) -> int:
    """Run the chaos harness and print its checks and figures; exit status 0 when all hold."""
    result = chaos(seed=seed, messages=messages, rate=rate, kills=kills)
    print(result.report())
    return 0 if result.ok else 1


def chaos(*, seed: int | None, messages: int, rate: float, kills: int) -> ChaosResult:
    """One chaos run on its own PostgreSQL and Kafka; returns what it found (also on failed checks)."""
    seed = random.SystemRandom().randrange(1 << 31) if seed is None else seed
    duration = messages / rate
    faults = schedule(seed, duration, kills)
    print(
        f"chaos: seed {seed} (replay with --seed {seed} --messages {messages} --rate {rate:g} --kills {kills}),"
        f" {messages} messages at {rate:g} msg/s for {duration:.0f}s"
    )
    print("\n".join(f"  {f}" for f in faults))
    started = time.monotonic()
    cluster = Cluster("chaos")
    cluster.start()
    supervisor = Supervisor(cluster.env(), cluster.logs, cluster.settings.console_url)
    result = ChaosResult(seed, faults, messages=messages, rate=rate)
    drain = max(DRAIN_SECONDS, duration * DRAIN_SHARE)
    try:
        asyncio.run(_run(cluster, supervisor, result, drain))
    finally:
        supervisor.stop_all()
        cluster.stop()
        result.seconds = time.monotonic() - started
        if result.ok:
            cluster.remove()
        else:
            print(f"logs kept in {cluster.logs}", file=sys.stderr)
    return result


async def _run(cluster: Cluster, supervisor: Supervisor, result: ChaosResult, drain: float) -> None:
    settings = cluster.settings
    await create_topics(settings)
    await hire(settings, CAPACITIES)
    supervisor.start_all()
    await supervisor.healthy()
    widget = Widget(settings)
    watching = asyncio.Event()
    watch = asyncio.create_task(supervisor.watch(watching))
    try:
        workload = plan(result.seed, result.messages, result.rate, "c-")
        faults = asyncio.create_task(_inflict(cluster, supervisor, result.faults))
        await _load(widget, workload.touches)
        await faults
        print("load sent; waiting for every message to be accepted and the pipeline to drain")
        recovered = await _recovered(settings, supervisor, widget, drain)
        result.checks.append(recovered)
        if recovered.ok:
            result.checks += await _drained_and_checked(settings, widget.accepted, widget.sent, drain)
    finally:
        watching.set()
        await watch
        await widget.close()
        result.accepted = len(widget.accepted - {PROBE.channel_message_id})
    result.kills = dict(supervisor.kills)
    result.restarts = dict(supervisor.restarts)
    result.reconnects = widget.reconnects


async def _recovered(settings: Settings, supervisor: Supervisor, widget: Widget, drain: float) -> Check:
    """Every message accepted, every service healthy, and a new message pushed to a console live."""
    started = time.monotonic()
    try:
        await widget.all_accepted(drain)
        await supervisor.healthy(DRAIN_SECONDS, supervise=True)
        await _probe(settings, widget)
    except (TimedOut, ServiceExited, TimeoutError) as error:
        found = str(error) or f"{type(error).__name__}; {widget.unaccepted} messages not accepted"
        return Check("recovered: accepted, healthy, live again", found, ok=False)
    found = f"all accepted, /healthz ok, a new message pushed live {time.monotonic() - started:.1f}s after the load"
    return Check("recovered: accepted, healthy, live again", found, ok=True)


async def _drained_and_checked(settings: Settings, accepted: set[str], sent: set[str], drain: float) -> list[Check]:
    pool = await create_pool(settings)
    watcher = Watcher(settings, pool)
    await watcher.start()
    try:
        await watcher.drained(drain)
        return await check_all(pool, accepted, sent)
    except TimedOut as error:
        return [Check("pipeline drained", str(error), ok=False)]
    finally:
        await watcher.stop()
        await pool.close()


async def _load(widget: Widget, touches: list[Touch]) -> None:
    progress = Progress("chaos: messages sent through the widget", len(touches))
    started = time.monotonic()
    for touch in touches:
        await pace(started, touch.at)
        await widget.send(touch)
        progress.advance()
    progress.close()


async def _inflict(cluster: Cluster, supervisor: Supervisor, faults: list[Fault]) -> None:
    started = time.monotonic()
    outages = []
    for fault in faults:
        await pace(started, fault.at)  # a seeded random moment, not a wait for a result
        if fault.is_outage:
            outages.append(asyncio.create_task(_outage(cluster, fault)))
        else:
            supervisor.kill(fault.target)
    await asyncio.gather(*outages)


async def _outage(cluster: Cluster, fault: Fault) -> None:
    if fault.target == KAFKA:
        await asyncio.to_thread(cluster.kafka.stop)
        await asyncio.sleep(fault.downtime)  # the outage's seeded length
        await asyncio.to_thread(cluster.kafka.start)
    else:
        await asyncio.to_thread(cluster.postgres.stop, "immediate")
        await asyncio.sleep(fault.downtime)
        await asyncio.to_thread(cluster.postgres.start)


async def _probe(settings: Settings, widget: Widget) -> None:
    """After the faults, one more message must reach a director's console live."""
    tally = Tally()
    token = await log_in(settings, DIRECTOR, PASSWORD)
    operator = await OperatorSocket.open(settings, token, tally)
    try:
        await widget.send(PROBE)
        await tally.reach(1, DRAIN_SECONDS)
    finally:
        await operator.close()
