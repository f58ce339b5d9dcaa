"""The faults of a chaos run, drawn from a seed: service SIGKILLs, one Kafka and one PostgreSQL outage."""

from __future__ import annotations

import random
from dataclasses import dataclass

from bench.supervisor import SERVICES

KAFKA = "kafka"
POSTGRES = "postgres"


@dataclass(frozen=True, order=True)
class Fault:
    """At ``at`` seconds into the load: SIGKILL a service, or stop a server for ``downtime`` seconds."""

    at: float
    target: str
    downtime: float = 0.0

    @property
    def is_outage(self) -> bool:
        """Whether this stops a server (Kafka or PostgreSQL) rather than killing a service."""
        return self.target in (KAFKA, POSTGRES)

    def __str__(self) -> str:
        if self.is_outage:
            return f"{self.at:6.1f}s  stop {self.target} for {self.downtime:.1f}s, then start it"
        return f"{self.at:6.1f}s  SIGKILL {self.target}"


def schedule(seed: int, duration: float, kills_per_service: int) -> list[Fault]:
    """Kills at random moments of the load; the two outages in separate halves, never overlapping."""
    rng = random.Random(seed)
    faults = [
        Fault(round(rng.uniform(0.05, 0.9) * duration, 1), service)
        for service in SERVICES
        for _ in range(kills_per_service)
    ]
    first, second = rng.sample([KAFKA, POSTGRES], 2)
    faults.append(Fault(round(rng.uniform(0.15, 0.35) * duration, 1), first, round(rng.uniform(1.0, 4.0), 1)))
    faults.append(Fault(round(rng.uniform(0.55, 0.75) * duration, 1), second, round(rng.uniform(1.0, 4.0), 1)))
    return sorted(faults)
