"""Recording calls on the in-memory event store: activities, leads, call-backs, repeats and any order."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from typing import TypeVar
from uuid import UUID

import pytest

from application.errors import NotWritten
from application.event_store import EventStore
from application.fire_reminder import due_reminders
from application.follow_up_waiting_calls import follow_up_waiting_calls, leads_with_waiting_calls
from application.managers import register_manager
from application.record_call import CallOutcome, record_call
from application.reply import reply
from application.work_day import change_work_day
from domain.activity import Activity, ActivityKind
from domain.call_event import CallDirection, CallEvent, CallEventKind
from domain.call_lines import CallLine
from domain.contact import Contact
from domain.identities import call_activity_id, call_back_id, call_id
from domain.lead import Lead, LeadStatus
from domain.presence import Shift, WorkingHours
from tests.router_reactions import routed

A = TypeVar("A")
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday, 12:00 in Riga
CUSTOMER = "+37120000000"
OUR_NUMBER = "+37167000000"
HOURS = WorkingHours("Europe/Riga", tuple(Shift(day, time(9), time(18)) for day in range(5)))


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock: Clock) -> EventStore:
    return EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, team="sales", clock=clock)


@pytest.fixture
def anna(store: EventStore) -> UUID:
    manager = register_manager(store, "Anna", "anna@example.com", 5, "sales")
    change_work_day(store, manager, "start")
    return manager


def fact(kind: CallEventKind, call: str = "c1", *, at: datetime = T0, **details: object) -> CallEvent:
    direction = details.pop("direction", CallDirection.INCOMING)
    assert isinstance(direction, CallDirection)
    ends = (CUSTOMER, OUR_NUMBER) if direction is CallDirection.INCOMING else ("101", CUSTOMER)
    return CallEvent("shop", call, kind, at, direction, *ends, **details)  # type: ignore[arg-type]


def loaded(store: EventStore, aggregate_id: UUID, kind: type[A]) -> A:
    found = store.load(aggregate_id)
    assert isinstance(found, kind)
    return found


def answered_call(call: str = "c1") -> list[CallEvent]:
    recording = CallEvent(
        "shop", call, CallEventKind.RECORDING, T0, recording_url="https://rec.example/c1.mp3", recording_seconds=170
    )
    return [
        fact(CallEventKind.STARTED, call),
        fact(CallEventKind.ANSWERED, call, extension="101"),
        fact(CallEventKind.ENDED, call, duration_seconds=192, disposition="completed"),
        recording,
    ]


def test_an_unknown_number_becomes_a_contact_and_a_routed_lead_and_the_call_an_activity(
    store: EventStore, anna: UUID
) -> None:
    results = [record_call(store, event, CallLine("shop")) for event in answered_call()]
    first = results[0]
    assert first.contact_id is not None
    assert first.lead_id is not None
    assert first.responsible_id == anna
    lead = loaded(store, first.lead_id, Lead)
    assert (lead.status, lead.manager_id, lead.channel, lead.source) == (LeadStatus.ASSIGNED, anna, "phone", "shop")
    contact = loaded(store, first.contact_id, Contact)
    assert [p.number for p in contact.phones] == [CUSTOMER]
    activity = loaded(store, call_activity_id(call_id("shop", "c1")), Activity)
    assert activity.kind is ActivityKind.CALL
    assert activity.subject_id == contact.id
    assert activity.done
    assert "3 min 12 s" in activity.result
    assert activity.call_details is not None
    assert activity.call_details.duration_seconds == 192
    assert activity.call_details.recording_url == "https://rec.example/c1.mp3"


def test_any_order_and_any_repeats_give_the_same_records(store: EventStore, anna: UUID) -> None:
    events = answered_call()
    histories = []
    for n, order in enumerate(itertools.permutations(events)):
        call = f"c{n}"
        renamed = [CallEvent(**{**e.__dict__, "call_id": call}) for e in order]
        for event in [*renamed, *renamed[:2]]:
            record_call(store, event, CallLine("shop"))
        activity = loaded(store, call_activity_id(call_id("shop", call)), Activity)
        histories.append((activity.done, activity.result, activity.call_details and activity.call_details.to_plain()))
        assert sum(1 for e in store.history(activity.id) if type(e).__name__ == "Scheduled") == 1
    assert len(set(map(str, histories))) == 1, histories
    assert histories[0][0] is True


def test_a_repeated_fact_changes_nothing(store: EventStore, anna: UUID) -> None:
    record_call(store, fact(CallEventKind.STARTED), CallLine("shop"))
    before = store.recorder.max_notification_id()
    again = record_call(store, fact(CallEventKind.STARTED), CallLine("shop"))
    assert again.outcome is CallOutcome.DUPLICATE
    assert store.recorder.max_notification_id() == before


def test_a_known_customer_goes_to_their_responsible_manager_without_a_new_lead(store: EventStore, anna: UUID) -> None:
    first = record_call(store, fact(CallEventKind.STARTED, "c1"), CallLine("shop"))
    boris = register_manager(store, "Boris", "boris@example.com", 5, "sales")
    change_work_day(store, boris, "start")
    second = record_call(store, fact(CallEventKind.STARTED, "c2"), CallLine("shop"))
    assert second.contact_id == first.contact_id
    assert second.responsible_id == anna
    assert second.lead_id is None


def test_a_missed_call_is_a_call_back_task_reminding_now_in_hours(store: EventStore, anna: UUID, clock: Clock) -> None:
    recorded = record_call(store, fact(CallEventKind.MISSED, disposition="no-answer"), CallLine("shop", HOURS))
    assert recorded.call_back_id == call_back_id(call_id("shop", "c1"))
    task = loaded(store, recorded.call_back_id, Activity)
    assert (task.kind, task.call_back, task.responsible_id) == (ActivityKind.TASK, True, anna)
    assert task.due_at == task.remind_at == T0
    assert recorded.call_back_id in due_reminders(store, 10)
    call = loaded(store, call_activity_id(call_id("shop", "c1")), Activity)
    assert call.done
    assert call.result.startswith("missed")


def test_a_call_missed_outside_hours_is_due_when_the_line_next_opens(store: EventStore, anna: UUID) -> None:
    saturday = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
    recorded = record_call(store, fact(CallEventKind.MISSED, at=saturday), CallLine("shop", HOURS))
    assert recorded.call_back_id is not None
    task = loaded(store, recorded.call_back_id, Activity)
    assert task.due_at == task.remind_at == datetime(2026, 3, 9, 7, 0, tzinfo=UTC)


def test_calling_back_and_being_answered_completes_the_task(store: EventStore, anna: UUID, clock: Clock) -> None:
    missed = record_call(store, fact(CallEventKind.MISSED), CallLine("shop"))
    assert missed.call_back_id is not None
    clock.now = T0 + timedelta(minutes=5)
    unanswered = fact(CallEventKind.ENDED, "c2", direction=CallDirection.OUTGOING, duration_seconds=0)
    assert record_call(store, unanswered, CallLine("shop")).call_backs_done == ()
    assert not loaded(store, missed.call_back_id, Activity).done
    line = CallLine("shop", extensions={"101": anna})
    answer = fact(CallEventKind.ANSWERED, "c3", direction=CallDirection.OUTGOING, extension="101")
    assert record_call(store, answer, line).call_backs_done == (missed.call_back_id,)
    task = loaded(store, missed.call_back_id, Activity)
    assert task.done
    assert "c3" in task.result


def test_nobody_at_work_leaves_the_lead_queued_and_the_fallback_manager_responsible(store: EventStore) -> None:
    olga = register_manager(store, "Olga", "olga@example.com", 5, "support")
    recorded = record_call(store, fact(CallEventKind.MISSED), CallLine("shop", fallback_manager_id=olga))
    assert recorded.lead_id is not None
    assert loaded(store, recorded.lead_id, Lead).status is LeadStatus.QUEUED
    assert recorded.responsible_id == olga
    assert recorded.call_back_id is not None


def test_the_holder_answering_at_their_extension_answers_the_phone_lead(store: EventStore, anna: UUID) -> None:
    line = CallLine("shop", extensions={"101": anna})
    started = record_call(store, fact(CallEventKind.STARTED), line)
    assert started.lead_id is not None
    assert not loaded(store, started.lead_id, Lead).answered
    record_call(store, fact(CallEventKind.ANSWERED, extension="102"), line)
    assert not loaded(store, started.lead_id, Lead).answered  # nobody we know picked up
    record_call(store, fact(CallEventKind.ANSWERED, "c2", extension="101"), line)
    assert loaded(store, started.lead_id, Lead).answered


def test_a_call_back_reported_before_the_missed_call_still_closes_its_task(store: EventStore, anna: UUID) -> None:
    back = fact(CallEventKind.ANSWERED, "c2", at=T0 + timedelta(minutes=5), direction=CallDirection.OUTGOING)
    record_call(store, back, CallLine("shop"))
    missed = record_call(store, fact(CallEventKind.MISSED, "c1"), CallLine("shop"))
    assert missed.call_back_id is not None
    assert loaded(store, missed.call_back_id, Activity).done
    later = record_call(store, fact(CallEventKind.MISSED, "c3", at=T0 + timedelta(minutes=10)), CallLine("shop"))
    assert later.call_back_id is not None
    assert not loaded(store, later.call_back_id, Activity).done  # missed after the call back: still to do


def test_a_new_callers_missed_call_waits_for_the_lead_to_be_held_then_is_its_managers(
    store: EventStore, clock: Clock
) -> None:
    saturday = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
    line = CallLine("shop", HOURS)
    recorded = record_call(store, fact(CallEventKind.MISSED, at=saturday), line)
    assert recorded.lead_id is not None
    assert recorded.call_back_id is None  # nobody to be responsible: no manager at work, no fallback
    assert follow_up_waiting_calls(store, recorded.lead_id, {"shop": line}) == []  # still nobody
    anna = register_manager(store, "Anna", "anna@example.com", 5, "sales")
    clock.now = datetime(2026, 3, 9, 7, 5, tzinfo=UTC)  # Monday, the line open
    routed(store, change_work_day, anna, "start")
    assert loaded(store, recorded.lead_id, Lead).manager_id == anna
    assert follow_up_waiting_calls(store, recorded.lead_id, {"shop": line}) == [recorded.call_id]
    task = loaded(store, call_back_id(recorded.call_id), Activity)
    assert (task.responsible_id, task.due_at) == (anna, datetime(2026, 3, 9, 7, 0, tzinfo=UTC))
    assert loaded(store, call_activity_id(recorded.call_id), Activity).done
    assert follow_up_waiting_calls(store, recorded.lead_id, {"shop": line}) == []  # followed up once


def test_only_leads_with_calls_still_waiting_are_followed_up(store: EventStore, clock: Clock) -> None:
    line = CallLine("shop", HOURS)
    lead = record_call(store, fact(CallEventKind.MISSED, at=datetime(2026, 3, 7, 10, 0, tzinfo=UTC)), line).lead_id
    assert lead is not None
    never = UUID(int=7)
    assert leads_with_waiting_calls(store, [never, lead]) == [lead]
    anna = register_manager(store, "Anna", "anna@example.com", 5, "sales")
    clock.now = datetime(2026, 3, 9, 7, 5, tzinfo=UTC)
    routed(store, change_work_day, anna, "start")
    assert follow_up_waiting_calls(store, lead, {"shop": line}) != []
    assert leads_with_waiting_calls(store, [never, lead]) == []  # its list is empty now
    assert leads_with_waiting_calls(store, []) == []


def test_a_known_customer_whose_manager_is_away_is_routed_like_any_lead(store: EventStore, anna: UUID) -> None:
    first = record_call(store, fact(CallEventKind.STARTED, "c1"), CallLine("shop"))
    assert first.responsible_id == anna
    boris = register_manager(store, "Boris", "boris@example.com", 5, "sales")
    change_work_day(store, boris, "start")
    change_work_day(store, anna, "end")
    other_line = CallEvent("hotline", "c2", CallEventKind.STARTED, T0, CallDirection.INCOMING, CUSTOMER, OUR_NUMBER)
    second = record_call(store, other_line, CallLine("hotline"))
    assert second.contact_id == first.contact_id
    assert second.lead_id is not None
    assert second.lead_id != first.lead_id
    assert (second.responsible_id, loaded(store, second.lead_id, Lead).source) == (boris, "hotline")


def test_a_phone_conversation_takes_no_written_reply(store: EventStore, anna: UUID) -> None:
    recorded = record_call(store, fact(CallEventKind.STARTED), CallLine("shop"))
    assert recorded.lead_id is not None
    lead = loaded(store, recorded.lead_id, Lead)
    with pytest.raises(NotWritten, match="call the customer back"):
        reply(store, lead.conversation_id, anna, "Hello?", "r1")
