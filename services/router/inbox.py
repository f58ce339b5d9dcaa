"""The inbox application: load, call, save over the event store, retried on a concurrent write."""

from __future__ import annotations

import contextlib
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, project_aggregate
from eventsourcing.domain import Aggregate, DomainEvent
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.utils import EnvType
from psycopg.sql import SQL, Identifier

from domain.contact import Contact
from domain.conversation import Conversation, DeliveryOutcome, MessageReceipt
from domain.errors import DomainError
from domain.identities import lead_id, message_receipt_id, reply_id, team_id
from domain.inbound import InboundMessage
from domain.lead import Lead, LeadStatus
from domain.manager import Manager
from domain.presence import Absence, WorkingHours
from domain.rulebook import Rulebook
from domain.rules import RuleSet
from domain.team import Team
from services.router.assigning import Assigning
from services.router.receiving import ReceivedMessage, Receiving
from services.router.unit_of_work import UnitOfWork

T = TypeVar("T")
_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic"}
MAX_ATTEMPTS = 12


class NotYourConversation(DomainError):
    """The operator may not act on a conversation assigned to someone else."""


class UnknownConversation(DomainError):
    """No conversation has that id."""


@dataclass(frozen=True)
class Reply:
    """An operator's reply as stored."""

    reply_id: UUID
    conversation_id: UUID
    duplicate: bool


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(tz=UTC)


