"""A short chaos run: every service SIGKILLed once, Kafka and PostgreSQL restarted once, under load.

It runs on its own PostgreSQL and Kafka (it stops and starts them), checks
correctness only, and prints its seed; SWITCHBOARD_CHAOS_SEED replays one.
"""

from __future__ import annotations

import os
import random

import pytest

from bench.chaos import chaos

pytestmark = [pytest.mark.chaos, pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(420)]


@pytest.mark.runs_long(100)
def test_nothing_is_lost_or_doubled_when_everything_is_killed(
    kafka_jars: object, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = int(os.environ.get("SWITCHBOARD_CHAOS_SEED") or random.SystemRandom().randrange(1 << 31))
    with capsys.disabled():
        print(f"\n[chaos] seed {seed}")
        result = chaos(seed=seed, messages=1_000, rate=25.0, kills=4)
        print(result.report())
    failed = [f"{c.name}: {c.found}" for c in result.checks if not c.ok]
    assert result.checks, f"seed {seed}: no checks ran"
    assert not failed, f"seed {seed}: " + "; ".join(failed)
