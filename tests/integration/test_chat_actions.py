"""Operators' chat actions through every service, with two operators, a colleague, a director and a visitor.

A visitor introduces themselves and writes; the operator routing chose types, replies and writes a
hidden note; the other operator is refused every act on it; a colleague is invited and sees what was
said before they came; pins; a transfer to the other operator, then to a team (the router's to route);
close, the widget asked for a rating and the rating stored; typing both ways.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from application.managers import register_manager
from application.work_day import WorkDayAction, change_work_day
from bench.waiting import until
from services.bootstrap import build_event_store
from services.console.accounts import Role, add_account
from services.projections.rebuild import differences, rebuild
from services.projections.schema import LIVE_SCHEMA
from services.projections.tracking import load_position
from services.settings import Settings
from services.topics import Topics
from tests.integration.console_frames import Frame, console, frames_until, session
from tests.services_running import RunningServices, services

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

WAIT = 60.0
PASSWORD = secrets.token_urlsafe(12)
NOTE = "hidden: this customer paid late twice"
PEOPLE = {  # email: name, role, team, at work
    "anna@chat.test": ("Anna Petrova", Role.MANAGER, "sales", True),
    "boris@chat.test": ("Boris Ivanov", Role.MANAGER, "sales", True),
    "dora@chat.test": ("Dora Support", Role.MANAGER, "support", True),
    "clara@chat.test": ("Clara Novak", Role.DIRECTOR, "board", False),
}


def test_operators_chat_actions_reach_whom_they_may_and_never_the_customer(settings: Settings, tmp_path: Path) -> None:
    ids = asyncio.run(register(settings))
    with services(settings, tmp_path / "logs") as running:
        asyncio.run(chat_actions(settings, running, ids))


async def register(settings: Settings) -> dict[str, UUID]:
    store = await asyncio.to_thread(build_event_store, settings)
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    ids: dict[str, UUID] = {}
    try:
        for email, (name, role, team, working) in PEOPLE.items():
            ids[email] = await asyncio.to_thread(register_manager, store, name, email, 5, team)
            if working:
                await asyncio.to_thread(change_work_day, store, ids[email], WorkDayAction.START)
            await add_account(pool, email, ids[email], name, role, PASSWORD)
    finally:
        await pool.close()
        store.close()
    return ids


async def visitor(settings: Settings) -> tuple[ClientConnection, dict[str, str]]:
    async with httpx.AsyncClient(base_url=settings.console_url) as http:
        widget = (await http.post("/api/widget/session", json={})).json()
    socket = await connect(widget["websocket_url"], origin=Origin(settings.console_url))
    await socket.send(json.dumps({"type": "hello", "token": widget["token"]}))
    await frames_until(socket, lambda f: f["type"] == "welcome")
    return socket, widget


async def command(socket: ClientConnection, frame: Frame) -> Frame:
    """Send a command with a request id of its own, and read its answer."""
    request_id = secrets.token_hex(8)
    await socket.send(json.dumps({**frame, "request_id": request_id}))
    return (await frames_until(socket, lambda f: f.get("request_id") == request_id))[-1]


def of(kind: str, **fields: Any) -> Any:
    return lambda f: f["type"] == kind and all(f.get(k) == v for k, v in fields.items())


def conversation_frame(conversation_id: str, **fields: Any) -> Any:
    return lambda f: (
        f["type"] == "conversation"
        and f["conversation"]["id"] == conversation_id
        and all(f["conversation"].get(k) == v for k, v in fields.items())
    )


async def chat_actions(settings: Settings, running: RunningServices, ids: dict[str, UUID]) -> None:
    await running.healthy()
    consoles = {email: await console(settings, await session(settings, email, PASSWORD)) for email in PEOPLE}
    guest, widget = await visitor(settings)
    await guest.send(
        json.dumps({"type": "introduce", "name": "Eva Guest", "email": "Eva@Example.com", "consent": True})
    )
    await frames_until(guest, of("introduced"))
    await guest.send(json.dumps({"type": "message", "id": "m1", "text": "Do you deliver to Riga?"}))

    # Routing gives it to Anna or Boris; the other is "other" from here on.
    waits = {
        asyncio.ensure_future(frames_until(consoles[e], of("conversation"))): e
        for e in ("anna@chat.test", "boris@chat.test")
    }
    done, pending = await asyncio.wait(waits, timeout=WAIT, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)  # its socket is read again below
    first = done.pop()
    holder_email = waits[first]
    other_email = "boris@chat.test" if holder_email == "anna@chat.test" else "anna@chat.test"
    holder, other, dora, clara = (consoles[e] for e in (holder_email, other_email, "dora@chat.test", "clara@chat.test"))
    talk = first.result()[-1]["conversation"]
    cid = talk["id"]
    if talk["customer_name"] != "Eva Guest":  # a person, not webchat:…
        await frames_until(holder, conversation_frame(cid, customer_name="Eva Guest"))
    holder_name = PEOPLE[holder_email][0]

    # The other operator is refused every act on a conversation that is not theirs, over the socket and REST.
    for act in (
        {"type": "reply", "conversation_id": cid, "text": "mine now"},
        {"type": "note", "conversation_id": cid, "text": "sneaky"},
        {"type": "close", "conversation_id": cid},
        {"type": "transfer", "conversation_id": cid, "to_manager_id": str(ids[other_email])},
        {"type": "invite", "conversation_id": cid, "manager_id": str(ids[other_email])},
        {"type": "pin", "conversation_id": cid},
        {"type": "typing", "conversation_id": cid},
        {"type": "history", "conversation_id": cid},
    ):
        answer = await command(other, act)
        assert (answer["type"], answer["code"]) == ("error", "refused"), (act, answer)
    other_token = await session(settings, other_email, PASSWORD)
    async with httpx.AsyncClient(base_url=settings.console_url) as http:
        refused = await http.post(
            f"/api/conversations/{cid}/transfer",
            json={"to_manager_id": str(ids[other_email])},
            headers={"Authorization": f"Bearer {other_token}"},
        )
    assert refused.status_code == 404, refused.text
    holder_token = await session(settings, holder_email, PASSWORD)
    async with httpx.AsyncClient(base_url=settings.console_url) as http:
        overridden = await http.post(
            f"/api/conversations/{cid}/transfer",
            json={"to_manager_id": str(ids["clara@chat.test"]), "override": "Clara is off today, but still"},
            headers={"Authorization": f"Bearer {holder_token}"},
        )
    assert overridden.status_code == 403, overridden.text  # a manager does not override a colleague's absence

    # Typing, both ways: the visitor's reaches the holder's console and not the other's; the holder's the widget.
    await guest.send(json.dumps({"type": "typing"}))
    await frames_until(holder, of("typing", conversation_id=cid, who="visitor"))
    # Both consoles were told in one go, or not at all: what reaches the other before its next answer tells.
    await other.send(json.dumps({"type": "pins", "request_id": "barrier"}))
    before_barrier = await frames_until(other, lambda f: f.get("request_id") == "barrier")
    assert not [f for f in before_barrier if f["type"] == "typing"], before_barrier
    assert (await command(holder, {"type": "typing", "conversation_id": cid}))["sent"] is True
    await frames_until(guest, of("typing", operator=holder_name))
    # ...and the consoles of colleagues who may see the conversation, not of those who may not.
    typist = await frames_until(clara, of("typing", conversation_id=cid, who="colleague"))
    assert (typist[-1]["name"], typist[-1]["manager_id"]) == (holder_name, str(ids[holder_email]))
    await other.send(json.dumps({"type": "pins", "request_id": "barrier 2"}))
    before_barrier = await frames_until(other, lambda f: f.get("request_id") == "barrier 2")
    assert not [f for f in before_barrier if f["type"] == "typing"], before_barrier

    # Who a conversation may go to: every colleague by name, with their teams and whether at work.
    listed = await command(other, {"type": "colleagues"})
    assert {c["name"]: (c["teams"], c["work_day"]) for c in listed["colleagues"]} == {
        name: ([team], "started" if working else "not_started") for name, _, team, working in PEOPLE.values()
    }
    assert listed["teams"] == ["board", "sales", "support"]

    # A reply shows its operator's name; a hidden note reaches colleagues and never the visitor.
    await command(holder, {"type": "reply", "conversation_id": cid, "text": "Yes, in two days."})
    reply = await frames_until(guest, of("reply"))
    assert reply[-1]["operator"] == holder_name
    noted = await command(holder, {"type": "note", "conversation_id": cid, "text": NOTE})
    assert noted["type"] == "ack", noted
    await frames_until(holder, lambda f: f["type"] == "message" and f["message"]["author"] == "note")
    await command(holder, {"type": "reply", "conversation_id": cid, "text": "after the note"})
    seen_by_guest = await frames_until(guest, of("reply", text="after the note"))
    assert NOTE not in json.dumps(seen_by_guest)

    # The invited colleague sees everything said before they came, may reply, and leaves.
    invited = await command(
        holder, {"type": "invite", "conversation_id": cid, "manager_id": str(ids["dora@chat.test"])}
    )
    assert invited["type"] == "ack", invited
    await frames_until(dora, conversation_frame(cid))
    earlier = await command(dora, {"type": "history", "conversation_id": cid})
    assert [m["text"] for m in earlier["messages"]] == [
        "Do you deliver to Riga?",
        "Yes, in two days.",
        NOTE,
        "after the note",
    ]
    await command(dora, {"type": "reply", "conversation_id": cid, "text": "Dora here, I can help too."})
    assert (await frames_until(guest, of("reply", text="Dora here, I can help too.")))[-1]["operator"] == "Dora Support"
    assert (await command(dora, {"type": "leave", "conversation_id": cid}))["type"] == "ack"
    await frames_until(dora, of("conversation_removed", id=cid))

    # Pins are the holder's own.
    assert (await command(holder, {"type": "pin", "conversation_id": cid}))["pinned"] == [cid]
    assert (await command(clara, {"type": "pins"}))["pinned"] == []

    # Transfer to the other operator: theirs live, with its history; gone from the holder's list.
    moved = await command(holder, {"type": "transfer", "conversation_id": cid, "to_manager_id": str(ids[other_email])})
    assert moved["type"] == "ack", moved
    await frames_until(other, conversation_frame(cid, manager_id=str(ids[other_email])))
    await frames_until(holder, of("conversation_removed", id=cid))
    kept = await command(other, {"type": "history", "conversation_id": cid})
    assert kept["messages"][0]["text"] == "Do you deliver to Riga?"

    # Handed to a team: the router gives it to the team's member at work.
    handed = await command(other, {"type": "transfer", "conversation_id": cid, "team": "support"})
    assert handed["type"] == "ack", handed
    await frames_until(dora, conversation_frame(cid, manager_id=str(ids["dora@chat.test"])))

    # Closed: the widget is told and asks for a rating; the rating is stored on the conversation, once.
    assert (await command(dora, {"type": "close", "conversation_id": cid}))["type"] == "ack"
    await frames_until(guest, of("closed"))
    # The widget is told at once; its history says so once the read models have the close.
    await frames_until(clara, conversation_frame(cid, status="closed"))
    async with httpx.AsyncClient(base_url=settings.console_url) as http:
        history = (await http.post("/api/widget/history", json={"token": widget["token"]})).json()
        rated = await http.post("/api/widget/rating", json={"token": widget["token"], "rating": 5, "comment": "Fast!"})
        again = await http.post("/api/widget/rating", json={"token": widget["token"], "rating": 1})
        wrong = await http.post("/api/widget/rating", json={"token": widget["token"], "rating": 9})
    assert NOTE not in json.dumps(history)
    assert [m["text"] for m in history["messages"]] == [
        "Do you deliver to Riga?",
        "Yes, in two days.",
        "after the note",
        "Dora here, I can help too.",
    ]
    assert history["conversation"] == {"status": "closed", "ask_rating": True}
    assert rated.status_code == 200, rated.text
    assert wrong.status_code == 400, wrong.text
    await frames_until(clara, conversation_frame(cid, rating=5, rating_comment="Fast!"))
    assert again.status_code == 409, again.text

    # Reopened by whoever closed it: theirs again.
    assert (await command(dora, {"type": "reopen", "conversation_id": cid}))["holder"] == str(ids["dora@chat.test"])
    await frames_until(dora, conversation_frame(cid, status="open", manager_id=str(ids["dora@chat.test"])))

    # The note never went to the outbound topic, whence channels deliver.
    assert NOTE not in json.dumps(await outbound_records(settings, expected=3))
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=1)
    try:
        row = await pool.fetchrow(
            f"SELECT rating, rating_comment FROM {LIVE_SCHEMA}.conversations WHERE id = $1", UUID(cid)
        )
        assert row is not None
        assert (row["rating"], row["rating_comment"]) == (5, "Fast!")
        await rebuilt_equals_live(settings, pool)
    finally:
        await pool.close()
    for socket in (*consoles.values(), guest):
        await socket.close()


async def rebuilt_equals_live(settings: Settings, pool: asyncpg.Pool) -> None:
    """The read models built again from the log equal the live ones: notes, invitations, pins, ratings too."""
    last = await pool.fetchval("SELECT max(notification_id) FROM switchboard_events")

    async def caught_up() -> bool:
        return (await load_position(pool, LIVE_SCHEMA)).notification_id >= last

    await until(caught_up, WAIT, f"the projections to reach notification {last}", interval=0.2)
    await rebuild(pool)
    assert await differences(pool, LIVE_SCHEMA, "read_models_rebuild") == {}


async def outbound_records(settings: Settings, expected: int) -> list[Frame]:
    """Every record of the outbound topic, once ``expected`` replies are there."""
    consumer = AIOKafkaConsumer(
        Topics.named(settings.topic_prefix).outbound,
        bootstrap_servers=settings.kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[Frame] = []
    try:

        async def collected() -> bool:
            batches = await consumer.getmany(timeout_ms=200)
            found.extend(json.loads(r.value or b"") for records in batches.values() for r in records)
            return sum(1 for r in found if r.get("kind") == "reply") >= expected

        await until(collected, WAIT, f"{expected} replies on the outbound topic")
    finally:
        await consumer.stop()
    return found
