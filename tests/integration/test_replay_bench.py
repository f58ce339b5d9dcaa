"""The replay benchmark runs end to end on a small history and reports replay beside COPY."""

from __future__ import annotations

import pytest

from bench.cli import main as bench_main

pytestmark = pytest.mark.integration


def test_the_replay_benchmark_reports_replay_beside_copy(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_main(["replay", "--quick", "--deals", "40"]) == 0

    report = capsys.readouterr().out
    assert "6,577 events (40 deals, 400 activities, 5 managers)" in report
    assert "COPY in" in report
    assert "COPY out" in report
    assert "summary: replay" in report
