"""Transfer a conversation: to a named colleague (the operator's act) or to a team (the router's to route).

A colleague takes the conversation at once, its history with it, and answers for its contact from
then on. Their work day must be started unless the transfer overrides that with a reason; their
capacity holds always, as it does for every assignment. A team gets the conversation from the router:
this records only that it was handed over, and the router routes it among the team
(``route_handed_lead``) when it sees the event.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.assigning import Assigning
from application.contact_lookup import contact_of
from application.conversation_access import held_conversation
from application.errors import UnknownManager
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.errors import DomainError
from domain.identities import team_id
from domain.lead import Lead
from domain.manager import CapacityReached, Manager
from domain.team import Team

MAX_OVERRIDE = 500


class TransferRefused(DomainError):
    """The conversation cannot go to that colleague or team now; the message says why and what to do."""


@dataclass(frozen=True)
class Transfer:
    """Where a conversation went, and who had it."""

    conversation_id: UUID
    lead_id: UUID
    previous_holder: UUID | None


def transfer_to_colleague(  # noqa: PLR0913 - who, what, to whom, and the override with its right
    store: EventStore,
    conversation_id: UUID,
    by: UUID,
    to: UUID,
    *,
    any_conversation: bool = False,
    override: str = "",
) -> Transfer:
    """Give the conversation's lead to ``to``; ``override`` (a reason) sends it to a colleague not at work."""

    def command(work: UnitOfWork, _: Assigning) -> Transfer:
        _conversation, lead = held_conversation(work, conversation_id, by, any_conversation=any_conversation)
        colleague = work.find(to, Manager)
        if colleague is None:
            raise UnknownManager(to)
        lead = _open_lead(lead, conversation_id)
        if not colleague.is_present and not override:
            msg = (
                f"{colleague.name}'s work day is {colleague.work_day}: transfer to someone at work,"
                " or give an 'override' reason"
            )
            raise TransferRefused(msg)
        _leave_queue(work, lead)
        holder = lead.transfer(to, by, override=override)
        try:
            colleague.take_lead(lead.id, store.clock())
        except CapacityReached as full:
            msg = f"{full}: their capacity holds for transfers too; ask a head to raise it, or pick someone else"
            raise TransferRefused(msg) from None
        if holder is not None and (previous := work.find(holder, Manager)):
            previous.release_lead(lead.id)
        # The colleague now answers for the customer, as one who accepts a lead does: the contact card is theirs.
        if (contact := contact_of(work, lead.contact_id)) is not None:
            contact.make_responsible(to, by)
        return Transfer(conversation_id, lead.id, holder)

    return store.transact(command)


def hand_to_team(
    store: EventStore, conversation_id: UUID, by: UUID, team: str, *, any_conversation: bool = False
) -> Transfer:
    """Hand the conversation's lead to ``team``; the router gives it to one of its members, or queues it there."""

    def command(work: UnitOfWork, _: Assigning) -> Transfer:
        _conversation, lead = held_conversation(work, conversation_id, by, any_conversation=any_conversation)
        if work.find(team_id(team), Team) is None:
            msg = f"there is no team {team!r}"
            raise TransferRefused(msg)
        lead = _open_lead(lead, conversation_id)
        _leave_queue(work, lead)
        holder = lead.hand_to_team(team, by)
        if holder is not None and (previous := work.find(holder, Manager)):
            previous.release_lead(lead.id)
        return Transfer(conversation_id, lead.id, holder)

    return store.transact(command)


def _open_lead(lead: Lead | None, conversation_id: UUID) -> Lead:
    if lead is None:
        msg = f"conversation {conversation_id} has no lead to transfer"
        raise TransferRefused(msg)
    return lead


def _leave_queue(work: UnitOfWork, lead: Lead) -> None:
    if lead.queue_name is not None and (queue := work.find(team_id(lead.queue_name), Team)):
        queue.dequeue(lead.id, "transferred by an operator")
