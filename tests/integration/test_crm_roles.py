"""Who sees and works which deals and activities, over REST: every role against every record.

Deals: A is Anna's, B Boris's (north); S is Sam's and O is Sam's too, observed by Boris (south).
A manager sees their own and what they observe; a head their department's (by whose the record is,
not by who observes it), and nothing of the other department; a director and an admin everything.
An activity is its responsible's, and seen by whoever may see the deal it is about.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from application.event_store import EventStore
from services.settings import Settings
from tests.integration.crm_world import PEOPLE, World, world

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

DEALS_SEEN = {
    "anna": {"A"},
    "boris": {"B", "O"},
    "hanna": {"A", "B"},
    "sven": {"S", "O"},
    "sam": {"S", "O"},
    "dora": {"A", "B", "S", "O"},
    "adam": {"A", "B", "S", "O"},
}
# One activity on each deal by its responsible, and X: on Anna's deal, Boris responsible (set by their head).
ACTIVITIES_SEEN = {
    "anna": {"A", "X"},
    "boris": {"B", "O", "X"},
    "hanna": {"A", "B", "X"},
    "sven": {"S", "O"},
    "sam": {"S", "O"},
    "dora": {"A", "B", "S", "O", "X"},
    "adam": {"A", "B", "S", "O", "X"},
}
FOLLOW_UPS_SEEN = {"anna": 4, "boris": 1, "hanna": 4, "sven": 2, "sam": 1, "dora": 4, "adam": 4}
# Who may schedule an activity on deal A for whom: a manager for themselves, a head for their department.
SCHEDULE_FOR = {
    ("anna", "anna"): 201,
    ("anna", "boris"): 403,
    ("hanna", "boris"): 201,
    ("hanna", "sam"): 403,
    ("dora", "sam"): 201,
    ("adam", "sven"): 201,
}


@pytest.fixture
def crm(store: EventStore, settings: Settings) -> Iterator[World]:
    with world(store, settings) as w:
        yield w


def opened(crm: World, who: str, title: str, **more: object) -> str:
    response = crm.post(who, "/api/deals", {"title": title, "currency": "EUR", **more})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def scheduled(crm: World, who: str, deal: str, **more: object) -> str:
    body = {"kind": "call", "subject_kind": "deal", "subject_id": deal, "title": f"Call on {deal}", **more}
    response = crm.post(who, "/api/activities", body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_every_role_sees_and_works_exactly_its_deals_and_activities(crm: World) -> None:
    deals = {
        "A": opened(crm, "anna", "A"),
        "B": opened(crm, "boris", "B"),
        "S": opened(crm, "sam", "S"),
        "O": opened(crm, "sam", "O", observers=[str(crm.ids["boris"])]),
    }
    owners = {"A": "anna", "B": "boris", "S": "sam", "O": "sam"}
    activities = {name: scheduled(crm, owners[name], deal) for name, deal in deals.items()}
    activities["X"] = scheduled(crm, "hanna", deals["A"], responsible_id=str(crm.ids["boris"]))
    for (who, responsible), status in SCHEDULE_FOR.items():
        body = {"kind": "task", "subject_kind": "deal", "subject_id": deals["A"], "title": "Follow up"}
        answer = crm.post(who, "/api/activities", {**body, "responsible_id": str(crm.ids[responsible])})
        assert answer.status_code == status, (who, responsible, answer.text)
    crm.projected()

    by_id = {deal: name for name, deal in deals.items()}
    activity_names = {activity: name for name, activity in activities.items()}
    due = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    for who in PEOPLE:
        listed = crm.get(who, "/api/deals").json()["deals"]
        assert {by_id[d["id"]] for d in listed} == DEALS_SEEN[who], who
        for name, deal in deals.items():
            expected = 200 if name in DEALS_SEEN[who] else 404
            assert crm.get(who, f"/api/deals/{deal}").status_code == expected, (who, name)
            assert crm.get(who, f"/api/timeline/deal/{deal}").status_code == expected, (who, name)
            edited = crm.send("PATCH", who, f"/api/deals/{deal}", {"title": name})  # the same title: nothing changes
            assert edited.status_code == expected, (who, name, edited.text)
        for name, activity in activities.items():
            expected = 200 if name in ACTIVITIES_SEEN[who] else 404
            assert crm.get(who, f"/api/activities/{activity}").status_code == expected, (who, name)
            moved = crm.send("PUT", who, f"/api/activities/{activity}/schedule", {"due_at": due, "remind_at": None})
            assert moved.status_code == expected, (who, name, moved.text)
    # Lists hold what each may see and nothing more; the follow-ups on deal A are seen through the deal
    # or by whom they were scheduled for, and their head (Sven sees the one for Sam).
    for who in PEOPLE:
        shown = crm.get(who, "/api/activities", state="all").json()["activities"]
        named = [activity_names.get(a["id"], "follow-up") for a in shown]
        assert set(named) - {"follow-up"} == ACTIVITIES_SEEN[who], who
        assert named.count("follow-up") == FOLLOW_UPS_SEEN[who], who
    # The one who is not allowed to see something gets the same answer as for what does not exist.
    missing = crm.get("sven", "/api/deals/00000000-0000-4000-8000-000000000000").json()
    assert crm.get("sven", f"/api/deals/{deals['A']}").json() == missing


def test_every_deal_and_activity_act_is_refused_alike_to_whoever_may_not_see_the_record(crm: World) -> None:
    deal = opened(crm, "anna", "A")
    activity = scheduled(crm, "anna", deal)
    line = crm.post("anna", f"/api/deals/{deal}/lines", {"name": "Fitting", "price": "15"}).json()["line_id"]
    boris, due = str(crm.ids["boris"]), (datetime.now(UTC) + timedelta(days=1)).isoformat()
    acts = [
        ("GET", f"/api/deals/{deal}", None),
        ("PATCH", f"/api/deals/{deal}", {"title": "Mine"}),
        ("POST", f"/api/deals/{deal}/lines", {"name": "Rims", "price": "1"}),
        ("PATCH", f"/api/deals/{deal}/lines/{line}", {"quantity": "2"}),
        ("DELETE", f"/api/deals/{deal}/lines/{line}", None),
        ("PUT", f"/api/deals/{deal}/amount", {"amount": "1"}),
        ("POST", f"/api/deals/{deal}/move", {"stage_id": boris, "reason": "x"}),  # refused before the stage is read
        ("POST", f"/api/deals/{deal}/observers", {"observer_id": boris}),
        ("DELETE", f"/api/deals/{deal}/observers/{crm.ids['anna']}", None),
        ("PUT", f"/api/deals/{deal}/responsible", {"responsible_id": boris}),
        ("GET", f"/api/timeline/deal/{deal}", None),
        ("GET", f"/api/activities/{activity}", None),
        ("PUT", f"/api/activities/{activity}/schedule", {"due_at": due, "remind_at": None}),
        ("POST", f"/api/activities/{activity}/complete", {"result": "Mine"}),
    ]
    for who in ("boris", "sven", "sam"):
        for method, url, body in acts:
            answer = crm.send(method, who, url, body)
            assert answer.status_code == 404, (who, method, url, answer.text)
            assert answer.json() in (
                {"error": "no deal among those you may see"},
                {"error": "no activity among those you may see"},
            ), (who, method, url)
    crm.projected()
    assert crm.get("hanna", f"/api/deals/{deal}").json()["version"] == 2  # opened, a line: nothing else
    assert crm.get("hanna", f"/api/activities/{activity}").json()["version"] == 1
