"""A missed call's call-back task, and calling the customer back, which completes it.

Part of recording a call (``record_call``): the task is due at once when the line is open and at its
next opening otherwise, reminding its manager then; the number's open tasks are listed on
``CallBacks``, so an answered call to that number completes each of them. Calls are recorded in
whatever order they reach the router, so a call back reported before the missed call it answers
completes that call's task as it is made.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from application.unit_of_work import UnitOfWork
from domain.activity import Activity, ActivityKind, SubjectKind
from domain.call import Call, CallBacks
from domain.call_event import CallDirection
from domain.call_lines import CallLine
from domain.identities import call_back_id, call_backs_id


def schedule_call_back(work: UnitOfWork, call: Call, line: CallLine, at: datetime) -> UUID | None:
    """The task to call the customer back, due now or when the line next opens, reminding then."""
    task_id = call_back_id(call.id)
    if work.get(task_id) is not None or call.responsible_id is None or call.contact_id is None:
        return None
    due = line.next_opening(call.started_at or at)
    task = Activity.schedule(
        task_id,
        ActivityKind.TASK,
        SubjectKind.CONTACT,
        call.contact_id,
        f"Call back {call.customer} (missed call on line {call.line})",
        by=call.responsible_id,
        at=at,
        due_at=due,
        remind_at=due,
        call_back=True,
    )
    work.add(task)
    backs = _call_backs(work, call.customer)
    if call.started_at is not None and backs.answered_since(call.started_at):
        # The call back was reported before the call it answers: the task is done as it is made.
        task.complete(f"called back on {backs.called_back_at:%Y-%m-%d %H:%M} UTC", call.responsible_id, at)
    else:
        backs.add(task_id, call.started_at or at)
    return task_id


def close_call_backs(work: UnitOfWork, call: Call, by: UUID | None, at: datetime) -> list[UUID]:
    """An answered call to the customer completes the call-back tasks open for their number."""
    if call.direction is not CallDirection.OUTGOING or not call.answered:
        return []
    backs = _call_backs(work, call.customer)
    done = []
    for task_id in backs.called_back(call.id, call.started_at or at):
        task = work.find(task_id, Activity)
        if task is not None and not task.done:
            task.complete(f"called back: call {call.reference} on line {call.line}", by or task.responsible_id, at)
            done.append(task_id)
    return done


def _call_backs(work: UnitOfWork, number: str) -> CallBacks:
    backs = work.find(call_backs_id(number), CallBacks)
    if backs is None:
        backs = CallBacks(number=number)
        work.add(backs)
    return backs
