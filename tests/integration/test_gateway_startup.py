"""A gateway that cannot start (Kafka away) ends its process, so that its supervisor starts it again."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.ports import free_port
from devstack.processes import spawn, stop
from services.settings import Settings
from tests.conftest import settings_env

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def test_a_gateway_that_fails_to_start_exits_instead_of_hanging(settings: Settings, tmp_path: Path) -> None:
    away = settings.model_copy(update={"kafka_bootstrap": f"127.0.0.1:{free_port()}"})
    process = spawn("gateway", settings_env(away), tmp_path / "gateway.log")
    try:
        code = process.wait(timeout=90)
    finally:
        stop(process)
    assert code != 0
    assert "Application startup failed" in (tmp_path / "gateway.log").read_text()
