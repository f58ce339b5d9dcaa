"""The development stack is a command of its own; the product's command starts no local servers."""

from __future__ import annotations

import pytest

from devstack.cli import main as dev_main
from services.cli import main as switchboard_main


@pytest.mark.parametrize("command", ["run", "demo", "kafka-jars"])
def test_every_development_command_is_a_command_of_switchboard_dev(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as shown:
        dev_main([command, "--help"])
    assert shown.value.code == 0
    assert f"switchboard-dev {command}" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["run"], ["demo"], ["kafka-jars"]])
def test_the_product_command_has_no_development_commands(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        switchboard_main(argv)
    assert refused.value.code == 2
