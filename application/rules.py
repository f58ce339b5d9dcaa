"""Routing rules: put a rule set in force, and read the one in force.

Queues are drained under new rules by the router when it sees them applied (``queue_draining``).
"""

from __future__ import annotations

from application.assigning import Assigning
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.rulebook import Rulebook
from domain.rules import RuleSet


def apply_rules(store: EventStore, rules: RuleSet, author: str) -> list[str]:
    """Put ``rules`` in force; returns what changed, in words (empty: they were already in force)."""

    def command(work: UnitOfWork, _: Assigning) -> list[str]:
        book = work.find(Rulebook.create_id(), Rulebook)
        if book is None:
            book = Rulebook()
            work.add(book)
        return book.apply(rules, author)

    return store.transact(command)


def rules_in_force(store: EventStore) -> RuleSet:
    """The rules in force, or the default rules for the store's team."""
    return store.transact(lambda _, assigning: assigning.rules())
