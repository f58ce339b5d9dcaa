"""The intake story through every service: a web chat becomes a lead, a qualified lead a contact, a company
and a deal, and the deal is priced, moved through its stages and won.

At each step every role asks the gateway over REST, and each sees what its role allows: the manager
responsible sees it, the other manager of the team does not, the head of that department does, the
head of another department sees nothing, and the director sees all.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from websockets.asyncio.client import ClientConnection

from application.departments import appoint_head
from application.managers import register_manager
from bench.waiting import until
from devstack.demo import DEMO_PASSWORD
from services.bootstrap import build_event_store
from services.console.accounts import Role, add_account
from services.settings import Settings
from tests.e2e.test_webchat_roundtrip import next_frame, visitor_socket
from tests.integration.console_frames import command, console, frames_until, session
from tests.services_running import RunningServices, load_demo, services

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(600)]

WAIT = 60.0
PASSWORD = "story-password"
# Besides the demo team (Anna and Boris sell, Clara directs): Hanna heads the sales team, Sven heads south.
HEADS = {"hanna": None, "sven": "south"}
ROLES = ("holder", "other", "hanna", "sven", "clara")
SEES = {"holder", "hanna", "clara"}  # the responsible manager, their head, the director


def organised(settings: Settings) -> None:
    """The heads of two departments, with their logins; Sam works in Sven's."""
    store = build_event_store(settings)
    try:
        ids = {
            name: register_manager(store, name.title(), f"{name}@example.com", 5, team or settings.team)
            for name, team in (*HEADS.items(), ("sam", "south"))
        }
        appoint_head(store, settings.team, ids["hanna"])
        appoint_head(store, "south", ids["sven"])
    finally:
        store.close()

    async def logins() -> None:
        pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=1)
        assert pool is not None
        try:
            for name in HEADS:
                await add_account(pool, f"{name}@example.com", ids[name], name.title(), Role.HEAD, PASSWORD)
        finally:
            await pool.close()

    asyncio.run(logins())


def test_a_web_chat_becomes_a_won_deal_seen_by_the_right_people_only(settings: Settings, tmp_path: Path) -> None:
    load_demo(settings)
    organised(settings)
    with services(settings, tmp_path / "logs") as running:
        asyncio.run(story(settings, running))


