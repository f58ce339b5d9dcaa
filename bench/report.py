"""The benchmark's results: a table, one summary line, and a JSON file to compare the next run with."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.hops import hop_table
from bench.stats import Figure

LABELS = {
    "throughput": ("sustained inbound -> read model", "msg/s"),
    "latency_p50": ("publish -> operator push, p50", "ms"),
    "latency_p99": ("publish -> operator push, p99", "ms"),
    "replay": ("read-model rebuild (replay)", "events/s"),
    "fanout_p50": ("fan-out to operator sockets, p50", "ms"),
    "fanout_p99": ("fan-out to operator sockets, p99", "ms"),
    "fanout_memory": ("gateway memory per socket added", "KiB"),
    "fanout_memory_from_start": ("gateway memory per socket, from none", "KiB"),
    "fanout_delivered": ("fan-out pushes delivered", "%"),
    "ceiling_kafka": ("ceiling: raw aiokafka produce+consume", "msg/s"),
    "ceiling_store": ("ceiling: event store batched writes", "msg/s"),
    "ceiling_store_events": ("ceiling: event store batched writes", "events/s"),
    "ceiling_copy": ("ceiling: asyncpg COPY of the event rows", "rows/s"),
    "events_per_message": ("stored events per inbound message", "events"),
    "latency_gateway_p50": ("notification -> operator push, p50", "ms"),
    "latency_gateway_p99": ("notification -> operator push, p99", "ms"),
    "ceiling_kafka_trip_p50": ("ceiling: raw Kafka round trip, p50", "ms"),
    "ceiling_kafka_trip_p99": ("ceiling: raw Kafka round trip, p99", "ms"),
    "burst_last_after_end": ("burst: last message on console after its end", "s"),
    "burst_p99": ("burst: publish -> operator push, p99", "ms"),
    "fanout_gateway_p50": ("fan-out after the notification, p50", "ms"),
    "fanout_gateway_p99": ("fan-out after the notification, p99", "ms"),
    "ceiling_broadcast_p50": ("ceiling: raw websocket broadcast, p50", "ms"),
    "ceiling_broadcast_p99": ("ceiling: raw websocket broadcast, p99", "ms"),
    "router_cpu_per_message": ("router CPU per inbound message", "ms"),
}


@dataclass
class Results:
    """Everything one benchmark measured."""

    quick: bool
    seed: int
    figures: dict[str, Figure] = field(default_factory=dict)
    ratios: dict[str, float] = field(default_factory=dict)
    stages: dict[str, dict[str, float]] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    slowest_stage: str = ""
    evidence: str = ""
    setup: dict[str, Any] = field(default_factory=dict)
    hops: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)  # run -> span -> p50/p90/p99

    def compute_ratios(self) -> None:
        """Each pipeline figure as a share of the ceiling measured in the same run."""
        f = {k: v.median for k, v in self.figures.items()}
        self.ratios = {
            "throughput / raw Kafka": f["throughput"] / f["ceiling_kafka"],
            "throughput / event store batched writes": f["throughput"] / f["ceiling_store"],
            "stored events/s / COPY rows/s": f["throughput"] * f["events_per_message"] / f["ceiling_copy"],
            "replay events/s / COPY rows/s": f["replay"] / f["ceiling_copy"],
        }

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "finished_at": datetime.now(tz=UTC).isoformat(),
            "machine": {"cpus": _cpus(), "python": platform.python_version(), "system": platform.platform()},
            "quick": self.quick,
            "seed": self.seed,
            "figures": {k: {**v.as_dict(), "unit": LABELS[k][1]} for k, v in self.figures.items()},
            "ratios": self.ratios,
            "stages": self.stages,
            "cpu_share_of_one_core": self.cpu,
            "slowest_stage": self.slowest_stage,
            "evidence": self.evidence,
            "setup": self.setup,
            "hops": self.hops,
        }

    def summary(self) -> str:
        """The headline figures on one line."""
        f = {k: v.median for k, v in self.figures.items()}
        return (
            f"bench{' --quick' if self.quick else ''}: {f['throughput']:,.0f} msg/s end to end"
            f" ({self.ratios['throughput / raw Kafka']:.0%} of raw Kafka,"
            f" {self.ratios['throughput / event store batched writes']:.0%} of event-store writes);"
            f" push p50/p99 {f['latency_p50']:.0f}/{f['latency_p99']:.0f} ms;"
            f" replay {f['replay']:,.0f} events/s;"
            f" fan-out {self.setup.get('fanout_sockets', 0)} sockets p99 {f['fanout_p99']:.0f} ms,"
            f" {f['fanout_memory']:.0f} KiB/socket; slowest stage: {self.slowest_stage}"
        )


def table(results: Results, previous: dict[str, Any] | None) -> str:
    """The figures as a table, with the change of each median since the previous run."""
    old = (previous or {}).get("figures", {})
    lines = [f"{'figure':44} {'median':>11} {'min':>11} {'max':>11} {'unit':9} {'vs last':>8}"]
    for key, figure in results.figures.items():
        label, unit = LABELS[key]
        change = ""
        if key in old and old[key].get("median"):
            change = f"{figure.median / old[key]['median'] - 1:+.0%}"
        lines.append(
            f"{label:44} {_n(figure.median):>11} {_n(figure.low):>11} {_n(figure.high):>11} {unit:9} {change:>8}"
        )
    lines.append("")
    lines += [f"{name:56} {value:7.1%}" for name, value in results.ratios.items()]
    lines.append("")
    lines.append(f"{'stage':16} {'done after (s)':>15} {'busy after upstream (s)':>24} {'peak backlog':>13}")
    for stage, row in results.stages.items():
        lines.append(f"{stage:16} {row['done_at']:15.2f} {row['after_upstream']:24.2f} {row['peak_backlog']:13,.0f}")
    lines.append("")
    lines.append(
        "CPU during throughput runs (share of one core): " + ", ".join(f"{k} {v:.0%}" for k, v in results.cpu.items())
    )
    lines.append(f"slowest stage: {results.slowest_stage}. {results.evidence}")
    if results.hops:
        lines += ["", hop_table(results.hops)]
    return "\n".join(lines)


def load_previous(path: Path) -> dict[str, Any] | None:
    """The last run's results at ``path``, if any."""
    try:
        found: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return found


def save(results: Results, path: Path) -> None:
    """Write the results as JSON (the previous file is kept beside it as ``.previous.json``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.replace(path.with_suffix(".previous.json"))
    path.write_text(json.dumps(results.as_dict(), indent=2) + "\n")


def _n(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def _cpus() -> int:
    return os.cpu_count() or 0
