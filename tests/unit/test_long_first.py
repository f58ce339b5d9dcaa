"""The longest tests start first, spread over the workers' first runs."""

from __future__ import annotations

from tests.long_first import long_first, runs


def test_runs_split_as_worksteal_splits_them() -> None:
    assert runs(10, 3) == [3, 3, 4]
    assert runs(2, 3) == [0, 1, 1]
    assert sum(runs(2083, 3)) == 2083


def test_long_tests_lead_the_runs_longest_first_on_the_least_loaded_run() -> None:
    items = list("abcdefghij")
    seconds: list[float | None] = [None] * 10
    seconds[7], seconds[8], seconds[9], seconds[2] = 400.0, 300.0, 100.0, 90.0
    ordered = long_first(items, seconds, 3)
    assert sorted(ordered) == items  # nothing lost or doubled
    first_runs = [ordered[0:3], ordered[3:6], ordered[6:10]]
    assert [run[0] for run in first_runs] == ["h", "i", "j"]  # 400, 300, 100 s: one each
    assert first_runs[2][:2] == ["j", "c"]  # 90 s joins the run with the least: 100 s
    assert [i for i in ordered if seconds[items.index(i)] is None] == list("abdefg")  # the rest in order


def test_one_worker_runs_the_long_tests_first() -> None:
    assert long_first(["a", "b", "c"], [None, 5.0, 9.0], 1) == ["c", "b", "a"]
