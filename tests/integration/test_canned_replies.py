"""Canned replies over REST: an operator's own list, a team's for heads and above, each refusal its status."""

from __future__ import annotations

from uuid import NAMESPACE_URL, uuid5

import httpx
import pytest

from application.event_store import EventStore
from services.console.accounts import Role
from services.settings import Settings
from tests.integration.gateway_server import PASSWORD, add_operator, serving
from tests.projected import project

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(120)]


async def login(http: httpx.AsyncClient, email: str) -> dict[str, str]:
    answer = await http.post("/api/login", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def test_canned_replies_are_written_listed_and_removed_by_whom_they_belong_to(
    settings: Settings, store: EventStore
) -> None:
    for email, role in (
        ("ann@canned.test", Role.MANAGER),
        ("bob@canned.test", Role.MANAGER),
        ("hd@canned.test", Role.HEAD),
    ):
        await add_operator(settings, email, uuid5(NAMESPACE_URL, email), role)
    async with serving(settings), httpx.AsyncClient(base_url=settings.console_url) as http:
        ann, bob, head = [await login(http, e) for e in ("ann@canned.test", "bob@canned.test", "hd@canned.test")]
        own = await http.post("/api/canned-replies", json={"shortcut": "Hi", "text": "Hello, Ann here."}, headers=ann)
        assert own.status_code == 200, own.text
        assert (own.json()["shortcut"], own.json()["owner"]) == (
            "hi",
            f"operator:{uuid5(NAMESPACE_URL, 'ann@canned.test')}",
        )
        refused = await http.post(
            "/api/canned-replies", json={"shortcut": "hi", "text": "x", "team": "sales"}, headers=ann
        )
        assert refused.status_code == 403, refused.text
        for wrong in ({"shortcut": "two words", "text": "x"}, {"shortcut": "ok", "text": ""}, {"shortcut": "ok"}):
            answer = await http.post("/api/canned-replies", json=wrong, headers=ann)
            assert answer.status_code == 400, (wrong, answer.text)
        team = await http.post(
            "/api/canned-replies", json={"shortcut": "hours", "text": "We work 9 to 18.", "team": "sales"}, headers=head
        )
        assert team.status_code == 200, team.text
        await project(settings, store)

        listed = (await http.get("/api/canned-replies", headers=bob)).json()["canned_replies"]
        assert [(r["shortcut"], r["owner"]) for r in listed] == [("hours", "team:sales")]  # not Ann's own
        listed = (await http.get("/api/canned-replies", headers=ann)).json()["canned_replies"]
        assert sorted(r["shortcut"] for r in listed) == ["hi", "hours"]

        not_bobs = await http.delete(f"/api/canned-replies/{own.json()['id']}", headers=bob)
        assert not_bobs.status_code == 404, not_bobs.text
        assert (await http.delete(f"/api/canned-replies/{team.json()['id']}", headers=ann)).status_code == 404
        assert (await http.delete(f"/api/canned-replies/{own.json()['id']}", headers=ann)).status_code == 200
        assert (await http.delete(f"/api/canned-replies/{own.json()['id']}", headers=ann)).status_code == 409
        assert (await http.delete("/api/canned-replies/not-an-id", headers=ann)).status_code == 400
        assert (await http.get("/api/canned-replies")).status_code == 401
        await project(settings, store)
        listed = (await http.get("/api/canned-replies", headers=ann)).json()["canned_replies"]
        assert [r["shortcut"] for r in listed] == ["hours"]
