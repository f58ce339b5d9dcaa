"""Receive inbound messages: the router stores a batch in one transaction, exactly once each."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.assigning import Assigning
from application.event_store import EventStore
from application.receiving import ReceivedMessage, Receiving
from application.unit_of_work import UnitOfWork
from domain.identities import team_id
from domain.inbound import InboundMessage
from domain.rulebook import Rulebook


def receive_messages(store: EventStore, messages: Iterable[InboundMessage]) -> list[ReceivedMessage]:
    """Store a batch of inbound messages and route the leads they open; a message seen before changes nothing."""
    batch = list(messages)

    def command(work: UnitOfWork, assigning: Assigning) -> list[ReceivedMessage]:
        receiving = Receiving(work, assigning)
        return [receiving.receive(message) for message in batch]

    return store.transact(command, lambda: _prefetched(store, batch))


def _prefetched(store: EventStore, batch: list[InboundMessage]) -> dict[UUID, Aggregate | None]:
    """Every aggregate receiving ``batch`` may need, in two queries instead of one per aggregate.

    The first asks for what the messages name (receipts, conversations, leads, addresses, the
    rules and the team); the second for what those name in turn (contacts, leads, managers).
    """
    first = store.load_many(Receiving.looked_up(batch) | {Rulebook.create_id(), team_id(store.team)})
    related = Receiving.related(a for a in first.values() if a is not None) - first.keys()
    return first | store.load_many(related)
