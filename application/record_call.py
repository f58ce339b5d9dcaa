"""Record what a telephone line reports of a call: an activity on the customer's contact, and what follows.

The first fact that names the customer's number places the call: the contact with that number (a
new one if nobody has it); a known customer's call goes to their responsible manager while at work,
any other customer's call is a lead in a phone conversation, routed by the rules like any other, and
an outgoing call is its maker's (by extension). The call is an activity on the contact,
done when the call is over, with its duration, how it ended and its recording. A customer's missed
call becomes a call-back task, due at once or, outside the line's hours, when it next opens, with a
reminder then; calling that number back (an outgoing call that is answered) completes the task.
Every fact is recorded once per call and kind, so repeats change nothing and order does not matter.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.assigning import Assigning
from application.call_follow_up import follow_up, registered_manager
from application.contact_lookup import contact_of
from application.event_store import EventStore
from application.touch_contacts import contact_for_touch
from application.unit_of_work import UnitOfWork
from domain.call import Call, CallsAwaitingManager
from domain.call_event import CallDirection, CallEvent
from domain.call_lines import CallLine
from domain.channels import Channel, ChannelAddress
from domain.conversation import Conversation
from domain.identities import conversation_id, lead_id
from domain.lead import Lead, LeadStatus
from domain.manager import Manager


class CallOutcome(enum.StrEnum):
    """What recording one fact did."""

    RECORDED = "recorded"
    DUPLICATE = "duplicate"  # a fact of this kind was recorded on this call before


@dataclass(frozen=True)
class RecordedCall:
    """The result of recording one fact, with the ids to log."""

    call_id: UUID
    outcome: CallOutcome
    contact_id: UUID | None = None
    lead_id: UUID | None = None
    responsible_id: UUID | None = None
    call_back_id: UUID | None = None
    call_backs_done: tuple[UUID, ...] = ()


def record_call(store: EventStore, fact: CallEvent, line: CallLine) -> RecordedCall:
    """Record one fact of a call on ``line``; a fact recorded before changes nothing."""
    at = store.clock()
    return store.transact(lambda work, assigning: _record(work, assigning, fact, line, at))


def _record(work: UnitOfWork, assigning: Assigning, fact: CallEvent, line: CallLine, at: datetime) -> RecordedCall:
    call = work.find(Call.create_id(fact.line, fact.call_id), Call)
    if call is None:
        call = Call(line=fact.line, reference=fact.call_id)
        work.add(call)
    if not call.report(fact):
        return RecordedCall(call.id, CallOutcome.DUPLICATE, call.contact_id, call.lead_id, call.responsible_id)
    if not call.customer:
        return RecordedCall(call.id, CallOutcome.RECORDED)  # a recording before anything named the customer
    if call.contact_id is None:
        _place(work, assigning, call, line)
    elif call.responsible_id is None:
        # Placed before anyone could take it: its lead has a manager since, or a fact named our employee.
        lead = work.find(call.lead_id, Lead) if call.lead_id is not None else None
        taker = lead.manager_id if lead is not None else _maker(work, call, line)
        if taker is not None:
            call.place(call.contact_id, call.lead_id, taker)
    if call.responsible_id is None and call.lead_id is not None:
        # Nobody can take the call until its lead has a manager: the router follows it up then.
        _waiting(work, call.lead_id).add(call.id)
    task, done = follow_up(work, call, line, at)
    return RecordedCall(
        call.id, CallOutcome.RECORDED, call.contact_id, call.lead_id, call.responsible_id, task, tuple(done)
    )


def _place(work: UnitOfWork, assigning: Assigning, call: Call, line: CallLine) -> None:
    """The call's contact; a customer's call goes to their responsible manager when present, else is a lead.

    The lead (the customer's phone conversation on this line) is routed by the rules like any other:
    to whoever is eligible, or to a queue, where the call waits with it for a manager.
    """
    address = ChannelAddress(Channel.PHONE, call.customer)
    contact = contact_of(work, contact_for_touch(work, address, "", None))
    assert contact is not None  # found or registered just now
    responsible = registered_manager(work, contact.responsible_manager_id)
    lead = None
    if call.direction is CallDirection.OUTGOING:
        responsible = _maker(work, call, line)  # who made the call, never whoever has the customer now
    elif not _present(work, responsible):
        lead = _phone_lead(work, assigning, call, contact.id)
        responsible = lead.manager_id
    call.place(contact.id, lead.id if lead else None, responsible or registered_manager(work, line.fallback_manager_id))


def _maker(work: UnitOfWork, call: Call, line: CallLine) -> UUID | None:
    """The employee who made an outgoing call, by our end or the extension the line reported; None if unknown."""
    if call.direction is not CallDirection.OUTGOING:
        return None
    found = (line.manager_at(end) for end in (call.our_end, call.extension) if end)
    return next((m for m in found if registered_manager(work, m) is not None), None)


def _present(work: UnitOfWork, manager_id: UUID | None) -> bool:
    manager = work.find(manager_id, Manager) if manager_id is not None else None
    return manager is not None and manager.is_present


def _phone_lead(work: UnitOfWork, assigning: Assigning, call: Call, contact_id: UUID) -> Lead:
    """The lead of the customer's calls on this line: opened, or reopened when closed, and routed."""
    thread = f"{call.line}/{call.customer}"
    arrived_at = call.started_at
    conversation = work.find(conversation_id(Channel.PHONE, thread), Conversation)
    if conversation is None:
        conversation = Conversation(
            channel=Channel.PHONE,
            thread=thread,
            address=str(ChannelAddress(Channel.PHONE, call.customer)),
            contact_id=contact_id,
        )
        work.add(conversation)
        work.add(
            Lead(
                conversation_id=conversation.id,
                contact_id=contact_id,
                channel=Channel.PHONE,
                source=call.line,
                arrived_at=arrived_at,
            )
        )
    lead = work.find(lead_id(conversation.id), Lead)
    assert lead is not None  # opened with the conversation
    lead.reopen(arrived_at)
    if lead.status is LeadStatus.NEW:
        assigning.route(lead, arrived_at)
    return lead


def _waiting(work: UnitOfWork, lead: UUID) -> CallsAwaitingManager:
    waiting = work.find(CallsAwaitingManager.create_id(lead), CallsAwaitingManager)
    if waiting is None:
        waiting = CallsAwaitingManager(lead_id=lead)
        work.add(waiting)
    return waiting
