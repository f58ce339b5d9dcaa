"""One unit of work: every aggregate a command touches, loaded once, saved together."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.lookalike_lists import LookalikeBook, LookalikeLists

A = TypeVar("A", bound=Aggregate)
Loader = Callable[[UUID], Aggregate | None]


class UnitOfWork:
    """Aggregates by id, as loaded or created during one command."""

    def __init__(
        self,
        load: Loader,
        prefetched: dict[UUID, Aggregate | None] | None = None,
        lookalikes: LookalikeBook | None = None,
    ) -> None:
        self._load = load
        # The lookalike lists it reads and changes, saved with its aggregates (none: it never reads them).
        self.lookalikes = LookalikeLists(lookalikes)
        # Loaded in bulk when the unit of work began (None: known not to exist); the rest on demand.
        self._prefetched = dict(prefetched or {})
        # In the order first touched: new aggregates are saved, and their events numbered, in this order.
        self._touched: dict[UUID, Aggregate | None] = {}

    def know(self, found: dict[UUID, Aggregate | None]) -> None:
        """Aggregates loaded in bulk ahead of use (None: known not to exist); those already touched stay."""
        self._prefetched.update({k: v for k, v in found.items() if k not in self._touched})

    def get(self, aggregate_id: UUID) -> Aggregate | None:
        """The aggregate, loaded once; None if it does not exist."""
        if aggregate_id not in self._touched:
            if aggregate_id in self._prefetched:
                self._touched[aggregate_id] = self._prefetched.pop(aggregate_id)
            else:
                self._touched[aggregate_id] = self._load(aggregate_id)
        return self._touched[aggregate_id]

    def find(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        """The aggregate if it exists and is a ``kind``."""
        found = self.get(aggregate_id)
        return found if isinstance(found, kind) else None

    def add(self, aggregate: Aggregate) -> None:
        """A new aggregate, saved with the rest."""
        self._touched[aggregate.id] = aggregate

    def changed(self) -> Iterator[Aggregate]:
        """Every aggregate touched (those without new events add nothing to the save)."""
        return (a for a in self._touched.values() if a is not None)
