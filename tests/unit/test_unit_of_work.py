"""The unit of work: prefetched aggregates are used, and new ones are saved in the order they were touched."""

from __future__ import annotations

from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from application.unit_of_work import UnitOfWork


class Thing(Aggregate):
    def __init__(self, name: str) -> None:
        self.name = name


def test_prefetched_aggregates_are_not_loaded_again_and_touch_order_is_kept():

    loads: list[UUID] = []
    existing = Thing("existing")
    late, early = uuid4(), uuid4()

    def load(aggregate_id: UUID) -> Aggregate | None:
        loads.append(aggregate_id)
        return None

    # Prefetched in an order unrelated to how the command touches them.
    work = UnitOfWork(load, {late: None, existing.id: existing, early: None})
    assert work.get(early) is None
    first = Thing("first")
    work.add(first)
    assert work.find(existing.id, Thing) is existing
    second = Thing("second")
    work.add(second)
    assert work.get(late) is None
    assert loads == []
    # Saved in touch order: the first new aggregate's events come before the second's.
    assert [a.name for a in work.changed() if isinstance(a, Thing)] == ["first", "existing", "second"]
