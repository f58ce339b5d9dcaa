"""The chaos schedule: the asked number of kills, spread over the services and the load, and two outages."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from bench.faults import FIRST_KILL, KAFKA, LAST_KILL, POSTGRES, schedule
from bench.supervisor import SERVICES


@given(seed=st.integers(0, 2**31), kills=st.integers(0, 40), duration=st.floats(10.0, 5_000.0))
def test_kills_are_spread_over_services_and_slices_of_the_load(seed: int, kills: int, duration: float) -> None:
    faults = schedule(seed, duration, kills)
    killed = [f for f in faults if not f.is_outage]
    assert len(killed) == kills
    per_service = Counter(f.target for f in killed)
    assert set(per_service) <= set(SERVICES)
    if kills:
        assert max(per_service.values()) - min(per_service.get(s, 0) for s in SERVICES) <= 1
    slice_length = (LAST_KILL - FIRST_KILL) * duration / max(kills, 1)
    moments = sorted(f.at for f in killed)
    for n, at in enumerate(moments):  # one kill in each equal slice (rounded to a tenth of a second)
        start = FIRST_KILL * duration + n * slice_length
        assert start - 0.05 <= at <= start + slice_length + 0.05


@given(seed=st.integers(0, 2**31), duration=st.floats(40.0, 5_000.0))  # the shortest run is 40 s
def test_kafka_and_postgres_are_restarted_once_each_in_separate_halves(seed: int, duration: float) -> None:
    outages = [f for f in schedule(seed, duration, 10) if f.is_outage]
    assert sorted(f.target for f in outages) == [KAFKA, POSTGRES]
    first, second = sorted(outages)
    assert first.at < duration / 2 < second.at
    assert first.at + first.downtime < second.at  # never both down at once


def test_a_seed_replays_the_same_schedule() -> None:
    assert schedule(42, 1000.0, 10) == schedule(42, 1000.0, 10)
    assert schedule(42, 1000.0, 10) != schedule(43, 1000.0, 10)
