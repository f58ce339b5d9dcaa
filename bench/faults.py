"""The faults of a chaos run, drawn from a seed: service SIGKILLs, one Kafka and one PostgreSQL outage."""

from __future__ import annotations

import random
from dataclasses import dataclass

from bench.supervisor import SERVICES

KAFKA = "kafka"
POSTGRES = "postgres"
# Kills land between these fractions of the load: not before the services warmed up, and early
# enough that the restarted service still gets load to prove itself on.
FIRST_KILL, LAST_KILL = 0.05, 0.9


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


def schedule(seed: int, duration: float, kills: int) -> list[Fault]:
    """``kills`` SIGKILLs spread over the services and the load; the two outages in separate halves.

    Each service gets ``kills // 4`` kills or one more (which ones get more is drawn), and each kill
    falls at a random moment of its own equal slice of the load, so kills neither bunch up nor
    leave a long stretch untouched.
    """
    rng = random.Random(seed)
    first = rng.randrange(len(SERVICES))
    targets = [SERVICES[(first + i) % len(SERVICES)] for i in range(kills)]
    rng.shuffle(targets)
    slice_length = (LAST_KILL - FIRST_KILL) / max(kills, 1)
    faults = [
        Fault(round((FIRST_KILL + (n + rng.random()) * slice_length) * duration, 1), target)
        for n, target in enumerate(targets)
    ]
    first_outage, second_outage = rng.sample([KAFKA, POSTGRES], 2)
    faults.append(Fault(round(rng.uniform(0.15, 0.35) * duration, 1), first_outage, round(rng.uniform(1.0, 4.0), 1)))
    faults.append(Fault(round(rng.uniform(0.55, 0.75) * duration, 1), second_outage, round(rng.uniform(1.0, 4.0), 1)))
    return sorted(faults)