class Office:
    """Everyone's session, and REST as each of them."""

    def __init__(self, http: httpx.AsyncClient, tokens: dict[str, str]) -> None:
        self.http = http
        self.tokens = tokens

    async def send(self, who: str, method: str, url: str, body: dict[str, Any] | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return await self.http.request(method, url, json=body, headers=headers)

    async def ok(self, who: str, method: str, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.send(who, method, url, body)
        assert response.status_code in (200, 201), (who, method, url, response.text)
        answer: dict[str, Any] = response.json()
        return answer

    async def seen_by(self, url: str) -> set[str]:
        """Who of everyone gets ``url``; the others must get 404, as for what does not exist."""
        seeing = set()
        for who in ROLES:
            response = await self.send(who, "GET", url)
            assert response.status_code in (200, 404), (who, url, response.text)
            if response.status_code == 200:
                seeing.add(who)
        return seeing

    async def once(self, who: str, url: str, ready: Any) -> dict[str, Any]:
        """``url`` as ``who`` reads it once the read models show what ``ready`` asks of it."""

        async def read() -> dict[str, Any] | None:
            response = await self.send(who, "GET", url)
            body: dict[str, Any] = response.json()
            return body if response.status_code == 200 and ready(body) else None

        return await until(read, WAIT, f"{url} to show the change", interval=0.2)

    async def listed(self, who: str, deal_id: str) -> bool:
        deals = (await self.ok(who, "GET", "/api/deals"))["deals"]
        return any(d["id"] == deal_id for d in deals)


async def story(settings: Settings, running: RunningServices) -> None:
    await running.healthy()
    demo = {"anna": DEMO_PASSWORD, "boris": DEMO_PASSWORD, "clara": DEMO_PASSWORD}
    tokens = {
        who: await session(settings, f"{who}@example.com", password)
        for who, password in {**demo, **dict.fromkeys(HEADS, PASSWORD)}.items()
    }
    consoles = {who: await console(settings, tokens[who]) for who in ("anna", "boris")}
    director = await console(settings, tokens["clara"])

    # 1. A visitor writes in the web chat; routing gives the lead to one of the two working managers.
    visitor, _ = await visitor_socket(settings)
    await visitor.send(json.dumps({"type": "message", "id": "m1", "text": "We need 40 trackers for our trucks"}))
    await next_frame(visitor, "accepted")
    holder_name, conversation = await _told(consoles)
    other_name = "boris" if holder_name == "anna" else "anna"
    tokens |= {"holder": tokens[holder_name], "other": tokens[other_name]}
    holder: ClientConnection = consoles[holder_name]
    lead = conversation["lead_id"]
    async with httpx.AsyncClient(base_url=settings.console_url, timeout=30) as http:
        office = Office(http, tokens)
        assert await office.seen_by(f"/api/timeline/lead/{lead}") == SEES

        # 2. The manager works the lead and finds it qualified; nobody else may.
        assert (await office.send("other", "POST", f"/api/leads/{lead}/take", {})).status_code == 404
        await office.ok("holder", "POST", f"/api/leads/{lead}/take", {})
        await office.ok("holder", "POST", f"/api/leads/{lead}/qualify", {})

        async def qualified() -> bool:
            found = await office.send("holder", "GET", f"/api/leads/{lead}")
            return found.status_code == 200 and found.json()["status"] == "qualified"

        await until(qualified, 30, "the qualified lead in the read model")
        assert await office.seen_by(f"/api/leads/{lead}") == SEES
        assert await office.seen_by(f"/api/timeline/lead/{lead}") == SEES

        # 3. Converted on the console into the customer's contact, their company and a deal; asked again
        # over REST, the same records come back and nothing is made twice.
        convert = {
            "type": "convert_lead",
            "lead_id": lead,
            "contact": {"name": "Ilze Berzina", "emails": ["ilze@nordic-freight.example"]},
            "company": {"name": "Nordic Freight", "domain": "nordic-freight.example"},
            "deal": {"title": "Trackers for 40 trucks", "currency": "EUR"},
        }
        refused = await command(consoles[other_name], convert)
        assert (refused["type"], refused["detail"]) == ("error", "no lead among those you may see")
        ack = await command(holder, convert)
        assert ack["type"] == "ack", ack
        assert ack["created"] == ["company", "contact", "deal"]
        told = await frames_until(holder, lambda f: f["type"] == "lead_converted")
        assert told[-1]["conversion"]["deal_id"] == ack["deal_id"]
        assert (await frames_until(director, lambda f: f["type"] == "lead_converted"))[-1] == told[-1]
        # The other manager is not told: a deal of their own, opened after, reaches them with nothing before it.
        own = await office.ok("other", "POST", "/api/deals", {"title": "Another customer", "currency": "EUR"})
        before_own = await frames_until(
            consoles[other_name], lambda f: f["type"] == "deal" and f["deal"]["id"] == own["id"]
        )
        assert not [f for f in before_own if f["type"] == "lead_converted" or ack["deal_id"] in json.dumps(f)]
        records = {k: convert[k] for k in ("contact", "company", "deal")}
        again = await office.send("holder", "POST", f"/api/leads/{lead}/conversion", records)
        assert (again.status_code, again.json()["deal_id"], again.json()["created"]) == (200, ack["deal_id"], [])
        deal_url = f"/api/deals/{ack['deal_id']}"
        deal = await office.once("holder", deal_url, lambda d: d["lead_id"] == lead)
        assert (deal["contact_id"], deal["company_id"]) == (ack["contact_id"], ack["company_id"])
        assert await office.seen_by(deal_url) == SEES
        for kind in ("contact", "company", "deal"):
            assert await office.seen_by(f"/api/timeline/{kind}/{ack[f'{kind}_id']}") == SEES, kind
        history = await office.once("holder", f"/api/timeline/deal/{ack['deal_id']}", lambda t: len(t["timeline"]) >= 3)
        said = [e["summary"]["text"] for e in history["timeline"] if e["kind"] == "Conversation.CustomerWrote"]
        assert said == ["We need 40 trackers for our trucks"]

        # 4. Products from the catalogue: the deal's amount is the sum of its lines.
        tracker = await office.ok(
            "clara", "POST", "/api/products", {"name": "Tracker", "price": "120.00", "currency": "EUR"}
        )
        line = {"product_id": tracker["id"], "quantity": "40", "discount_percent": "10"}
        assert (await office.send("other", "POST", f"{deal_url}/lines", line)).status_code == 404
        assert (await office.send("sven", "POST", f"{deal_url}/lines", line)).status_code == 404
        await office.ok("holder", "POST", f"{deal_url}/lines", line)
        priced = await office.once("holder", deal_url, lambda d: d["amount"] == "4320.00")
        assert [(x["name"], x["total"]) for x in priced["lines"]] == [("Tracker", "4320.00")]
        assert await office.seen_by(deal_url) == SEES

        # 5. Through the stages, and 6. won.
        [pipeline] = (await office.ok("holder", "GET", "/api/pipelines"))["pipelines"]
        stages = {stage["name"]: stage["id"] for stage in pipeline["stages"]}
        for name in ("Proposal", "Negotiation", "Won"):
            move = {"stage_id": stages[name]}
            for outsider in ("other", "sven"):
                assert (await office.send(outsider, "POST", f"{deal_url}/move", move)).status_code == 404
            await office.ok("holder", "POST", f"{deal_url}/move", move)
            moved = await office.once("holder", deal_url, lambda d, stage=stages[name]: d["stage_id"] == stage)
            assert await office.seen_by(deal_url) == SEES, name
        assert (moved["outcome"], moved["amount"]) == ("won", "4320.00")
        assert {who for who in ROLES if await office.listed(who, ack["deal_id"])} == SEES
        assert await office.seen_by(f"/api/timeline/lead/{lead}") == SEES
    for socket in (*consoles.values(), director, visitor):
        await socket.close()


async def _told(consoles: dict[str, ClientConnection]) -> tuple[str, dict[str, Any]]:
    """Which console was told of the new conversation, and the conversation."""
    waits = {asyncio.ensure_future(next_frame(socket, "conversation", WAIT)): who for who, socket in consoles.items()}
    done, pending = await asyncio.wait(waits, timeout=WAIT, return_when=asyncio.FIRST_COMPLETED)
    for waiting in pending:
        waiting.cancel()
    assert done, "no manager was told of the conversation"
    first = done.pop()
    return waits[first], first.result()["conversation"]
