"""Telephone lines through the real processes: ingest's webhooks, Kafka, the router, the event store.

Signed events arrive out of order and more than once and make one call; forged and stale ones are
refused and leave nothing; a new number becomes a contact with a routed phone lead; a missed call
becomes a call-back task whose reminder reaches the manager's console live, due when the line next
opens if it came outside its hours; calling the customer back closes the tasks.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time as clock
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer

from application.event_store import EventStore
from application.managers import register_manager
from application.work_day import change_work_day
from bench.waiting import until
from domain.activity import Activity
from domain.call import Call
from domain.call_lines import CallLine
from domain.contact import Contact
from domain.identities import call_activity_id, call_back_id, call_id
from domain.lead import Lead, LeadStatus
from domain.presence import WEEKDAYS, Shift, WorkingHours
from services.bootstrap import create_pool
from services.console.accounts import Role, add_account
from services.settings import CallLineShift, Settings
from services.topics import Topics
from tests.call_webhooks import (
    CUSTOMER,
    LINE,
    TWILIO_LINE,
    call_event,
    post_event,
    post_twilio,
    signed_headers,
    twilio_params,
    with_lines,
)
from tests.integration.console_frames import console, frames_until, session
from tests.services_running import RunningServices, services

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]

A = TypeVar("A")
WAIT = 60.0
PASSWORD = "anna-password-long"
ALL_FACTS = ("started", "answered", "ended", "recording")


def anna_at_work(store: EventStore) -> UUID:
    anna = register_manager(store, "Anna", "anna@example.com", 5, "sales")
    change_work_day(store, anna, "start")
    return anna


async def loaded(store: EventStore, aggregate_id: UUID, kind: type[A]) -> A | None:
    found = await asyncio.to_thread(store.load, aggregate_id)
    return found if isinstance(found, kind) else None


@contextlib.asynccontextmanager
async def webhooks(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"http://{settings.http_host}:{settings.webhooks_port}", timeout=30) as http:

        async def answering() -> bool:
            try:
                await http.get("/")
            except httpx.TransportError:
                return False
            return True

        await until(answering, WAIT, "ingest's webhook server to answer")
        yield http


def test_signed_events_in_any_order_and_repeated_make_one_call_and_forged_ones_nothing(
    store: EventStore, settings: Settings, tmp_path: Path
) -> None:
    anna = anna_at_work(store)
    configured = with_lines(settings)
    with services(configured, tmp_path / "logs", names=("ingest", "router")):
        asyncio.run(one_call_each(store, configured, anna))


async def one_call_each(store: EventStore, settings: Settings, anna: UUID) -> None:
    # Records no call event can be read from are set aside; the calls after them flow on.
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        topic = Topics.named(settings.topic_prefix).calls
        await producer.send_and_wait(topic, b"{not json", key=b"shop/c1")
        await producer.send_and_wait(topic, json.dumps({**call_event(), "caller": "12"}).encode(), key=b"shop/c1")
    finally:
        await producer.stop()
    async with webhooks(settings) as http:
        recording: dict[str, Any] = {"recording_url": "https://rec.shop.example/c1.mp3", "recording_duration": 170}
        scrambled = [
            call_event("ended", duration=192, disposition="completed"),
            call_event("recording", **recording),
            call_event("ended", duration=192, disposition="completed"),  # the provider's retry
            call_event("answered", extension="101"),
            call_event("started"),
            call_event("started"),
        ]
        forged = call_event("started", "c-forged")
        refusals = [
            await post_event(http, forged, sign=lambda body: signed_headers(body, secret="a guessed secret")),
            await post_event(http, forged, sign=lambda body: signed_headers(body, at=clock.time() - 600)),
            await post_event(http, forged, sign=lambda body: {}),
        ]
        assert [r.status_code for r in refusals] == [401, 401, 401], [r.text for r in refusals]
        # Each sent as a provider sends, signed when sent: a retry carries a signature of its own.
        signed_at = iter(range(len(scrambled), 0, -1))
        answers = [
            await post_event(http, event, sign=lambda body: signed_headers(body, at=clock.time() - next(signed_at)))
            for event in scrambled
        ]
        assert [a.status_code for a in answers] == [200] * len(scrambled), [a.text for a in answers]
        again = call_event("started")
        once = signed_headers(json.dumps(again).encode())
        replays = [await post_event(http, again, sign=lambda _body: once) for _ in range(2)]
        assert [r.status_code for r in replays] == [200, 409], [r.text for r in replays]
        for status in ("ringing", "in-progress", "completed"):
            answer = await post_twilio(http, twilio_params(status, "CA1", CallDuration="42"))
            assert answer.status_code == 200, answer.text
        done = {
            "RecordingStatus": "completed",
            "RecordingUrl": "https://api.twilio.com/r/RE1",
            "RecordingDuration": "40",
        }
        answer = await post_twilio(http, {"CallSid": "CA1", "AccountSid": "AC0001", **done})
        assert answer.status_code == 200, answer.text

    async def recorded(line: str, call: str) -> Activity | None:
        # Every kind of fact reported, so the activity is as the last of them left it.
        reported = await loaded(store, call_id(line, call), Call)
        if reported is None or len(reported.reported) < len(ALL_FACTS):
            return None
        return await loaded(store, call_activity_id(call_id(line, call)), Activity)

    ours = await until(lambda: recorded(LINE, "c1"), WAIT, "every fact of the call to be recorded")
    theirs = await until(lambda: recorded(TWILIO_LINE, "CA1"), WAIT, "every fact of Twilio's call to be recorded")
    assert ours.call_details is not None
    assert (ours.call_details.duration_seconds, ours.call_details.extension) == (192, "101")
    assert ours.call_details.recording_url == "https://rec.shop.example/c1.mp3"
    assert ours.result == "answered, 3 min 12 s, completed"
    assert theirs.call_details is not None
    assert (theirs.call_details.duration_seconds, theirs.call_details.recording_seconds) == (42, 40)
    # One customer, one contact: both lines' calls are on it, and its phone lead is routed by the rules.
    assert ours.subject_id == theirs.subject_id
    contact = await loaded(store, ours.subject_id, Contact)
    assert contact is not None
    assert [p.number for p in contact.phones] == [CUSTOMER]
    # Whichever line's call was placed first opened the new customer's lead; the other found them Anna's.
    calls = [await loaded(store, call_id(line, call), Call) for line, call in ((LINE, "c1"), (TWILIO_LINE, "CA1"))]
    placed = [c for c in calls if c is not None and c.lead_id is not None]
    assert len(placed) == 1
    assert all(c is not None and c.responsible_id == anna for c in calls)
    lead = await loaded(store, placed[0].lead_id, Lead)
    assert lead is not None
    assert (lead.channel, lead.source, lead.status, lead.manager_id) == (
        "phone",
        placed[0].line,
        LeadStatus.ASSIGNED,
        anna,
    )
    scheduled = [e for e in await asyncio.to_thread(store.history, ours.id) if type(e).__name__ == "Scheduled"]
    assert len(scheduled) == 1
    assert await loaded(store, call_id(LINE, "c-forged"), Call) is None
    conn = await asyncpg.connect(settings.database_url)
    try:
        set_aside = await conn.fetch("SELECT error_type FROM dead_letters WHERE consumer = 'calls' ORDER BY id")
    finally:
        await conn.close()
    assert [row["error_type"] for row in set_aside] == ["JSONDecodeError", "InvalidCallEvent"]


def test_a_missed_call_is_a_call_back_reminding_the_manager_live_and_calling_back_closes_it(
    store: EventStore, settings: Settings, tmp_path: Path
) -> None:
    anna = anna_at_work(store)

    async def account() -> None:
        pool = await create_pool(settings, size=1)
        try:
            await add_account(pool, "anna@example.com", anna, "Anna", Role.MANAGER, PASSWORD)
        finally:
            await pool.close()

    asyncio.run(account())
    # The shop line opens only one day of the week, two days from today: a call now is outside its hours.
    day = WEEKDAYS[(datetime.now(UTC).weekday() + 2) % 7]
    configured = with_lines(
        settings,
        timezone="Europe/Riga",
        hours=[CallLineShift.model_validate({"day": day, "from": "09:00", "to": "10:00"})],
    )
    with services(configured, tmp_path / "logs") as running:
        asyncio.run(called_back(store, configured, running, anna))


async def called_back(store: EventStore, settings: Settings, running: RunningServices, anna: UUID) -> None:
    await running.healthy()
    token = await session(settings, "anna@example.com", PASSWORD)
    anna_console = await console(settings, token)
    async with webhooks(settings) as http:
        # Twilio's line has no hours: the call-back is due at once, and its reminder reaches Anna now.
        answer = await post_twilio(http, twilio_params("no-answer", "CA7"))
        assert answer.status_code == 200, answer.text
        task_now = call_back_id(call_id(TWILIO_LINE, "CA7"))
        frames = await frames_until(anna_console, lambda f: f["type"] == "reminder", WAIT)
        told = frames[-1]["activity"]
        assert (told["id"], told["responsible_id"], told["call_back"]) == (str(task_now), str(anna), True)

        missed_at = datetime.now(UTC)
        answer = await post_event(http, call_event("missed", "c-night", at=missed_at.isoformat()))
        assert answer.status_code == 200, answer.text
        task_later = call_back_id(call_id(LINE, "c-night"))
        later = await until(lambda: loaded(store, task_later, Activity), WAIT, "the out-of-hours call-back task")
        weekday = WEEKDAYS.index(settings.call_lines[0].hours[0].day)
        hours = WorkingHours("Europe/Riga", (Shift(weekday, time(9), time(10)),))
        opening = CallLine(LINE, hours).next_opening(missed_at)
        assert opening - missed_at > timedelta(days=1)
        assert later.due_at == later.remind_at == opening
        assert not later.reminder_fired

        back = {"direction": "outgoing", "from": "101", "to": CUSTOMER}
        answer = await post_event(http, call_event("answered", "c-back", extension="101", **back))
        assert answer.status_code == 200, answer.text

    async def both_done() -> bool:
        tasks = [await loaded(store, t, Activity) for t in (task_now, task_later)]
        return all(t is not None and t.done for t in tasks)

    await until(both_done, WAIT, "calling back to complete both call-back tasks")
    await anna_console.close()

    # The console's read model shows the calls with what their lines reported.
    missed_call = str(call_activity_id(call_id(TWILIO_LINE, "CA7")))
    async with httpx.AsyncClient(base_url=settings.console_url, headers={"Authorization": f"Bearer {token}"}) as api:

        async def shown() -> dict[str, Any] | None:
            answer = await api.get("/api/activities", params={"state": "done", "responsible": "me"})
            assert answer.status_code == 200, answer.text
            found = [a for a in answer.json()["activities"] if a["id"] == missed_call and a["call"]]
            return found[0] if found else None

        activity = await until(shown, WAIT, "the missed call in the activities read model")
        # The new customer's phone lead is in Anna's inbox like any other lead.
        listed = await api.get("/api/conversations")
        assert listed.status_code == 200, listed.text
        phone = [c for c in listed.json()["conversations"] if c["channel"] == "phone"]
        assert [(c["lead_status"], c["manager_id"]) for c in phone] == [("assigned", str(anna))], phone
    assert activity["call"]["disposition"] == "no-answer"
    assert activity["result"] == "missed, no-answer"


def test_a_new_callers_call_outside_hours_waits_for_a_manager_then_is_theirs_due_at_the_opening(
    store: EventStore, settings: Settings, tmp_path: Path
) -> None:
    anna = register_manager(store, "Anna", "anna@example.com", 5, "sales")  # her work day not started
    day = WEEKDAYS[(datetime.now(UTC).weekday() + 3) % 7]
    shift = CallLineShift.model_validate({"day": day, "from": "09:00", "to": "10:00"})
    configured = with_lines(settings, timezone="Europe/Riga", hours=[shift])
    with services(configured, tmp_path / "logs", names=("ingest", "router")):
        asyncio.run(waited(store, configured, anna))


async def waited(store: EventStore, settings: Settings, anna: UUID) -> None:
    missed_at = datetime.now(UTC)
    async with webhooks(settings) as http:
        answer = await post_event(http, call_event("missed", "c-queued", at=missed_at.isoformat()))
        assert answer.status_code == 200, answer.text

    async def queued() -> Call | None:
        call = await loaded(store, call_id(LINE, "c-queued"), Call)
        return call if call is not None and call.lead_id is not None else None

    call = await until(queued, WAIT, "the call to be recorded with its lead")
    assert call.lead_id is not None
    lead = await loaded(store, call.lead_id, Lead)
    assert lead is not None
    assert lead.status is LeadStatus.QUEUED
    task_id = call_back_id(call.id)
    assert await loaded(store, task_id, Activity) is None

    await asyncio.to_thread(change_work_day, store, anna, "start")
    task = await until(lambda: loaded(store, task_id, Activity), WAIT, "the call-back once the lead is Anna's")
    hours = WorkingHours(
        "Europe/Riga", (Shift(WEEKDAYS.index(settings.call_lines[0].hours[0].day), time(9), time(10)),)
    )
    assert (task.responsible_id, task.due_at) == (anna, CallLine(LINE, hours).next_opening(missed_at))
    activity = await loaded(store, call_activity_id(call.id), Activity)
    assert activity is not None
    assert activity.done
