"""The conversations of one's teams from the gateway: held by or offered to a team mate, open, and visible."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from application.managers import register_manager
from application.receive_messages import receive_messages
from application.transfer_conversation import transfer_to_colleague
from application.work_day import change_work_day
from domain.channels import Channel
from domain.identities import conversation_id
from domain.inbound import InboundMessage
from services.bootstrap import build_event_store, create_pool
from services.console.accounts import Role, add_account
from services.console.app import build_app
from services.settings import Settings
from tests.projected import project
from tests.router_reactions import routed

pytestmark = pytest.mark.integration

PASSWORD = "secret-password"
PEOPLE = {  # name: team, role
    "anna": ("sales", Role.MANAGER),
    "bob": ("sales", Role.MANAGER),
    "head": ("sales", Role.HEAD),
    "dora": ("support", Role.MANAGER),
}


def first_message(visitor: str) -> list[InboundMessage]:
    return [InboundMessage.from_visitor(visitor, "m1", "hello", datetime.now(UTC))]


@pytest.fixture
def gateway(settings: Settings) -> Iterator[tuple[TestClient, dict[str, str]]]:
    store = build_event_store(settings)
    ids = {name: register_manager(store, name, f"{name}@example.com", 5, team) for name, (team, _) in PEOPLE.items()}
    # Anna alone at work gets the first visitor; Bob alone the second, which he transfers to Dora of support.
    routed(store, change_work_day, ids["anna"], "start")
    routed(store, receive_messages, first_message("v1"))
    routed(store, change_work_day, ids["anna"], "end")
    routed(store, change_work_day, ids["bob"], "start")
    routed(store, receive_messages, first_message("v2"))
    routed(store, change_work_day, ids["dora"], "start")
    routed(store, transfer_to_colleague, conversation_id(Channel.WEBCHAT, "v2"), ids["bob"], ids["dora"])
    asyncio.run(project(settings, store))
    store.close()

    async def accounts() -> None:
        pool = await create_pool(settings, size=1)
        for name, (_, role) in PEOPLE.items():
            await add_account(pool, f"{name}@example.com", ids[name], name, role, PASSWORD)
        await pool.close()

    asyncio.run(accounts())
    with TestClient(build_app(settings)) as http:
        tokens = {
            name: http.post("/api/login", json={"email": f"{name}@example.com", "password": PASSWORD}).json()["token"]
            for name in PEOPLE
        }
        yield http, tokens


def addresses(http: TestClient, token: str, query: str = "?filter=team") -> list[str]:
    answer = http.get(f"/api/conversations{query}", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return [c["address"] for c in answer.json()["conversations"]]


def test_the_team_filter_keeps_the_conversations_of_ones_teams_among_those_one_may_see(
    gateway: tuple[TestClient, dict[str, str]],
) -> None:
    http, tokens = gateway
    assert addresses(http, tokens["head"], "") == ["webchat:v2", "webchat:v1"]
    assert addresses(http, tokens["head"]) == ["webchat:v1"]  # Anna's, not Dora's of another team
    assert addresses(http, tokens["anna"]) == ["webchat:v1"]
    assert addresses(http, tokens["dora"]) == ["webchat:v2"]
    assert addresses(http, tokens["bob"]) == []  # his team's, but not his to see: a manager sees only his own
    refused = http.get("/api/conversations?filter=theirs", headers={"Authorization": f"Bearer {tokens['anna']}"})
    assert refused.status_code == 400
    assert "'filter'" in refused.json()["error"]


def listed(http: TestClient, token: str, query: str) -> dict[str, Any]:
    answer = http.get(f"/api/conversations?{query}", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_every_filter_and_search_pages_with_its_cursor_and_counts_only_what_the_role_may_see(
    gateway: tuple[TestClient, dict[str, str]],
) -> None:
    http, tokens = gateway
    first = listed(http, tokens["head"], "filter=all&limit=1")
    assert [c["address"] for c in first["conversations"]] == ["webchat:v2"]
    assert first["counts"] == {"all": 2, "mine": 0, "team": 1, "unassigned": 0, "offered": 0, "closed": 0}
    second = listed(http, tokens["head"], f"filter=all&limit=1&cursor={first['next_cursor']}")
    assert ([c["address"] for c in second["conversations"]], second["next_cursor"], second["counts"]) == (
        ["webchat:v1"],
        None,
        None,  # counted with the first page only
    )
    found = listed(http, tokens["head"], "q=HELLO+v1&channel=webchat")
    assert [c["address"] for c in found["conversations"]] == ["webchat:v1"]
    assert found["counts"]["all"] == 1
    assert listed(http, tokens["head"], "channel=email")["counts"]["all"] == 0
    # A manager's counts and pages hold only their own, whatever the filter asks.
    assert listed(http, tokens["bob"], "filter=all")["counts"] == dict.fromkeys(found["counts"], 0)
    mine = listed(http, tokens["anna"], "filter=mine")
    assert [c["address"] for c in mine["conversations"]] == ["webchat:v1"]
    assert mine["counts"]["all"] == 1
    for bad in ("channel=fax", "q=" + "x" * 201, "q=a%00b", "filter=theirs", "limit=0"):
        refused = http.get(f"/api/conversations?{bad}", headers={"Authorization": f"Bearer {tokens['anna']}"})
        assert refused.status_code == 400, bad
