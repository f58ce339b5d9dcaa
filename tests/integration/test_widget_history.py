"""A widget opened again shows the visitor's own conversation, replies received while away included."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from application.managers import register_manager
from application.receive_messages import receive_messages
from application.reply import reply
from application.work_day import change_work_day
from domain.inbound import InboundMessage
from services.bootstrap import build_event_store
from services.console.app import build_app
from services.settings import Settings
from tests.projected import project
from tests.router_reactions import routed

pytestmark = pytest.mark.integration


def test_a_visitor_sees_their_own_conversation_and_nobody_elses(settings: Settings) -> None:
    with TestClient(build_app(settings)) as http:
        mine = http.post("/api/widget/session", json={}).json()
        theirs = http.post("/api/widget/session", json={}).json()
        store = build_event_store(settings)
        manager = register_manager(store, "anna", "anna@example.com", 5, settings.team)
        routed(store, change_work_day, manager, "start")
        now = datetime.now(tz=UTC)
        (received,) = receive_messages(
            store, [InboundMessage.from_visitor(mine["visitor_id"], "m1", "<b>Is it in stock?</b>", now)]
        )
        assert received.conversation_id is not None
        reply(store, received.conversation_id, manager, "Yes, two left.", "r1")
        receive_messages(store, [InboundMessage.from_visitor(theirs["visitor_id"], "m1", "someone else", now)])
        asyncio.run(project(settings, store))
        store.close()

        history = http.post("/api/widget/history", json={"token": mine["token"]})
        assert history.status_code == 200
        assert [(m["author"], m["text"]) for m in history.json()["messages"]] == [
            ("customer", "<b>Is it in stock?</b>"),
            ("manager", "Yes, two left."),
        ]
        assert history.json()["messages"][0]["id"] == f"{mine['visitor_id']}/m1"
        assert "manager_id" not in history.json()["messages"][1]
        assert http.post("/api/widget/history", json={"token": mine["token"] + "x"}).status_code == 401
        assert http.post("/api/widget/history", json={}).status_code == 401
        other = http.post("/api/widget/history", json={"token": theirs["token"]}).json()["messages"]
        assert [m["text"] for m in other] == ["someone else"]
