"""A router's timer watch waits out a database that is restarting and goes on."""

from __future__ import annotations

import asyncio

import pytest
from eventsourcing.persistence import OperationalError

from services.router import timer_watch


@pytest.mark.asyncio
async def test_a_pass_that_loses_the_database_is_tried_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timer_watch, "INTERVAL_SECONDS", 0.001)
    stop = asyncio.Event()
    passes: list[str] = []

    async def one_pass() -> None:
        passes.append("tried")
        if len(passes) <= 2:
            msg = "server closed the connection unexpectedly"
            raise OperationalError(msg)
        stop.set()

    await asyncio.wait_for(timer_watch.watch("test", one_pass, stop), 5)
    assert passes == ["tried", "tried", "tried"]


@pytest.mark.asyncio
async def test_any_other_failure_is_not_hidden() -> None:
    async def one_pass() -> None:
        raise AssertionError

    with pytest.raises(AssertionError):
        await timer_watch.watch("test", one_pass, asyncio.Event())
