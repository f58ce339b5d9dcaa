"""``switchboard-bench routers``: sustained throughput with one router, then two in one consumer group.

The phases alternate (one, two, one, two, ...) on the same services, so that drift in the machine's
other load falls on both alike. Each phase publishes its own messages as fast as Kafka takes them and
waits, on positions, until the read models have them; it reports the rate the routers consumed at,
the rate end to end, and each router's CPU per message.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import subprocess
import time
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from bench.cluster import Cluster
from bench.cpu import CpuMeter, Group
from bench.customers import plan
from bench.positions import Watcher
from bench.runner import BIG_CAPACITY, MANAGERS, WAIT_SECONDS
from bench.supervisor import Supervisor
from bench.team import hire
from bench.throughput import measure_throughput
from bench.waiting import until
from devstack.processes import spawn, stop
from services.bootstrap import create_pool
from services.router.service import CONSUMER_GROUP
from services.settings import Settings
from services.topics import create_topics


@dataclass(frozen=True)
class Phase:
    """One phase's figures."""

    routers: int
    consumed_per_second: float  # inbound records the routers committed, per second of the phase
    end_to_end_per_second: float  # messages in the read models, per second
    router_cpu_ms_per_message: float  # CPU of every router together, per message
    router_cores: float  # the routers' CPU as a share of one core


def run_routers_bench(*, messages: int, rounds: int, seed: int | None = None) -> int:
    """Alternate one router and two, ``rounds`` times each; print each phase and the medians."""
    seed = random.SystemRandom().randrange(1 << 31) if seed is None else seed
    cluster = Cluster("routers")
    cluster.start()
    supervisor = Supervisor(cluster.env(), cluster.logs, cluster.settings.console_url)
    try:
        phases = asyncio.run(_measure(cluster, supervisor, messages, rounds, seed))
    finally:
        supervisor.stop_all()
        cluster.stop()
        cluster.remove()
    for count in (1, 2):
        mine = [p for p in phases if p.routers == count]
        print(
            f"{count} router(s), median of {len(mine)}: consumed {_median(mine, 'consumed_per_second'):,.0f} msg/s,"
            f" end to end {_median(mine, 'end_to_end_per_second'):,.0f} msg/s,"
            f" router CPU {_median(mine, 'router_cpu_ms_per_message'):.2f} ms/msg"
            f" ({_median(mine, 'router_cores'):.0%} of a core)"
        )
    return 0


def _median(phases: list[Phase], name: str) -> float:
    return float(statistics.median(getattr(p, name) for p in phases))


async def _measure(cluster: Cluster, supervisor: Supervisor, messages: int, rounds: int, seed: int) -> list[Phase]:
    settings = cluster.settings
    await create_topics(settings)
    await hire(settings, (BIG_CAPACITY,) * MANAGERS)
    supervisor.start_all()
    await supervisor.healthy()
    pool = await create_pool(settings)
    watcher = Watcher(settings, pool)
    await watcher.start()
    second: subprocess.Popen[bytes] | None = None
    phases = []
    try:
        meter = CpuMeter([Group("router", supervisor.pid("router"))])
        await measure_throughput(settings, watcher, meter, plan(seed, messages // 10, None, "w-"), WAIT_SECONDS)
        for n in range(rounds * 2):
            routers = 1 + n % 2
            if routers == 2:
                second = spawn("router", cluster.env(), cluster.logs / "router-2.log")
            await _group_of(settings, routers)
            groups = [Group("router", supervisor.pid("router"))]
            groups += [Group("router-2", second.pid)] if second is not None else []
            run = await measure_throughput(
                settings, watcher, CpuMeter(groups), plan(seed + n, messages, None, f"r{n}-"), WAIT_SECONDS
            )
            cores = sum(run.cpu.values())
            phase = Phase(
                routers,
                run.messages / run.done_at["router"],
                run.rate,
                cores * run.seconds / run.messages * 1000,
                cores,
            )
            phases.append(phase)
            print(
                f"  {routers} router(s): consumed {phase.consumed_per_second:,.0f} msg/s, end to end"
                f" {phase.end_to_end_per_second:,.0f} msg/s, router CPU {phase.router_cpu_ms_per_message:.2f} ms/msg"
                f" ({cores:.0%} of a core)"
            )
            if second is not None:
                stop(second)
                second = None
    finally:
        if second is not None:
            stop(second)
        await watcher.stop()
        await pool.close()
    return phases


async def _group_of(settings: Settings, members: int) -> None:
    """Wait until the router's consumer group is stable with ``members`` members."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:

        async def settled() -> bool:
            try:
                [response] = await admin.describe_consumer_groups([CONSUMER_GROUP])
            except KafkaError:
                return False
            groups = response.to_object()["groups"]
            return bool(groups) and groups[0]["state"] == "Stable" and len(groups[0]["members"]) == members

        started = time.monotonic()
        await until(settled, WAIT_SECONDS, f"{members} router(s) in the consumer group", interval=0.2)
        print(f"  consumer group stable with {members} router(s) after {time.monotonic() - started:.1f}s")
    finally:
        await admin.close()
