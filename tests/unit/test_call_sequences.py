"""Calls' facts in any order, any number of times: hypothesis drives them through the use case and the
records come out the same as when each fact arrives once, in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from application.event_store import EventStore
from application.managers import register_manager
from application.record_call import record_call
from application.work_day import change_work_day
from domain.activity import Activity
from domain.call_event import CallDirection, CallEvent, CallEventKind
from domain.call_lines import CallLine
from domain.identities import call_activity_id, call_back_id, call_id, manager_id

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
NUMBERS = ("+37120000000", "+37120000001")
OURS = "+37167000000"
# Anna answers at extension 101, and makes our calls from it.
LINE = CallLine("shop", extensions={"101": manager_id("anna@example.com")})


def script(call: str, number: str, shape: str, at: datetime) -> list[CallEvent]:
    """Every fact of one consistent call: answered, missed, or our call back that was answered."""
    incoming = shape != "call back"
    direction = CallDirection.INCOMING if incoming else CallDirection.OUTGOING
    ends = (number, OURS) if incoming else ("101", number)

    def fact(kind: CallEventKind, **details: Any) -> CallEvent:
        return CallEvent("shop", call, kind, at, direction, *ends, **details)

    facts = [fact(CallEventKind.STARTED)]
    if shape == "missed":
        facts.append(fact(CallEventKind.MISSED, disposition="no-answer"))
    else:
        facts += [
            fact(CallEventKind.ANSWERED, extension="101"),
            fact(CallEventKind.ENDED, duration_seconds=61, disposition="completed"),
        ]
    recording = CallEvent("shop", call, CallEventKind.RECORDING, at, recording_url=f"https://rec.example/{call}")
    return [*facts, recording]


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[CallEvent], list[CallEvent]]:
    """The facts of a few calls once each in order, and the same facts shuffled, some more than once."""
    calls = draw(
        st.lists(
            st.tuples(st.sampled_from(NUMBERS), st.sampled_from(["answered", "missed", "call back"])),
            min_size=1,
            max_size=4,
        )
    )
    once = []
    for n, (number, shape) in enumerate(calls):
        facts = script(f"c{n}", number, shape, T0 + timedelta(minutes=n))
        once += draw(st.lists(st.sampled_from(facts), min_size=1, max_size=len(facts), unique=True))
    shuffled = draw(st.permutations(once + draw(st.lists(st.sampled_from(once), max_size=4))))
    return once, shuffled


def outcome(facts: list[CallEvent]) -> dict[str, Any]:
    store = EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, team="sales", clock=lambda: T0)
    anna = register_manager(store, "Anna", "anna@example.com", 5, "sales")
    change_work_day(store, anna, "start")
    for fact in facts:
        record_call(store, fact, LINE)
    seen: dict[str, Any] = {}
    for call in sorted({f.call_id for f in facts}):
        activity, task = (store.load(make(call_id("shop", call))) for make in (call_activity_id, call_back_id))
        seen[call] = (
            (activity.done, activity.responsible_id, activity.call_details) if isinstance(activity, Activity) else None,
            (task.done, task.responsible_id, task.due_at) if isinstance(task, Activity) else None,
        )
    return seen


@settings(max_examples=40, deadline=None)
@given(histories())
def test_any_order_and_any_repeats_leave_the_same_records(history: tuple[list[CallEvent], list[CallEvent]]) -> None:
    once, shuffled = history
    assert outcome(shuffled) == outcome(once)
