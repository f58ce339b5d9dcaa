"""Contacts and leads live in the console: each change reaches the consoles that may see it, and commands work them.

Router, projections and gateway run as the processes they are; each console is a real websocket.
What a console must not get is proved by a later frame it must get: frames reach a console in the
order their changes were made.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from application.event_store import EventStore
from application.work_day import change_work_day
from domain.inbound import InboundMessage
from services.settings import Settings
from tests.integration.console_frames import Frame, command, console, frames_until, session
from tests.integration.crm_world import PASSWORD, PEOPLE, people, received_in_north
from tests.integration.test_people_roles import SEEN
from tests.services_running import RunningServices, services

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]


def test_contacts_and_leads_reach_live_only_the_consoles_that_may_see_them(
    store: EventStore, settings: Settings, tmp_path: Path
) -> None:
    ids = people(store, settings)
    change_work_day(store, ids["anna"], "start")
    with services(settings, tmp_path / "logs", names=("router", "projections", "gateway")) as running:
        asyncio.run(pushed_by_role(store, settings, running, ids))


def named(name: str) -> Callable[[Frame], bool]:
    """Whether a frame tells of the contact named ``name``."""
    return lambda f: f["type"] == "contact" and f["contact"]["name"] == name


async def pushed_by_role(store: EventStore, settings: Settings, running: RunningServices, ids: dict[str, UUID]) -> None:
    await running.healthy_except("ingest")
    tokens = {name: await session(settings, f"{name}@example.com", PASSWORD) for name in PEOPLE}
    consoles = {name: await console(settings, token) for name, token in tokens.items()}
    async with httpx.AsyncClient(base_url=settings.console_url) as http:

        async def send(method: str, who: str, url: str, body: dict[str, Any]) -> dict[str, Any]:
            headers = {"Authorization": f"Bearer {tokens[who]}"}
            answer = await http.request(method, url, json=body, headers=headers)
            assert answer.status_code in (200, 201), answer.text
            found: dict[str, Any] = answer.json()
            return found

        owners = {"A": "anna", "B": "boris", "S": "sam"}
        contacts = {
            name: (await send("POST", who, "/api/contacts", {"name": f"Contact {name}"}))["id"]
            for name, who in owners.items()
        }
        [received] = received_in_north(settings, InboundMessage.from_visitor("v1", "m1", "Tyres?", datetime.now(UTC)))
        lead = str(received.lead_id)

        # The router gives the lead to Anna in its own time: only then is it hers, and her head's, to be told.
        # The director, who sees every lead, is told so before the contacts below are entered: projected
        # together, a lead and a contact are told in the order of their kinds, not of their changes.
        routed = {"id": lead, "responsible_id": str(ids["anna"])}.items()
        to_anna = await frames_until(consoles["dora"], lambda f: f["type"] == "lead" and routed <= f["lead"].items())
        early = {"dora": to_anna}
        for who in PEOPLE:  # last, each enters one of their own: every console is told its own last
            await send("POST", who, "/api/contacts", {"name": f"Last of {who}"})

        names = {contact: name for name, contact in contacts.items()}
        for who, socket in consoles.items():
            frames = early.get(who, []) + await frames_until(socket, named(f"Last of {who}"))
            told = {names[f["contact"]["id"]] for f in frames if f["type"] == "contact" and f["contact"]["id"] in names}
            assert told == SEEN[who], who
            leads = {f["lead"]["id"] for f in frames if f["type"] == "lead"}
            assert leads == ({lead} if who in ("anna", "hanna", "dora", "adam") else set()), who

        await commands(consoles, lead, contacts["A"])
        # Anna hands her contact to Sam: it leaves her console and her head's, and reaches Sam's and his head's.
        await send("PATCH", "anna", f"/api/contacts/{contacts['A']}", {"responsible_id": str(ids["sam"])})
        for who in PEOPLE:
            await send("POST", who, "/api/contacts", {"name": f"Closing of {who}"})
        last = {"anna": "contact_removed", "hanna": "contact_removed", "boris": None}
        for who, socket in consoles.items():
            frames = await frames_until(socket, named(f"Closing of {who}"))
            about_a = [f["type"] for f in frames if contacts["A"] in str(f)]
            assert (about_a[-1] if about_a else None) == last.get(who, "contact"), (who, about_a)


async def commands(consoles: dict[str, Any], lead: str, contact: str) -> None:
    anna, boris, hanna = consoles["anna"], consoles["boris"], consoles["hanna"]
    unseen = await command(boris, {"type": "take_lead", "lead_id": lead})
    assert (unseen["type"], unseen["detail"]) == ("error", "no lead among those you may see")
    early = await command(anna, {"type": "qualify_lead", "lead_id": lead})
    assert (early["type"], "take it in progress" in early["detail"]) == ("error", True)
    taken = await command(anna, {"type": "take_lead", "lead_id": lead})
    assert (taken["type"], taken["status"]) == ("ack", "in_progress"), taken
    no_reason = await command(anna, {"type": "mark_lead_junk", "lead_id": lead})
    assert "'reason'" in no_reason["detail"]
    detailed = await command(anna, {"type": "change_lead", "lead_id": lead, "amount": "900", "currency": "EUR"})
    assert detailed["type"] == "ack", detailed
    qualified = await command(anna, {"type": "qualify_lead", "lead_id": lead, "expected_version": detailed["version"]})
    assert (qualified["type"], qualified["status"]) == ("ack", "qualified"), qualified
    pushed = await frames_until(hanna, lambda f: f["type"] == "lead" and f["lead"]["status"] == "qualified")
    assert pushed[-1]["lead"]["amount"] == "900"

    stale = await command(anna, {"type": "update_contact", "contact_id": contact, "name": "X", "expected_version": 1})
    assert "version" in stale["detail"], stale
    renamed = await command(anna, {"type": "update_contact", "contact_id": contact, "name": "Olga Ozola", "vip": True})
    assert renamed["type"] == "ack", renamed
    assert (await command(boris, {"type": "update_contact", "contact_id": contact, "name": "Mine"}))["type"] == "error"
    # Both changes of the one command, in one frame or two: the last says both.
    told: list[Frame] = await frames_until(
        hanna, lambda f: f["type"] == "contact" and f["contact"]["name"] == "Olga Ozola" and f["contact"]["vip"]
    )
    assert told[-1]["contact"]["id"] == contact
