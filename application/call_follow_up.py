"""What follows once a call has its customer and a manager: its activity, the lead answered, call-backs.

Shared by recording a call's facts (``record_call``) and by following up the calls that waited for
their lead's manager (``follow_up_waiting_calls``), so both leave the same records.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from application.call_backs import close_call_backs, schedule_call_back
from application.unit_of_work import UnitOfWork
from domain.activity import Activity, ActivityKind, CallDetails, SubjectKind
from domain.call import Call
from domain.call_event import CallDirection
from domain.call_lines import CallLine
from domain.channels import Channel
from domain.identities import call_activity_id, conversation_id, lead_id
from domain.lead import Lead
from domain.manager import Manager


def follow_up(work: UnitOfWork, call: Call, line: CallLine, at: datetime) -> tuple[UUID | None, list[UUID]]:
    """The call's activity, details and completion, its lead answered, its call-back; (task, tasks done)."""
    answerer = registered_manager(work, line.manager_at(call.extension)) if call.extension else None
    # The call's own responsible manager, never whoever picked up: that fact may come first or last.
    activity = _call_activity(work, call, call.responsible_id, at)
    if activity is not None:
        activity.note_call(
            CallDetails(
                call.line,
                call.extension,
                call.duration_seconds,
                call.disposition,
                call.recording_url,
                call.recording_seconds,
            )
        )
        if call.over and not activity.done:
            activity.complete(call.result(), by=activity.responsible_id, at=at)
    if answerer is not None and call.answered:
        _lead_answered(work, call, answerer, at)
    task = schedule_call_back(work, call, line, at) if call.missed else None
    done = close_call_backs(work, call, answerer or call.responsible_id, at)
    return task, done


def _lead_answered(work: UnitOfWork, call: Call, answerer: UUID, at: datetime) -> None:
    """The customer's phone lead is answered when the manager holding it talked to them on the line."""
    lead = work.find(lead_id(conversation_id(Channel.PHONE, f"{call.line}/{call.customer}")), Lead)
    if lead is not None:
        lead.mark_answered(answerer, at)


def _call_activity(work: UnitOfWork, call: Call, responsible: UUID | None, at: datetime) -> Activity | None:
    """The call's activity on the contact: scheduled once, in its responsible manager's name."""
    activity = work.find(call_activity_id(call.id), Activity)
    if activity is not None or responsible is None or call.contact_id is None:
        return activity
    incoming = call.direction is CallDirection.INCOMING
    title = f"{'Call from' if incoming else 'Call to'} {call.customer} on line {call.line}"
    activity = Activity.schedule(
        call_activity_id(call.id),
        ActivityKind.CALL,
        SubjectKind.CONTACT,
        call.contact_id,
        title,
        by=responsible,
        at=at,
        due_at=call.started_at,
    )
    work.add(activity)
    return activity


def registered_manager(work: UnitOfWork, manager_id: UUID | None) -> UUID | None:
    """``manager_id`` if it names a registered manager."""
    return manager_id if manager_id is not None and work.find(manager_id, Manager) is not None else None
