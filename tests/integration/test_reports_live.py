"""Reports live: a console is told when a change is in the reports its operator may read, and no other.

Router, projections and gateway run as the processes they are; each console is a real websocket. What
a console must not be told is proved by a later frame it must get: frames reach a console in the
order their changes were made.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from application.event_store import EventStore
from domain.pipeline import DEFAULT_PIPELINE_ID, DEFAULT_STAGES, stage_id
from services.settings import Settings
from tests.integration.console_frames import Frame, console, frames_until, session
from tests.integration.crm_world import PASSWORD, people
from tests.services_running import RunningServices, services

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]

WON = str(stage_id(DEFAULT_PIPELINE_ID, [s.name for s in DEFAULT_STAGES].index("Won")))
WATCHING = ("dora", "hanna", "anna", "boris", "sven")


def test_an_open_report_is_told_of_the_changes_in_its_scope_and_shows_them_when_read_again(
    store: EventStore, settings: Settings, tmp_path: Path
) -> None:
    ids = people(store, settings)
    with services(settings, tmp_path / "logs", names=("router", "projections", "gateway")) as running:
        asyncio.run(watched(settings, running, ids))


def told_of(deal: str) -> Any:
    return lambda f: f["type"] == "reports_changed" and deal in f["deal_ids"]


def changed_deals(frames: list[Frame]) -> set[str]:
    return {deal for f in frames if f["type"] == "reports_changed" for deal in f["deal_ids"]}


async def watched(settings: Settings, running: RunningServices, ids: dict[str, UUID]) -> None:
    await running.healthy_except("ingest")
    tokens = {name: await session(settings, f"{name}@example.com", PASSWORD) for name in (*WATCHING, "sam")}
    consoles = {name: await console(settings, tokens[name]) for name in WATCHING}
    async with httpx.AsyncClient(base_url=settings.console_url) as http:

        async def call(who: str, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
            answer = await http.request(method, url, headers={"Authorization": f"Bearer {tokens[who]}"}, **kwargs)
            assert answer.status_code in (200, 201), answer.text
            body: dict[str, Any] = answer.json()
            return body

        async def opened(who: str, title: str) -> str:
            body = {"title": title, "currency": "EUR", "amount": "100"}
            return str((await call(who, "POST", "/api/deals", json=body))["id"])

        async def anna_in_report() -> tuple[int, int, str]:
            rows = (await call("dora", "GET", "/api/reports/deals-by-manager"))["rows"]
            [anna] = [r for r in rows if r["manager"] == "Anna"]
            return anna["deals"], anna["won"], anna["income"]

        deal = await opened("anna", "Tyres")
        await frames_until(consoles["dora"], told_of(deal))
        assert await anna_in_report() == (1, 0, "0")
        await call("anna", "POST", f"/api/deals/{deal}/move", json={"stage_id": WON})
        # The director's open report is told again, and read again shows the deal won.
        await frames_until(consoles["dora"], told_of(deal))
        assert await anna_in_report() == (1, 1, "100.00")
        south = await opened("sam", "Chains")
        assert south in changed_deals(await frames_until(consoles["dora"], told_of(south)))

        last = {who: await opened(who, f"Last of {who}") for who in ("anna", "boris", "hanna", "sven")}
        expected = {
            "anna": {deal, last["anna"]},
            "boris": {last["boris"]},  # a colleague's deal is not in his reports
            "hanna": {deal, last["anna"], last["boris"], last["hanna"]},  # her department's
            "sven": {south, last["sven"]},  # his department's, not another's
        }
        for who, told in expected.items():
            assert changed_deals(await frames_until(consoles[who], told_of(last[who]))) == told, who

        # Anna hands her deal to Boris: it leaves her reports and enters his, and both are told.
        await call("anna", "PUT", f"/api/deals/{deal}/responsible", json={"responsible_id": str(ids["boris"])})
        for who in ("anna", "boris", "hanna", "dora"):
            await frames_until(consoles[who], told_of(deal))
        rows = (await call("dora", "GET", "/api/reports/deals-by-manager"))["rows"]
        assert {(r["manager"], r["won"]) for r in rows} >= {("Boris", 1)}
