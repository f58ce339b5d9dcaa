"""The inbox application: load, call, save over the event store."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain.conversation import Conversation, MessageReceipt
from domain.errors import DomainError
from domain.identities import lead_id, message_receipt_id, reply_id, team_id
from domain.inbound import InboundMessage
from domain.lead import Lead
from domain.manager import Manager
from domain.team import Team
from services.router.receiving import ReceivedMessage, Receiving

A = TypeVar("A", bound=Aggregate)

MAX_ATTEMPTS = 8


class NotYourConversation(DomainError):
    """The operator may not reply in a conversation assigned to someone else."""


class UnknownConversation(DomainError):
    """No conversation has that id."""


@dataclass(frozen=True)
class Reply:
    """An operator's reply as stored."""

    reply_id: UUID
    conversation_id: UUID
    duplicate: bool


class Inbox(Application[UUID]):
    """Contacts, conversations, leads and managers, in the event store."""

    name = "switchboard"

    def receive(
        self, messages: Iterable[InboundMessage], team: str, clock: Callable[[], datetime]
    ) -> list[ReceivedMessage]:
        """Store a batch of inbound messages in one transaction, exactly once each.

        A message whose receipt already exists is reported as a duplicate and
        changes nothing. A conflict with a concurrent writer retries the batch
        against fresh state.
        """
        batch = list(messages)
        for attempt in range(MAX_ATTEMPTS):
            receiving = Receiving(self._load, team_id(team), clock)
            outcomes = [receiving.receive(message) for message in batch]
            try:
                self.save(*receiving.changed())
            except IntegrityError:
                if attempt == MAX_ATTEMPTS - 1:
                    raise
                continue
            return outcomes
        raise AssertionError  # pragma: no cover - the loop returns or raises

    def reply(  # noqa: PLR0913 - one command, all its fields
        self,
        conversation_id: UUID,
        manager_id: UUID,
        text: str,
        request_id: str,
        sent_at: datetime,
        *,
        any_conversation: bool = False,
    ) -> Reply:
        """Record an operator's reply; the same request id is stored once."""
        rid = reply_id(conversation_id, request_id)
        receipt_id = message_receipt_id("reply", str(rid))
        for attempt in range(MAX_ATTEMPTS):
            if self._load(receipt_id) is not None:
                return Reply(rid, conversation_id, duplicate=True)
            conversation = self._load(conversation_id)
            if not isinstance(conversation, Conversation):
                msg = f"conversation {conversation_id} does not exist"
                raise UnknownConversation(msg)
            lead = self._load(lead_id(conversation_id))
            holder = lead.manager_id if isinstance(lead, Lead) else None
            if holder != manager_id and not any_conversation:
                msg = f"conversation {conversation_id} is not assigned to you"
                raise NotYourConversation(msg)
            conversation.record_reply(rid, manager_id, text, sent_at)
            receipt = MessageReceipt("reply", str(rid), conversation_id)
            try:
                self.save(conversation, receipt)
            except IntegrityError:
                if attempt == MAX_ATTEMPTS - 1:
                    raise
                continue
            return Reply(rid, conversation_id, duplicate=False)
        raise AssertionError  # pragma: no cover

    def register_manager(self, name: str, email: str, capacity: int, team: str) -> UUID:
        """Register a manager and add them to a team (formed on first use)."""
        manager = Manager.register(name=name, email=email, capacity=capacity)
        found = self._load(team_id(team))
        squad = found if isinstance(found, Team) else Team(name=team)
        squad.add_member(manager.id)
        self.save(manager, squad)
        return manager.id

    def start_work_day(self, manager_id: UUID) -> None:
        """Start a manager's work day."""
        self._change_manager(manager_id, Manager.start_work_day)

    def pause_work_day(self, manager_id: UUID) -> None:
        """Pause a manager's work day."""
        self._change_manager(manager_id, Manager.pause_work_day)

    def resume_work_day(self, manager_id: UUID) -> None:
        """Resume a manager's paused work day."""
        self._change_manager(manager_id, Manager.resume_work_day)

    def end_work_day(self, manager_id: UUID) -> None:
        """End a manager's work day."""
        self._change_manager(manager_id, Manager.end_work_day)

    def manager(self, manager_id: UUID) -> dict[str, Any]:
        """A manager's presence and load, as plain data."""
        manager = self._get(manager_id, Manager)
        return {
            "id": str(manager.id),
            "name": manager.name,
            "work_day": str(manager.work_day),
            "open_leads": len(manager.open_leads),
            "capacity": manager.capacity,
        }

    def _change_manager(self, manager_id: UUID, change: Any) -> None:  # noqa: ANN401
        for attempt in range(MAX_ATTEMPTS):
            manager = self._get(manager_id, Manager)
            change(manager)
            try:
                self.save(manager)
            except IntegrityError:
                if attempt == MAX_ATTEMPTS - 1:
                    raise
                continue
            return

    def _get(self, aggregate_id: UUID, kind: type[A]) -> A:
        found = self._load(aggregate_id)
        if not isinstance(found, kind):
            msg = f"no {kind.__name__.lower()} with id {aggregate_id}"
            raise DomainError(msg)
        return found

    def _load(self, aggregate_id: UUID) -> Aggregate | None:
        try:
            found: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return found
