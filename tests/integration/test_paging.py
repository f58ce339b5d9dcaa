"""Every list the gateway gives is paged: at most ``limit`` rows, a cursor to the next page, 400 on bad values."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from starlette.testclient import TestClient

from application.managers import register_manager
from application.receive_messages import receive_messages
from application.work_day import change_work_day
from connectors.mail.watcher import Rejection
from domain.channels import Channel
from domain.identities import conversation_id, lead_id
from domain.inbound import InboundMessage
from services.bootstrap import build_event_store, create_pool
from services.console.accounts import Role, add_account
from services.console.app import build_app
from services.console.paging import MAX_PAGE
from services.ingest.mail_state import PostgresMailboxState
from services.projections.schema import LIVE_SCHEMA
from services.settings import Settings
from tests.projected import project
from tests.router_reactions import routed

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
VISITORS = 5
MESSAGES = 7  # the first visitor's
ACTIVITIES = 5
REJECTIONS = 5
BAD_LIMITS = ("0", "-1", str(MAX_PAGE + 1), "ten", "1.5", "", "1e2", "٣")
BAD_CURSORS = ("garbage", "e30", base64.urlsafe_b64encode(b'["x", 1, 2, 3, 4, 5]').decode(), "%00", "a" * 2000)


@pytest.fixture
def client(settings: Settings) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    store = build_event_store(settings)
    clara = register_manager(store, "clara", "clara@example.com", 0, settings.team)
    anna = register_manager(store, "anna", "anna@example.com", 50, settings.team)
    routed(store, change_work_day, anna, "start")
    for n in range(VISITORS):
        count = MESSAGES if n == 0 else 1
        at = T0 + timedelta(minutes=n)
        messages = [InboundMessage.from_visitor(f"v{n}", f"m{k}", f"text {k}", at) for k in range(count)]
        routed(store, receive_messages, messages)
    asyncio.run(project(settings, store))
    store.close()
    contact = uuid4()

    async def fill() -> None:
        pool = await create_pool(settings, size=1)
        await add_account(pool, "clara@example.com", clara, "clara", Role.DIRECTOR, "secret-password")
        await add_account(pool, "anna@example.com", anna, "anna", Role.MANAGER, "secret-password")
        state = PostgresMailboxState(pool)
        await state.create()
        await state.record_rejections("sales", [Rejection(7, uid, "too_deep", "nested") for uid in range(REJECTIONS)])
        for n in range(ACTIVITIES):
            await pool.execute(
                f"INSERT INTO {LIVE_SCHEMA}.activities (notification_id, contact_id, kind, message_id, subject, text,"
                " manager_id, attachments, at) VALUES ($1, $2, 'email', $3, $4, '', NULL, '[]', $5)",
                10_000 + n,
                contact,
                f"a{n}",
                f"subject {n}",
                T0 + timedelta(minutes=n % 2),  # ties in time, told apart by notification
            )
        await pool.close()

    asyncio.run(fill())
    with TestClient(build_app(settings)) as http:
        tokens = {
            name: http.post("/api/login", json={"email": f"{name}@example.com", "password": "secret-password"}).json()[
                "token"
            ]
            for name in ("clara", "anna")
        }
        yield http, {"tokens": tokens, "contact": contact, "settings": settings}


def auth(ids: dict[str, Any], who: str = "clara") -> dict[str, str]:
    return {"Authorization": f"Bearer {ids['tokens'][who]}"}


def pages(http: TestClient, url: str, key: str, headers: dict[str, str], limit: int) -> list[list[Any]]:
    found, cursor = [], None
    while True:
        params = {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
        answer = http.get(url, params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        found.append(body[key])
        cursor = body["next_cursor"]
        if cursor is None:
            return found
        assert len(found) <= 20


def test_conversations_come_in_pages_newest_first(client: tuple[TestClient, dict[str, Any]]) -> None:
    http, ids = client
    listed = pages(http, "/api/conversations", "conversations", auth(ids), 2)
    assert [len(p) for p in listed] == [2, 2, 1]
    flat = [c["address"] for p in listed for c in p]
    assert flat == [f"webchat:v{n}" for n in reversed(range(VISITORS))]
    whole = http.get("/api/conversations", headers=auth(ids)).json()
    assert ([c["address"] for c in whole["conversations"]], whole["next_cursor"]) == (flat, None)


def test_activities_and_rejections_come_in_pages(client: tuple[TestClient, dict[str, Any]]) -> None:
    http, ids = client
    activities = pages(http, f"/api/contacts/{ids['contact']}/activities", "activities", auth(ids), 2)
    assert [len(p) for p in activities] == [2, 2, 1]
    assert [a["subject"] for p in activities for a in p] == [
        "subject 0",
        "subject 2",
        "subject 4",
        "subject 1",
        "subject 3",
    ]
    rejections = pages(http, "/api/mail/rejections", "rejections", auth(ids), 3)
    assert [len(p) for p in rejections] == [3, 2]
    assert sorted(r["uid"] for p in rejections for r in p) == list(range(REJECTIONS))


def test_a_leads_routing_comes_in_pages(client: tuple[TestClient, dict[str, Any]]) -> None:
    http, ids = client
    lead = lead_id(conversation_id(Channel.WEBCHAT, "v0"))
    whole = http.get(f"/api/leads/{lead}/routing", headers=auth(ids)).json()["history"]
    paged = pages(http, f"/api/leads/{lead}/routing", "history", auth(ids), 1)
    assert [e for p in paged for e in p] == whole
    assert len(paged) == len(whole) >= 2


@pytest.mark.parametrize(
    "url",
    ["/api/conversations", "/api/mail/rejections", "/api/contacts/{contact}/activities", "/api/leads/{lead}/routing"],
)
def test_a_bad_limit_or_cursor_is_refused_naming_it(client: tuple[TestClient, dict[str, Any]], url: str) -> None:
    http, ids = client
    url = url.format(contact=ids["contact"], lead=lead_id(conversation_id(Channel.WEBCHAT, "v0")))
    for limit in BAD_LIMITS:
        answer = http.get(url, params={"limit": limit}, headers=auth(ids))
        assert (answer.status_code, answer.json()["error"]) == (
            400,
            f"'limit' must be a whole number from 1 to {MAX_PAGE}",
        )
    for cursor in BAD_CURSORS:
        answer = http.get(url, params={"cursor": cursor}, headers=auth(ids))
        assert answer.status_code == 400, cursor
        assert answer.json()["error"].startswith("'cursor' "), answer.text


def test_history_over_the_socket_comes_in_pages_latest_first(client: tuple[TestClient, dict[str, Any]]) -> None:
    http, ids = client
    conversation = str(conversation_id(Channel.WEBCHAT, "v0"))
    with http.websocket_connect("/ws/console", headers={"origin": ids["settings"].console_url}) as socket:
        socket.send_json({"type": "auth", "token": ids["tokens"]["anna"]})
        assert socket.receive_json()["type"] == "ready"
        texts: list[list[str]] = []
        cursor = None
        while True:
            socket.send_json({"type": "history", "conversation_id": conversation, "limit": 3, "cursor": cursor})
            frame = socket.receive_json()
            assert frame["type"] == "history", frame
            texts.append([m["text"] for m in frame["messages"]])
            cursor = frame["next_cursor"]
            if cursor is None:
                break
        assert texts == [["text 4", "text 5", "text 6"], ["text 1", "text 2", "text 3"], ["text 0"]]
        for key, bad in (("limit", 0), ("limit", MAX_PAGE + 1), ("limit", "3"), ("limit", True), ("cursor", "nope")):
            socket.send_json({"type": "history", "conversation_id": conversation, key: bad, "request_id": "r"})
            error = socket.receive_json()
            assert (error["type"], error["code"]) == ("error", "refused"), error
            assert error["detail"].startswith(f"'{key}' "), error
        socket.send_json({"type": "history", "conversation_id": conversation})
        assert len(socket.receive_json()["messages"]) == MESSAGES
