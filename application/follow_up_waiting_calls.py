"""Follow up the calls that waited for their lead's manager: a new caller's lead was queued, now it is held.

The call was recorded when it came (on its contact and its lead) but nobody could be responsible for
it; once routing gives the lead to a manager, the call's activity and, for a missed call, the
call-back task (due when the line next opens after the call) are theirs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from uuid import UUID

from application.assigning import Assigning
from application.call_follow_up import follow_up
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.call import Call, CallsAwaitingManager
from domain.call_lines import CallLine
from domain.lead import Lead


def follow_up_waiting_calls(store: EventStore, lead_id: UUID, lines: Mapping[str, CallLine]) -> list[UUID]:
    """Give the lead's waiting calls to its manager; the calls followed up (none if it has no manager yet)."""
    at = store.clock()

    def command(work: UnitOfWork, _: Assigning) -> list[UUID]:
        lead = work.find(lead_id, Lead)
        waiting = work.find(CallsAwaitingManager.create_id(lead_id), CallsAwaitingManager)
        if lead is None or lead.manager_id is None or waiting is None:
            return []
        followed = []
        for call_id in waiting.take(lead.manager_id):
            call = work.find(call_id, Call)
            if call is None or call.contact_id is None:
                continue
            if call.responsible_id is None:
                call.place(call.contact_id, call.lead_id, lead.manager_id)
            follow_up(work, call, lines.get(call.line) or CallLine(call.line), at)
            followed.append(call_id)
        return followed

    return store.transact(command)


def leads_with_waiting_calls(store: EventStore, lead_ids: Sequence[UUID]) -> list[UUID]:
    """Those of the leads that have calls waiting for a manager, in their order, looked up in one query.

    Nearly every lead the router assigns has no call waiting; a unit of work per lead only to find
    that out cost two queries and a transaction per routed message.
    """
    lists = store.load_many({CallsAwaitingManager.create_id(lead) for lead in lead_ids})
    return [
        lead
        for lead in lead_ids
        if isinstance(found := lists.get(CallsAwaitingManager.create_id(lead)), CallsAwaitingManager) and found.waiting
    ]
