"""Which consoles are told that their reports changed: those whose report scope covers a changed record."""

from __future__ import annotations

from uuid import UUID

from domain.permissions import Action, Actor, Entity, Permissions, Role, Scope
from services.console.report_live import reports_changed

ANNA, BORIS, SVEN = UUID(int=1), UUID(int=2), UUID(int=3)
RULE = Permissions()


def row(record: int, responsible: UUID) -> dict[str, str]:
    return {"id": str(UUID(int=100 + record)), "responsible_id": str(responsible)}


DEALS = [row(1, ANNA), row(2, BORIS)]
ACTIVITIES = [row(3, SVEN)]


def test_a_director_is_told_of_every_change_and_a_manager_of_their_own() -> None:
    director = reports_changed(RULE, Actor(UUID(int=9), Role.DIRECTOR), DEALS, ACTIVITIES)
    assert director == {
        "type": "reports_changed",
        "deal_ids": [DEALS[0]["id"], DEALS[1]["id"]],
        "activity_ids": [ACTIVITIES[0]["id"]],
    }
    anna = reports_changed(RULE, Actor(ANNA, Role.MANAGER), DEALS, ACTIVITIES)
    assert anna == {"type": "reports_changed", "deal_ids": [DEALS[0]["id"]], "activity_ids": []}
    assert reports_changed(RULE, Actor(SVEN, Role.MANAGER), DEALS, []) is None


def test_a_head_is_told_of_their_departments_changes_only() -> None:
    head = Actor(UUID(int=8), Role.HEAD, frozenset({BORIS}))
    assert reports_changed(RULE, head, DEALS, ACTIVITIES) == {
        "type": "reports_changed",
        "deal_ids": [DEALS[1]["id"]],
        "activity_ids": [],
    }


def test_a_deal_handed_away_is_told_to_whoever_was_shown_it_and_no_scope_hears_nothing() -> None:
    handed = row(1, BORIS)
    told = reports_changed(RULE, Actor(ANNA, Role.MANAGER), [handed], [], shown=[handed])
    assert told is not None
    assert told["deal_ids"] == [handed["id"]]
    blind = Permissions({(Role.MANAGER, Entity.REPORT, Action.VIEW): Scope.NONE})
    assert reports_changed(blind, Actor(ANNA, Role.MANAGER), DEALS, ACTIVITIES, shown=DEALS) is None
