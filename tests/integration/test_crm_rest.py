"""The CRM's REST routes: each one's answer, and each refusal with its status and the field it names."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from application.event_store import EventStore
from application.reply import reply
from application.work_day import change_work_day
from domain.conversation import Conversation
from domain.inbound import InboundMessage
from services.settings import Settings
from tests.integration.crm_world import World, received_in_north, world
from tests.router_reactions import routed

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

STAGES = [
    {"name": "Call", "kind": "in_progress", "probability": 10},
    {"name": "Paid", "kind": "won", "probability": 100},
    {"name": "Gone", "kind": "lost", "probability": 0},
]


@pytest.fixture
def crm(store: EventStore, settings: Settings) -> Iterator[World]:
    with world(store, settings) as w:
        yield w


def refused(response: object, status: int, field: str | None = None) -> dict[str, object]:
    assert hasattr(response, "status_code")
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    if status == 400:
        assert body["field"] == field, body
    return body


def test_pipelines_are_seen_by_everyone_and_changed_by_directors(crm: World) -> None:
    assert crm.http.get("/api/pipelines").status_code == 401
    refused(crm.post("anna", "/api/pipelines", {"name": "Rentals", "stages": STAGES}), 403)
    refused(crm.post("dora", "/api/pipelines", {"name": "Rentals", "stages": "Call"}), 400, "stages")
    wrong_kind = [*STAGES[:2], {"name": "Gone", "kind": "vanished", "probability": 0}]
    refused(crm.post("dora", "/api/pipelines", {"name": "Rentals", "stages": wrong_kind}), 400, "stages[2].kind")
    created = crm.post("dora", "/api/pipelines", {"name": "Rentals", "stages": STAGES})
    assert created.status_code == 201, created.text
    url = f"/api/pipelines/{created.json()['id']}"

    demo = crm.post("adam", f"{url}/stages", {"name": "Demo", "kind": "in_progress", "probability": 40, "position": 1})
    assert demo.status_code == 201, demo.text
    refused(
        crm.post("adam", f"{url}/stages", {"name": "Far", "kind": "in_progress", "probability": 101}),
        400,
        "probability",
    )
    refused(crm.post("adam", f"/api/pipelines/{uuid4()}/stages", {"name": "X", "kind": "won", "probability": 1}), 404)
    refused(crm.post("adam", "/api/pipelines/not-an-id/stages", {}), 400, "pipeline_id")
    stage_url = f"{url}/stages/{demo.json()['stage_id']}"
    renamed = crm.send("PATCH", "dora", stage_url, {"name": "Live demo", "probability": 45, "expected_version": 2})
    assert (renamed.status_code, renamed.json()["version"]) == (200, 4)
    stale = refused(crm.send("PATCH", "dora", stage_url, {"name": "Old demo", "expected_version": 2}), 409)
    assert stale["current_version"] == 4
    refused(crm.send("PATCH", "anna", stage_url, {"name": "Mine"}), 403)

    crm.projected()
    listed = crm.get("anna", "/api/pipelines")
    assert listed.status_code == 200, listed.text
    [pipeline] = listed.json()["pipelines"]
    assert [s["name"] for s in pipeline["stages"]] == ["Call", "Live demo", "Paid", "Gone"]
    order = [s["id"] for s in reversed(pipeline["stages"])]
    refused(crm.send("PUT", "dora", f"{url}/stages", {"order": order[1:]}), 400, "order")
    reordered = crm.send("PUT", "dora", f"{url}/stages", {"order": order, "expected_version": 4})
    assert (reordered.status_code, reordered.json()["version"]) == (200, 5)
    crm.projected()
    assert [s["id"] for s in crm.get("boris", url).json()["stages"]] == order
    refused(crm.get("boris", f"/api/pipelines/{uuid4()}"), 404)


def test_products_are_listed_a_page_at_a_time_and_priced_in_decimal_text(crm: World) -> None:
    refused(crm.post("anna", "/api/products", {"name": "Tyre", "price": "10", "currency": "EUR"}), 403)
    refused(crm.post("dora", "/api/products", {"name": "Tyre", "price": 10.5, "currency": "EUR"}), 400, "price")
    refused(crm.post("dora", "/api/products", {"name": "Tyre", "price": "10", "currency": "EURO"}), 400, "currency")
    refused(crm.post("dora", "/api/products", {"name": "\x00", "price": "10", "currency": "EUR"}), 400, "name")
    ids = []
    for name in ("Chains", "Rims", "Tyre"):
        created = crm.post(
            "dora", "/api/products", {"name": name, "price": "19.90", "currency": "EUR", "sku": name[:2]}
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    changed = crm.send(
        "PATCH", "dora", f"/api/products/{ids[1]}", {"price": "21", "active": False, "expected_version": 1}
    )
    assert (changed.status_code, changed.json()["version"]) == (200, 3)
    refused(crm.send("PATCH", "dora", f"/api/products/{ids[1]}", {"price": "22", "expected_version": 1}), 409)
    refused(crm.send("PATCH", "dora", f"/api/products/{ids[1]}", {"active": "no"}), 400, "active")
    refused(crm.send("PATCH", "dora", f"/api/products/{uuid4()}", {"price": "1"}), 404)
    crm.projected()

    first = crm.get("anna", "/api/products", limit=2).json()
    assert [p["name"] for p in first["products"]] == ["Chains", "Rims"]
    rest = crm.get("anna", "/api/products", limit=2, cursor=first["next_cursor"]).json()
    assert ([p["name"] for p in rest["products"]], rest["next_cursor"]) == (["Tyre"], None)
    assert [p["name"] for p in crm.get("anna", "/api/products", active="true").json()["products"]] == ["Chains", "Tyre"]
    rims = crm.get("anna", f"/api/products/{ids[1]}").json()
    assert (rims["price"], rims["active"], rims["version"]) == ("21.00", False, 3)
    refused(crm.get("anna", "/api/products", limit=0), 400, "limit")
    refused(crm.get("anna", "/api/products", limit=201), 400, "limit")
    refused(crm.get("anna", "/api/products", cursor="bm90IG1pbmU"), 400, "cursor")
    refused(crm.get("anna", "/api/products", active="maybe"), 400, "active")
    refused(crm.get("anna", f"/api/products/{uuid4()}"), 404)


def test_a_deal_is_opened_priced_moved_and_read_back(crm: World) -> None:
    anna, boris = str(crm.ids["anna"]), str(crm.ids["boris"])
    refused(crm.post("anna", "/api/deals", {"title": "Fleet", "currency": "EUR", "responsible_id": boris}), 403)
    refused(crm.post("anna", "/api/deals", {"title": "Fleet", "currency": "XYZ"}), 400, "currency")
    refused(crm.post("anna", "/api/deals", {"title": "", "currency": "EUR"}), 400, "title")
    refused(
        crm.post("anna", "/api/deals", {"title": "F", "currency": "EUR", "pipeline_id": str(uuid4())}),
        400,
        "pipeline_id",
    )
    refused(
        crm.post("anna", "/api/deals", {"title": "F", "currency": "EUR", "contact_id": str(uuid4())}), 400, "contact_id"
    )
    refused(
        crm.post("anna", "/api/deals", {"title": "F", "currency": "EUR", "observers": [anna, "x"]}), 400, "observers[1]"
    )
    opened = crm.post("anna", "/api/deals", {"title": "Fleet", "currency": "EUR", "expected_close": "2026-10-01"})
    assert opened.status_code == 201, opened.text
    assert opened.json()["version"] == 1
    url = f"/api/deals/{opened.json()['id']}"
    tyre = crm.post("dora", "/api/products", {"name": "Tyre", "price": "100", "currency": "EUR"}).json()["id"]

    line = crm.post("anna", f"{url}/lines", {"product_id": tyre, "quantity": "4", "discount_percent": "10"})
    assert (line.status_code, line.json()["version"]) == (201, 2)
    refused(crm.post("anna", f"{url}/lines", {"name": "Fitting"}), 400, "price")
    refused(crm.post("anna", f"{url}/lines", {"product_id": tyre, "quantity": "0"}), 400, "quantity")
    fitting = crm.post("anna", f"{url}/lines", {"name": "Fitting", "price": "15", "quantity": 4, "tax_percent": "21"})
    line_url = f"{url}/lines/{fitting.json()['line_id']}"
    changed = crm.send("PATCH", "anna", line_url, {"quantity": "2", "expected_version": 3})
    assert (changed.status_code, changed.json()["version"]) == (200, 4)
    assert refused(crm.send("DELETE", "anna", f"{line_url}?expected_version=3"), 409)["current_version"] == 4
    assert crm.send("DELETE", "anna", f"{line_url}?expected_version=4").json()["version"] == 5
    refused(crm.send("DELETE", "anna", line_url), 400, "line_id")
    refused(crm.send("PUT", "anna", f"{url}/amount", {}), 400, "amount")
    refused(crm.send("PUT", "anna", f"{url}/amount", {"amount": "-1"}), 400, "amount")
    assert crm.send("PUT", "anna", f"{url}/amount", {"amount": "400.5"}).json()["version"] == 6
    assert crm.send("PUT", "anna", f"{url}/amount", {"amount": None}).json()["version"] == 7
    details = {"title": "Fleet 2026", "probability": 30, "expected_close": None}
    assert crm.send("PATCH", "anna", url, details).json()["version"] == 10
    refused(crm.send("PATCH", "anna", url, {"probability": 130}), 400, "probability")
    refused(crm.send("PATCH", "anna", url, {"expected_close": "soon"}), 400, "expected_close")
    refused(crm.send("PATCH", "anna", url, {"title": "Again", "expected_version": 9}), 409)

    crm.projected()
    deal = crm.get("anna", url).json()
    stages = {s["name"]: s["id"] for s in crm.get("anna", f"/api/pipelines/{deal['pipeline_id']}").json()["stages"]}
    assert (deal["title"], deal["amount"], deal["stage_name"], deal["expected_close"]) == (
        "Fleet 2026",
        "360.00",
        "New",
        None,
    )
    assert [(x["name"], x["quantity"], x["total"]) for x in deal["lines"]] == [("Tyre", "4.000", "360.00")]
    refused(crm.post("anna", f"{url}/move", {"stage_id": stages["Lost"]}), 400, "reason")
    refused(crm.post("anna", f"{url}/move", {}), 400, "stage_id")
    refused(crm.post("anna", f"{url}/move", {"stage_id": str(uuid4())}), 400, "stage_id")
    moved = crm.post("anna", f"{url}/move", {"stage_id": stages["Lost"], "reason": "Too dear", "expected_version": 10})
    assert (moved.status_code, moved.json()["version"]) == (200, 11)
    late = crm.post("anna", f"{url}/move", {"stage_id": stages["Won"], "expected_version": 10})
    assert refused(late, 409)["current_version"] == 11
    assert crm.post("anna", f"{url}/observers", {"observer_id": boris}).json()["version"] == 12
    refused(crm.post("anna", f"{url}/observers", {"observer_id": str(uuid4())}), 400, "observer_id")
    assert crm.send("DELETE", "anna", f"{url}/observers/{boris}").json()["version"] == 13
    refused(crm.send("PUT", "anna", f"{url}/responsible", {"responsible_id": str(uuid4())}), 400, "responsible_id")
    assert crm.send("PUT", "anna", f"{url}/responsible", {"responsible_id": boris}).json()["version"] == 14
    # Handed to Boris, the deal is no longer Anna's to see: as if it did not exist.
    missing = refused(crm.get("anna", f"/api/deals/{uuid4()}"), 404)
    assert refused(crm.get("anna", url), 404) == missing
    assert refused(crm.post("anna", f"{url}/move", {"stage_id": stages["New"]}), 404) == missing

    crm.projected()
    deal = crm.get("boris", url).json()
    assert (deal["outcome"], deal["lost_reason"], deal["responsible_id"], deal["version"]) == (
        "lost",
        "Too dear",
        boris,
        14,
    )
    assert crm.get("boris", "/api/deals", responsible="me").json()["deals"][0]["id"] == deal["id"]
    assert crm.get("boris", "/api/deals", stage=stages["Won"]).json()["deals"] == []
    assert len(crm.get("dora", "/api/deals", pipeline=deal["pipeline_id"]).json()["deals"]) == 1
    assert crm.get("anna", "/api/deals").json() == {"deals": [], "next_cursor": None}
    refused(crm.get("dora", "/api/deals", stage="Won"), 400, "stage")


def test_activities_are_scheduled_moved_done_and_on_the_timeline(crm: World) -> None:
    boris = str(crm.ids["boris"])
    deal = crm.post("anna", "/api/deals", {"title": "Fleet", "currency": "EUR"}).json()["id"]
    hidden = crm.post("boris", "/api/deals", {"title": "Boris's", "currency": "EUR"}).json()["id"]
    due = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    task = {"kind": "task", "subject_kind": "deal", "subject_id": deal, "title": "Call back", "due_at": due}
    refused(crm.post("anna", "/api/activities", {**task, "kind": "visit"}), 400, "kind")
    refused(crm.post("anna", "/api/activities", {**task, "subject_kind": "ship"}), 400, "subject_kind")
    refused(crm.post("anna", "/api/activities", {**task, "due_at": "2026-01-01T10:00:00"}), 400, "due_at")
    # The first moment Python knows, in a zone east of UTC, is before the first it can put in UTC.
    refused(crm.post("anna", "/api/activities", {**task, "remind_at": "0001-01-01T00:00:00+14:00"}), 400, "remind_at")
    not_an_object = crm.http.post("/api/activities", content=b"[1]", headers=crm.auth("anna"))
    refused(not_an_object, 400, None)
    refused(crm.post("anna", "/api/activities", {**task, "responsible_id": boris}), 403)
    unseen = refused(crm.post("anna", "/api/activities", {**task, "subject_id": hidden}), 400, "subject_id")
    nowhere = refused(crm.post("anna", "/api/activities", {**task, "subject_id": str(uuid4())}), 400, "subject_id")
    assert unseen["error"] == str(nowhere["error"]).replace(str(nowhere["error"]).rsplit(" ", 1)[1], hidden)
    created = crm.post("anna", "/api/activities", {**task, "call_back": True})
    assert created.status_code == 201, created.text
    url = f"/api/activities/{created.json()['id']}"
    note = crm.post("anna", "/api/activities", {**task, "kind": "note", "due_at": None, "title": "Likes blue"})
    assert note.status_code == 201

    refused(crm.send("PUT", "anna", f"{url}/schedule", {"due_at": due}), 400, "remind_at")
    moved = crm.send("PUT", "anna", f"{url}/schedule", {"due_at": due, "remind_at": due, "expected_version": 1})
    assert (moved.status_code, moved.json()["version"]) == (200, 2)
    refused(crm.send("PUT", "anna", f"{url}/schedule", {"due_at": None, "remind_at": None, "expected_version": 1}), 409)
    refused(crm.send("PUT", "boris", f"{url}/schedule", {"due_at": None, "remind_at": None}), 404)
    done = crm.post("anna", f"{url}/complete", {"result": "Ordered 4 tyres"})
    assert (done.status_code, done.json()["version"]) == (200, 3)
    refused(crm.post("anna", f"{url}/complete", {"result": "Again"}), 400, "done")
    refused(crm.post("anna", f"/api/activities/{uuid4()}/complete", {}), 404)

    crm.projected()
    activity = crm.get("anna", url).json()
    assert (activity["done"], activity["result"], activity["call_back"], activity["version"]) == (
        True,
        "Ordered 4 tyres",
        True,
        3,
    )
    refused(crm.get("boris", url), 404)
    assert [a["title"] for a in crm.get("anna", "/api/activities", state="done").json()["activities"]] == ["Call back"]
    assert [a["title"] for a in crm.get("anna", "/api/activities").json()["activities"]] == ["Likes blue"]
    assert crm.get("anna", "/api/activities", state="overdue").json()["activities"] == []
    assert crm.get("boris", "/api/activities", state="all").json()["activities"] == []
    subject = crm.get("hanna", "/api/activities", state="all", subject_kind="deal", subject_id=deal).json()
    assert len(subject["activities"]) == 2
    refused(crm.get("anna", "/api/activities", state="later"), 400, "state")
    refused(crm.get("anna", "/api/activities", subject_kind="deal"), 400, "subject_id")

    timeline = crm.get("anna", f"/api/timeline/deal/{deal}", limit=3).json()
    kinds = [t["kind"] for t in timeline["timeline"]]
    assert kinds == ["Deal.Opened", "Activity.Scheduled", "Activity.Scheduled"]
    more = crm.get("anna", f"/api/timeline/deal/{deal}", cursor=timeline["next_cursor"]).json()
    assert [t["kind"] for t in more["timeline"]] == ["Activity.Rescheduled", "Activity.Completed"]
    assert more["timeline"][-1]["summary"]["result"] == "Ordered 4 tyres"
    refused(crm.get("boris", f"/api/timeline/deal/{deal}"), 404)
    refused(crm.get("anna", f"/api/timeline/ship/{deal}"), 400, "subject_kind")
    refused(crm.get("anna", f"/api/timeline/contact/{deal}"), 404)


def test_a_contacts_timeline_shows_their_messages_to_whoever_may_see_the_contact(crm: World) -> None:
    routed(crm.store, change_work_day, crm.ids["anna"], "start")
    message = InboundMessage.from_visitor("v1", "m1", "Do you fit winter tyres?", datetime.now(UTC))
    [received] = received_in_north(crm.settings, message)  # routing to Anna's team
    assert received.assigned_to == crm.ids["anna"]  # and so Anna answers for the customer now
    conversation = crm.store.load(received.conversation_id) if received.conversation_id else None
    assert isinstance(conversation, Conversation)
    contact = conversation.contact_id
    task = {"kind": "call", "subject_kind": "contact", "subject_id": str(contact), "title": "Call about tyres"}
    assert crm.post("anna", "/api/activities", task).status_code == 201
    refused(crm.post("boris", "/api/activities", task), 400, "subject_id")
    crm.projected()

    timeline = crm.get("anna", f"/api/timeline/contact/{contact}")
    assert timeline.status_code == 200, timeline.text
    entries = timeline.json()["timeline"]
    assert [e["kind"] for e in entries] == ["Conversation.CustomerWrote", "Activity.Scheduled"]
    assert (entries[0]["summary"]["author"], entries[0]["summary"]["text"]) == ("customer", "Do you fit winter tyres?")
    assert crm.get("hanna", f"/api/timeline/contact/{contact}").status_code == 200
    lead = crm.get("dora", f"/api/timeline/lead/{received.lead_id}").json()["timeline"]
    assert [e["kind"] for e in lead] == ["Conversation.CustomerWrote"]
    for outsider in ("boris", "sven"):
        refused(crm.get(outsider, f"/api/timeline/contact/{contact}"), 404)
        refused(crm.get(outsider, f"/api/timeline/lead/{received.lead_id}"), 404)

    # The messages read from the conversation and the entries stored for the contact, merged in order.
    reply(crm.store, conversation.id, crm.ids["anna"], "Yes, from Monday.", "r1", any_conversation=True)
    received_in_north(crm.settings, InboundMessage.from_visitor("v1", "m2", "Book me in", datetime.now(UTC)))
    crm.projected()
    whole = crm.get("anna", f"/api/timeline/contact/{contact}").json()["timeline"]
    assert [e["kind"] for e in whole] == [
        *("Conversation.CustomerWrote", "Activity.Scheduled"),
        *("Conversation.OperatorReplied", "Conversation.CustomerWrote"),
    ]
    assert whole[2]["summary"]["manager_id"] == str(crm.ids["anna"])
    paged, cursor = [], None
    while True:
        page = crm.get("anna", f"/api/timeline/contact/{contact}", limit=1, **({"cursor": cursor} if cursor else {}))
        paged += page.json()["timeline"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert paged == whole