class Inbox(Application[UUID]):
    """Contacts, conversations, leads, managers and rules, in the event store."""

    name = "switchboard"

    def __init__(
        self, env: EnvType | None = None, team: str = "sales", clock: Callable[[], datetime] = utc_now
    ) -> None:
        super().__init__(env)
        self.team = team
        self.clock = clock

    def receive(self, messages: Iterable[InboundMessage]) -> list[ReceivedMessage]:
        """Store a batch of inbound messages in one transaction, exactly once each."""
        batch = list(messages)

        def command(work: UnitOfWork, assigning: Assigning) -> list[ReceivedMessage]:
            receiving = Receiving(work, assigning)
            return [receiving.receive(message) for message in batch]

        return self._transact(command, lambda: self._prefetched(batch))

    def reply(
        self, conversation_id: UUID, manager_id: UUID, text: str, request_id: str, *, any_conversation: bool = False
    ) -> Reply:
        """Record an operator's reply; the same request id is stored once."""
        rid = reply_id(conversation_id, request_id)

        def command(work: UnitOfWork, _: Assigning) -> Reply:
            if work.get(message_receipt_id("reply", str(rid))) is not None:
                return Reply(rid, conversation_id, duplicate=True)
            conversation = work.find(conversation_id, Conversation)
            if conversation is None:
                msg = f"conversation {conversation_id} does not exist"
                raise UnknownConversation(msg)
            lead = self._held(work, conversation_id, manager_id, any_conversation=any_conversation)
            at = self.clock()
            conversation.record_reply(rid, manager_id, text, at)
            work.add(MessageReceipt("reply", str(rid), conversation_id))
            if lead is not None:
                lead.mark_answered(manager_id, at)
            return Reply(rid, conversation_id, duplicate=False)

        return self._transact(command)

    def record_delivery(self, conversation_id: UUID, reply: UUID, outcome: DeliveryOutcome, detail: str) -> None:
        """Record how delivering a reply through its channel ended."""

        def command(work: UnitOfWork, _: Assigning) -> None:
            conversation = work.find(conversation_id, Conversation)
            if conversation is None:
                msg = f"conversation {conversation_id} does not exist"
                raise UnknownConversation(msg)
            conversation.record_delivery(reply, outcome, detail)

        self._transact(command)

    def accept(self, lead: UUID, manager_id: UUID) -> None:
        """A manager takes a lead offered to all; the first to accept has it."""

        def command(work: UnitOfWork, _: Assigning) -> None:
            found = work.find(lead, Lead)
            manager = work.find(manager_id, Manager)
            if found is None or manager is None:
                msg = f"no lead {lead} or no manager {manager_id}"
                raise DomainError(msg)
            if not manager.is_present:
                msg = f"{manager.name}'s work day is {manager.work_day}: start or resume it to take leads"
                raise DomainError(msg)
            found.accept(manager_id)
            manager.take_lead(found.id, self.clock())
            if (contact := work.find(found.contact_id, Contact)) is not None:
                contact.make_responsible(manager_id)

        self._transact(command)

    def close_conversation(self, conversation_id: UUID, manager_id: UUID, *, any_conversation: bool = False) -> None:
        """Close a conversation and its lead, held, on offer or waiting; a freed place goes to the queue at once."""

        def command(work: UnitOfWork, assigning: Assigning) -> None:
            conversation = work.find(conversation_id, Conversation)
            if conversation is None:
                msg = f"conversation {conversation_id} does not exist"
                raise UnknownConversation(msg)
            lead = self._held(work, conversation_id, manager_id, any_conversation=any_conversation)
            conversation.close(manager_id)
            if lead is not None and lead.status is not LeadStatus.CLOSED:
                holder = assigning.close(lead, manager_id)
                if holder and (manager := work.find(holder, Manager)):
                    manager.release_lead(lead.id)
                    self._drain_for(assigning, holder)

        self._transact(command)

    def reroute_if_unanswered(self, lead: UUID) -> bool:
        """Give a lead to the next eligible manager if its holder missed the answer deadline."""

        def command(work: UnitOfWork, assigning: Assigning) -> bool:
            found = work.find(lead, Lead)
            at = self.clock()
            if found is None or found.status is not LeadStatus.ASSIGNED:
                return False  # closed, or moved on already: no deadline runs
            if found.answered or found.answer_by is None or found.answer_by > at:
                return False
            holder = found.release("no answer within the rule's idle timeout")
            if holder and (manager := work.find(holder, Manager)):
                manager.release_lead(found.id)
            assigning.route(found)
            if holder:
                self._drain_for(assigning, holder)  # the freed place may suit a lead that waits
            return True

        return self._transact(command)

    def expire_offer(self, lead: UUID) -> bool:
        """Assign evenly a lead offered to all that nobody accepted before its offer expired."""

        def command(work: UnitOfWork, assigning: Assigning) -> bool:
            found = work.find(lead, Lead)
            if found is None or not found.offer_expired(self.clock()):
                return False
            found.withdraw_offer("nobody accepted it within the rule's offer timeout")
            assigning.route(found, offer_expired=True)
            return True

        return self._transact(command)

    def apply_rules(self, rules: RuleSet, author: str) -> list[str]:
        """Put rules in force; returns the diff. Queues are drained under the new rules."""

        def command(work: UnitOfWork, assigning: Assigning) -> list[str]:
            book = work.find(Rulebook.create_id(), Rulebook)
            if book is None:
                book = Rulebook()
                work.add(book)
            changes = book.apply(rules, author)
            assigning.use_rules(rules)
            for team in {r.team for r in rules.rules if r.team}:
                assigning.drain(team)
            return changes

        return self._transact(command)

    def routing_history(self, lead: UUID) -> list[dict[str, Any]]:
        """Every routing event of a lead, oldest first, with its reasons."""
        if self._load(lead) is None:
            msg = f"no lead with id {lead}"
            raise DomainError(msg)
        return [
            {"event": type(e).__name__, "at": e.timestamp, **{k: v for k, v in vars(e).items() if k not in _ENVELOPE}}
            for e in self.repository.event_store.get(lead)
            if isinstance(e, DomainEvent)
        ]

    def rules(self) -> RuleSet:
        """The rules in force."""
        return self._transact(lambda _, assigning: assigning.rules())

    def register_manager(self, name: str, email: str, capacity: int, team: str) -> UUID:
        """Register a manager and add them to a team (formed on first use)."""
        manager = Manager.register(name=name, email=email, capacity=capacity)
        found = self._load(team_id(team))
        squad = found if isinstance(found, Team) else Team(name=team)
        squad.add_member(manager.id)
        self.save(manager, squad)
        return manager.id

    def start_work_day(self, manager_id: UUID) -> None:
        """Start a manager's work day; waiting leads may go to them at once."""
        self._change_manager(manager_id, Manager.start_work_day)

    def pause_work_day(self, manager_id: UUID) -> None:
        """Pause a manager's work day."""
        self._change_manager(manager_id, Manager.pause_work_day)

    def resume_work_day(self, manager_id: UUID) -> None:
        """Resume a paused work day; waiting leads may go to them at once."""
        self._change_manager(manager_id, Manager.resume_work_day)

    def end_work_day(self, manager_id: UUID) -> None:
        """End a manager's work day."""
        self._change_manager(manager_id, Manager.end_work_day)

    def change_work_day(self, manager_id: UUID, action: str) -> dict[str, Any]:
        """Start, pause, resume or end a work day by name; returns the manager's presence and load."""
        change = {
            "start": self.start_work_day,
            "pause": self.pause_work_day,
            "resume": self.resume_work_day,
            "end": self.end_work_day,
        }.get(action)
        if change is None:
            msg = f"work day action {action!r} must be start, pause, resume or end"
            raise ValueError(msg)
        change(manager_id)
        return self.manager(manager_id)

    def change_capacity(self, manager_id: UUID, capacity: int) -> None:
        """Set a manager's capacity; 0 takes them out of rotation without disturbing the others."""
        self._change_manager(manager_id, lambda m: m.change_capacity(capacity))

    def set_working_hours(self, manager_id: UUID, hours: WorkingHours | None) -> None:
        """Set a manager's weekly calendar."""
        self._change_manager(manager_id, lambda m: m.set_working_hours(hours))

    def add_absence(self, manager_id: UUID, absence: Absence) -> None:
        """Record a manager's days away."""
        self._change_manager(manager_id, lambda m: m.add_absence(absence))

    def come_online(self, manager_id: UUID) -> None:
        """The manager opened the console; rules that require it may now route to them."""
        self._change_manager(manager_id, Manager.come_online)

    def go_offline(self, manager_id: UUID) -> None:
        """The manager's last console closed."""
        self._change_manager(manager_id, Manager.go_offline)

    def manager(self, manager_id: UUID) -> dict[str, Any]:
        """A manager's presence and load, as plain data."""
        manager = self._load(manager_id)
        if not isinstance(manager, Manager):
            msg = f"no manager with id {manager_id}"
            raise DomainError(msg)
        return {
            "id": str(manager.id),
            "name": manager.name,
            "work_day": str(manager.work_day),
            "open_leads": len(manager.open_leads),
            "capacity": manager.capacity,
        }

    def _change_manager(self, manager_id: UUID, change: Callable[[Manager], None]) -> None:
        def command(work: UnitOfWork, assigning: Assigning) -> None:
            manager = work.find(manager_id, Manager)
            if manager is None:
                msg = f"no manager with id {manager_id}"
                raise DomainError(msg)
            change(manager)
            self._drain_for(assigning, manager_id)

        self._transact(command)

    def _drain_for(self, assigning: Assigning, manager_id: UUID) -> None:
        for team in assigning.teams_of(manager_id):
            assigning.drain(team)

    def _held(
        self, work: UnitOfWork, conversation_id: UUID, manager_id: UUID, *, any_conversation: bool
    ) -> Lead | None:
        lead = work.find(lead_id(conversation_id), Lead)
        holder = lead.manager_id if lead else None
        if holder != manager_id and not any_conversation:
            msg = f"conversation {conversation_id} is not assigned to you"
            raise NotYourConversation(msg)
        return lead

    def _prefetched(self, batch: list[InboundMessage]) -> dict[UUID, Aggregate | None]:
        """Every aggregate receiving ``batch`` may need, in two queries instead of one per aggregate.

        The first asks for what the messages name (receipts, conversations, leads, addresses, the
        rules and the team); the second for what those name in turn (contacts, leads, managers).
        """
        first = self._load_many(Receiving.looked_up(batch) | {Rulebook.create_id(), team_id(self.team)})
        related = Receiving.related(a for a in first.values() if a is not None) - first.keys()
        return first | self._load_many(related)

    def _load_many(self, ids: set[UUID]) -> dict[UUID, Aggregate | None]:
        """Aggregates by id (None: no events), brought up to date from their cached versions in one query."""
        recorder = self.recorder
        if not isinstance(recorder, PostgresAggregateRecorder) or not ids:
            return {}
        cache = self.repository.cache
        cached: dict[UUID, Aggregate] = {}
        if cache is not None:
            for aggregate_id in ids:
                with contextlib.suppress(KeyError):
                    hit = cache.get(aggregate_id)
                    if isinstance(hit, Aggregate):
                        cached[aggregate_id] = hit
        order = list(ids)
        query = SQL(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state FROM {schema}.{table} e"
            " JOIN unnest(%s::uuid[], %s::bigint[]) AS k(id, after)"
            " ON e.originator_id = k.id AND e.originator_version > k.after"
            " ORDER BY e.originator_id, e.originator_version"
        ).format(schema=Identifier(recorder.datastore.schema), table=Identifier(recorder.events_table_name))
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(query, (order, [cached[i].version if i in cached else 0 for i in order]))
            rows = cursor.fetchall()
        newer: dict[UUID, list[DomainEvent]] = defaultdict(list)
        for row in rows:
            stored = StoredEvent(row["originator_id"], row["originator_version"], row["topic"], bytes(row["state"]))
            event = self.mapper.to_domain_event(stored)
            assert isinstance(event, DomainEvent)  # every event of our aggregates is one
            newer[UUID(str(row["originator_id"]))].append(event)
        found: dict[UUID, Aggregate | None] = {}
        for aggregate_id in order:
            base, events = cached.get(aggregate_id), newer.get(aggregate_id, [])
            if base is None and not events:
                found[aggregate_id] = None
                continue
            aggregate = project_aggregate(deepcopy(base) if events and base is not None else base, events)
            assert isinstance(aggregate, Aggregate)
            if cache is not None:
                cache.put(aggregate_id, aggregate)
                aggregate = deepcopy(aggregate)  # commands change their own copy, never the cached one
            found[aggregate_id] = aggregate
        return found

    def _transact(
        self,
        command: Callable[[UnitOfWork, Assigning], T],
        prefetch: Callable[[], dict[UUID, Aggregate | None]] = dict,
    ) -> T:
        for attempt in range(MAX_ATTEMPTS):
            work = UnitOfWork(self._load, prefetch())
            result = command(work, Assigning(work, self.team, self.clock))
            try:
                self.save(*work.changed())
            except IntegrityError:
                if attempt == MAX_ATTEMPTS - 1:
                    raise
                # Another writer got there first: back off a little, at random, then redo on fresh state.
                time.sleep(random.uniform(0, 0.002 * 2**attempt))  # noqa: S311 - jitter, not secrecy
                continue
            return result
        raise AssertionError  # pragma: no cover - the loop returns or raises

    def _load(self, aggregate_id: UUID) -> Aggregate | None:
        try:
            found: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return found
