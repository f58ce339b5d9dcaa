"""Receiving a batch of inbound messages: contact, conversation, lead, assignment."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.contact import AddressBookEntry, Contact
from domain.conversation import Conversation, MessageReceipt
from domain.identities import (
    address_book_entry_id,
    conversation_id,
    lead_id,
    message_receipt_id,
)
from domain.inbound import InboundMessage
from domain.lead import Lead
from domain.manager import Manager
from domain.routing import Candidate, route_evenly
from domain.team import Team

Loader = Callable[[UUID], Aggregate | None]


class Outcome(enum.StrEnum):
    """What receiving did with one message."""

    STORED = "stored"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class ReceivedMessage:
    """The result of receiving one inbound message, with the ids to log."""

    channel_message_id: str
    outcome: Outcome
    conversation_id: UUID
    lead_id: UUID
    assigned_to: UUID | None


class Receiving:
    """One unit of work: every aggregate a batch touches, loaded once, saved together."""

    def __init__(self, load: Loader, team: UUID, clock: Callable[[], datetime]) -> None:
        self._load = load
        self._team = team
        self._clock = clock
        self._last_routed_at: datetime | None = None
        self._touched: dict[UUID, Aggregate | None] = {}

    def changed(self) -> Iterator[Aggregate]:
        """Every aggregate this batch touched (those without new events add nothing)."""
        return (a for a in self._touched.values() if a is not None)

    def receive(self, message: InboundMessage) -> ReceivedMessage:
        """Apply one message to the batch's aggregates."""
        conv_id = conversation_id(message.channel, message.thread)
        receipt_id = message_receipt_id(message.channel, message.channel_message_id)
        if self._get(receipt_id) is not None:
            lead = self._get(lead_id(conv_id))
            return ReceivedMessage(
                message.channel_message_id,
                Outcome.DUPLICATE,
                conv_id,
                lead_id(conv_id),
                lead.manager_id if isinstance(lead, Lead) else None,
            )
        conversation = self._get(conv_id)
        if not isinstance(conversation, Conversation):
            conversation = self._open(message)
        conversation.record_customer_message(
            message.channel_message_id, message.text, message.received_at, message.sender_name
        )
        self._add(MessageReceipt(message.channel, message.channel_message_id, conv_id))
        lead = self._get(lead_id(conv_id))
        assert isinstance(lead, Lead)
        if lead.manager_id is None:
            self._route(lead)
        return ReceivedMessage(message.channel_message_id, Outcome.STORED, conv_id, lead.id, lead.manager_id)

    def _open(self, message: InboundMessage) -> Conversation:
        address = str(message.sender)
        entry = self._get(address_book_entry_id(address))
        if isinstance(entry, AddressBookEntry):
            contact_id = entry.contact_id
        else:
            contact = Contact(name=message.sender_name or address, address=address)
            self._add(contact)
            self._add(AddressBookEntry(address=address, contact_id=contact.id))
            contact_id = contact.id
        conversation = Conversation(
            channel=message.channel, thread=message.thread, address=address, contact_id=contact_id
        )
        self._add(conversation)
        self._add(
            Lead(
                conversation_id=conversation.id,
                contact_id=contact_id,
                channel=message.channel,
                source=message.source,
            )
        )
        return conversation

    def _route(self, lead: Lead) -> None:
        team = self._get(self._team)
        managers = [
            m
            for m in (self._get(member) for member in (team.members if isinstance(team, Team) else []))
            if isinstance(m, Manager)
        ]
        decision = route_evenly(
            [
                Candidate(
                    manager_id=m.id,
                    name=m.name,
                    work_day=m.work_day,
                    open_leads=len(m.open_leads),
                    capacity=m.capacity,
                    last_assigned_at=m.last_assigned_at,
                )
                for m in managers
            ]
        )
        if decision.manager_id is None:
            lead.queue(decision.reasons())
            return
        chosen = next(m for m in managers if m.id == decision.manager_id)
        chosen.take_lead(lead.id, self._routing_time())
        lead.assign(chosen.id, decision.reasons())

    def _routing_time(self) -> datetime:
        # Strictly increasing, so "waited longest" has no ties inside one batch.
        at = self._clock()
        if self._last_routed_at is not None and at <= self._last_routed_at:
            at = self._last_routed_at + timedelta(microseconds=1)
        self._last_routed_at = at
        return at

    def _get(self, aggregate_id: UUID) -> Aggregate | None:
        if aggregate_id not in self._touched:
            self._touched[aggregate_id] = self._load(aggregate_id)
        return self._touched[aggregate_id]

    def _add(self, aggregate: Aggregate) -> None:
        self._touched[aggregate.id] = aggregate
