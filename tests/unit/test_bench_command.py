"""The benchmarks are a command of their own; the product's command no longer carries them."""

from __future__ import annotations

import pytest

from bench.cli import main as bench_main
from services.cli import main as switchboard_main


@pytest.mark.parametrize("suite", ["pipeline", "mail", "telegram", "vk", "replay", "routing", "chaos"])
def test_every_suite_is_a_command_of_switchboard_bench(suite: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as shown:
        bench_main([suite, "--help"])
    assert shown.value.code == 0
    assert f"switchboard-bench {suite}" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["bench"], ["chaos"], ["route", "bench"]])
def test_the_product_command_has_no_benchmarks(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        switchboard_main(argv)
    assert refused.value.code == 2
