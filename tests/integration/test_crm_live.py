"""The CRM live in the console: a reminder reaches its manager once, deals and activities reach whoever may see them.

Router, projections and gateway run as the processes they are; each console is a real websocket.
What a console must not get is proved by a later frame it must get: frames reach a console in the
order their changes were made.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from websockets.asyncio.client import ClientConnection

from application.event_store import EventStore
from domain.pipeline import DEFAULT_PIPELINE_ID, DEFAULT_STAGES, stage_id
from services.settings import Settings
from tests.integration.console_frames import Frame, command, console, frames_until, session
from tests.integration.crm_world import PASSWORD, PEOPLE, people
from tests.integration.test_crm_roles import ACTIVITIES_SEEN, DEALS_SEEN
from tests.services_running import RunningServices, services

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]

REMIND_IN = timedelta(seconds=2)


class Crm:
    """REST calls as one person or another, on the running gateway."""

    def __init__(self, http: httpx.AsyncClient, tokens: dict[str, str]) -> None:
        self.http = http
        self.tokens = tokens

    async def post(self, who: str, url: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.http.post(url, json=body, headers={"Authorization": f"Bearer {self.tokens[who]}"})
        assert response.status_code in (200, 201), response.text
        answer: dict[str, Any] = response.json()
        return answer

    async def deal(self, who: str, title: str, **more: object) -> str:
        return str((await self.post(who, "/api/deals", {"title": title, "currency": "EUR", **more}))["id"])

    async def activity(self, who: str, deal: str, title: str, **more: object) -> str:
        body = {"kind": "task", "subject_kind": "deal", "subject_id": deal, "title": title, **more}
        return str((await self.post(who, "/api/activities", body))["id"])


def reminder_of(activity: str) -> Any:
    return lambda f: f["type"] == "reminder" and f["activity"]["id"] == activity


def reminders(frames: list[Frame]) -> list[str]:
    return [f["activity"]["id"] for f in frames if f["type"] == "reminder"]


def test_a_reminder_reaches_its_managers_console_once_and_commands_work_deals(
    store: EventStore, settings: Settings, tmp_path: Path
) -> None:
    ids = people(store, settings)
    with services(settings, tmp_path / "logs", names=("router", "projections", "gateway")) as running:
        asyncio.run(reminded(settings, running, ids))


async def reminded(settings: Settings, running: RunningServices, ids: dict[str, UUID]) -> None:
    await running.healthy_except("ingest")
    tokens = {n: await session(settings, f"{n}@example.com", PASSWORD) for n in ("anna", "boris", "dora")}
    anna, boris, dora = [await console(settings, tokens[n]) for n in ("anna", "boris", "dora")]
    async with httpx.AsyncClient(base_url=settings.console_url) as http:
        crm = Crm(http, tokens)
        deal = await crm.deal("anna", "Fleet renewal")
        remind_at = datetime.now(UTC) + REMIND_IN
        call = await crm.activity("anna", deal, "Call Olga back", remind_at=remind_at.isoformat(), call_back=True)

        told = (await frames_until(anna, reminder_of(call)))[-1]["activity"]
        assert (told["title"], told["responsible_id"]) == ("Call Olga back", str(ids["anna"]))
        assert datetime.fromisoformat(told["reminder_fired_at"]) >= remind_at
        # Once: a later reminder arrives, and the first did not come again before it.
        later = await crm.activity("anna", deal, "Send the offer", remind_at=datetime.now(UTC).isoformat())
        assert reminders(await frames_until(anna, reminder_of(later))) == [later]
        # Nobody else is reminded of Anna's calls: not a colleague, not even the director.
        own = await crm.deal("boris", "Boris's own")
        mine = await crm.activity("boris", own, "Boris's call", remind_at=datetime.now(UTC).isoformat())
        assert reminders(await frames_until(boris, reminder_of(mine))) == [mine]
        seen_by_dora = await frames_until(dora, lambda f: f["type"] == "activity" and f["activity"]["id"] == mine)
        assert reminders(seen_by_dora) == []

        await commands(anna, boris, dora, deal, call)


async def commands(
    anna: ClientConnection, boris: ClientConnection, dora: ClientConnection, deal: str, call: str
) -> None:
    lost = str(stage_id(DEFAULT_PIPELINE_ID, [s.name for s in DEFAULT_STAGES].index("Lost")))
    refused = await command(anna, {"type": "move_deal", "deal_id": deal, "stage_id": lost})
    assert (refused["type"], refused["code"]) == ("error", "refused")
    assert "'reason'" in refused["detail"]
    unseen = await command(boris, {"type": "move_deal", "deal_id": deal, "stage_id": lost, "reason": "Mine now"})
    assert (unseen["type"], unseen["detail"]) == ("error", "no deal among those you may see")
    moved = await command(anna, {"type": "move_deal", "deal_id": deal, "stage_id": lost, "reason": "Too dear"})
    assert moved["type"] == "ack", moved
    stale = await command(anna, {"type": "move_deal", "deal_id": deal, "stage_id": lost, "expected_version": 1})
    assert "version" in stale["detail"]
    # The move reaches the director's console live, as the deal it now is.
    pushed = await frames_until(dora, lambda f: f["type"] == "deal" and f["deal"]["outcome"] == "lost")
    assert pushed[-1]["deal"]["lost_reason"] == "Too dear"
    assert (await command(boris, {"type": "complete_activity", "activity_id": call}))["type"] == "error"
    done = await command(anna, {"type": "complete_activity", "activity_id": call, "result": "Ordered"})
    assert done == {"type": "ack", "activity_id": call, "version": done["version"], "request_id": done["request_id"]}
    again = await command(anna, {"type": "complete_activity", "activity_id": call})
    assert "already done" in again["detail"]


def test_deals_and_activities_reach_live_only_the_consoles_that_may_see_them(
    store: EventStore, settings: Settings, tmp_path: Path
) -> None:
    ids = people(store, settings)
    with services(settings, tmp_path / "logs", names=("router", "projections", "gateway")) as running:
        asyncio.run(pushed_by_role(settings, running, ids))


async def pushed_by_role(settings: Settings, running: RunningServices, ids: dict[str, UUID]) -> None:
    await running.healthy_except("ingest")
    tokens = {name: await session(settings, f"{name}@example.com", PASSWORD) for name in PEOPLE}
    consoles = {name: await console(settings, token) for name, token in tokens.items()}
    async with httpx.AsyncClient(base_url=settings.console_url) as http:
        crm = Crm(http, tokens)
        deals = {
            "A": await crm.deal("anna", "A"),
            "B": await crm.deal("boris", "B"),
            "S": await crm.deal("sam", "S"),
            "O": await crm.deal("sam", "O", observers=[str(ids["boris"])]),
        }
        owners = {"A": "anna", "B": "boris", "S": "sam", "O": "sam"}
        activities = {name: await crm.activity(owners[name], deal, name) for name, deal in deals.items()}
        activities["X"] = await crm.activity("hanna", deals["A"], "X", responsible_id=str(ids["boris"]))
        # Last, a deal everyone observes, and an activity on it: every console is told both.
        everyone = [str(ids[name]) for name in PEOPLE if name != "dora"]
        deals["Z"] = await crm.deal("dora", "Z", observers=everyone)
        activities["Z"] = await crm.activity("dora", deals["Z"], "Z")

        deal_names = {deal: name for name, deal in deals.items()}
        activity_names = {activity: name for name, activity in activities.items()}
        for who, socket in consoles.items():
            frames = await frames_until(socket, lambda f: f["type"] == "activity" and f["activity"]["title"] == "Z")
            told_deals = {deal_names[f["deal"]["id"]] for f in frames if f["type"] == "deal"}
            told_activities = {activity_names[f["activity"]["id"]] for f in frames if f["type"] == "activity"}
            assert told_deals == DEALS_SEEN[who] | {"Z"}, who
            assert told_activities == ACTIVITIES_SEEN[who] | {"Z"}, who

        # Anna hands her deal to Boris: it leaves her console and reaches his; Sven, of the other
        # department, hears nothing of it. A last change to Z closes what each is told.
        anna = tokens["anna"]
        handed = await http.put(
            f"/api/deals/{deals['A']}/responsible",
            json={"responsible_id": str(ids["boris"])},
            headers={"Authorization": f"Bearer {anna}"},
        )
        assert handed.status_code == 200, handed.text
        # The last change waits for the handover to be pushed: made together, the two could be projected in
        # one batch, whose deals are told in the order of their ids, not of the changes.
        handed_to_boris = {"id": deals["A"], "responsible_id": str(ids["boris"])}
        await frames_until(
            consoles["dora"], lambda f: f["type"] == "deal" and handed_to_boris.items() <= f["deal"].items()
        )
        await crm.post("dora", f"/api/deals/{deals['Z']}/observers", {"observer_id": str(ids["dora"])})
        for who in ("anna", "boris", "sven", "hanna"):
            frames = await frames_until(consoles[who], lambda f: f["type"] == "deal" and f["deal"]["id"] == deals["Z"])
            about_a = [
                (f["type"], f.get("deal", {}).get("responsible_id"))
                for f in frames
                if f["type"] in ("deal", "deal_removed") and deals["A"] in str(f)
            ]
            expected = {
                "anna": [("deal_removed", None)],
                "boris": [("deal", str(ids["boris"]))],
                "sven": [],
                "hanna": [("deal", str(ids["boris"]))],
            }
            assert about_a == expected[who], who
