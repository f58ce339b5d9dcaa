"""A copy of a cached aggregate shares nothing a command could change, and equals the original."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from application.aggregate_copies import copy_of
from domain.manager import Manager
from domain.team import Team

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_copy_equals_its_original_and_changing_it_leaves_the_original_as_it_was() -> None:
    manager = Manager.register(name="Anna", email="anna@example.com", capacity=10)
    manager.start_work_day()
    for _ in range(3):
        manager.take_lead(uuid4(), T0)
    manager.collect_events()
    before = dict(vars(manager))
    copied = copy_of(manager)
    assert type(copied) is Manager
    assert vars(copied) == before
    assert copied.open_leads is not manager.open_leads
    assert copied.work_day is manager.work_day  # nothing can change it: shared, not copied
    copied.take_lead(uuid4(), T0)
    assert vars(manager) == before
    assert len(copied.open_leads) == len(manager.open_leads) + 1
    assert copied.version == manager.version + 1


def test_a_queue_copied_keeps_its_order_apart_from_the_original() -> None:
    team = Team(name="sales")
    first, second = uuid4(), uuid4()
    team.add_member(first)
    team.collect_events()
    copied = copy_of(team)
    copied.add_member(second)
    assert team.members == [first]
    assert copied.members == [first, second]
