"""A widget opened again shows the visitor's own conversation, replies received while away included."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from domain.inbound import InboundMessage
from services.bootstrap import build_inbox
from services.console.app import build_app
from services.settings import Settings
from tests.projected import project

pytestmark = pytest.mark.integration


def test_a_visitor_sees_their_own_conversation_and_nobody_elses(settings: Settings) -> None:
    with TestClient(build_app(settings)) as http:
        mine = http.post("/api/widget/session", json={}).json()
        theirs = http.post("/api/widget/session", json={}).json()
        inbox = build_inbox(settings)
        manager = inbox.register_manager("anna", "anna@example.com", 5, settings.team)
        inbox.start_work_day(manager)
        now = datetime.now(tz=UTC)
        (received,) = inbox.receive(
            [InboundMessage.from_visitor(mine["visitor_id"], "m1", "<b>Is it in stock?</b>", now)]
        )
        assert received.conversation_id is not None
        inbox.reply(received.conversation_id, manager, "Yes, two left.", "r1")
        inbox.receive([InboundMessage.from_visitor(theirs["visitor_id"], "m1", "someone else", now)])
        asyncio.run(project(settings, inbox))
        inbox.close()

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
