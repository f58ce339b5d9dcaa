"""``switchboard route`` from the command line: apply, explain and simulate against real storage."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from application.managers import register_manager
from application.receive_messages import receive_messages
from application.work_day import change_work_day
from domain.inbound import InboundMessage
from services.bootstrap import build_event_store
from services.projections.schema import LIVE_SCHEMA, create_read_models
from services.settings import Settings
from tests.conftest import settings_env
from tests.router_reactions import routed

pytestmark = pytest.mark.integration


def switchboard(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli", "route", *args],
        env={**settings_env(settings), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_apply_explain_and_simulate(settings: Settings, tmp_path: Path) -> None:
    store = build_event_store(settings)
    anna = register_manager(store, "Anna", "anna@example.com", 5, settings.team)
    routed(store, change_work_day, anna, "start")
    message = InboundMessage.from_visitor("v1", "m1", "hi", datetime.now(tz=UTC))
    [received] = receive_messages(store, [message])
    store.close()

    # The rules file names managers by e-mail, resolved through the managers read model.
    async def project_manager() -> None:
        pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=1)
        assert pool is not None
        await create_read_models(pool, LIVE_SCHEMA)
        await pool.execute(
            f"INSERT INTO {LIVE_SCHEMA}.managers (id, name, email, work_day, capacity) VALUES ($1, 'Anna', 'anna@example.com', 'started', 5)",  # noqa: E501
            anna,
        )
        await pool.close()

    asyncio.run(project_manager())

    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - name: a\n    manager: nobody@example.com\n")
    refused = switchboard(settings, "apply", str(bad))
    assert refused.returncode == 2
    assert "line 3: rules.0.manager: no manager 'nobody@example.com'" in refused.stderr

    good = tmp_path / "good.yaml"
    good.write_text("rules:\n  - name: anna first\n    manager: anna@example.com\n  - name: rest\n    team: sales\n")
    applied = switchboard(settings, "apply", str(good), "--by", "ops@example.com")
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.splitlines() == ["added rule anna first", "added rule rest"]

    explained = switchboard(settings, "explain", str(received.lead_id))
    assert explained.returncode == 0, explained.stderr
    assert "assigned to Anna" in explained.stdout
    assert "Anna: chosen" in explained.stdout

    simulated = switchboard(settings, "simulate", "--rules", str(good))
    assert simulated.returncode == 0, simulated.stderr
    assert "1 leads replayed" in simulated.stdout
