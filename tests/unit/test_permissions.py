"""The permission rule: every role, entity and action at its scope, and a head's department only."""

from __future__ import annotations

from uuid import uuid4

import pytest

from application.departments import actor, appoint_head, department_members
from application.event_store import EventStore
from application.managers import register_manager
from domain.errors import DomainError
from domain.permissions import DEFAULT_PERMISSIONS, Action, Actor, Entity, Holding, Permissions, Role, Scope

ANNA, BORIS, HEAD, OTHER_HEAD, DIRECTOR = (uuid4() for _ in range(5))


@pytest.mark.parametrize("entity", [e for e in Entity if e is not Entity.PRODUCT])
@pytest.mark.parametrize("action", list(Action))
def test_each_role_reaches_its_default_scope(entity: Entity, action: Action) -> None:
    department = frozenset({ANNA, HEAD})
    actors = {
        Role.MANAGER: Actor(ANNA, Role.MANAGER),
        Role.HEAD: Actor(HEAD, Role.HEAD, department),
        Role.DIRECTOR: Actor(DIRECTOR, Role.DIRECTOR),
        Role.ADMIN: Actor(uuid4(), Role.ADMIN),
    }
    annas, borises, observed_by_anna = Holding(ANNA), Holding(BORIS), Holding(BORIS, frozenset({ANNA}))
    seen = {
        role: [DEFAULT_PERMISSIONS.allows(a, entity, action, h) for h in (annas, borises, observed_by_anna)]
        for role, a in actors.items()
    }
    assert seen[Role.MANAGER] == [True, False, True]
    assert seen[Role.HEAD] == [True, False, False]  # Boris is in another department
    assert seen[Role.DIRECTOR] == [True, True, True]
    assert seen[Role.ADMIN] == [True, True, True]


def test_a_head_sees_nothing_of_another_department() -> None:
    head = Actor(HEAD, Role.HEAD, frozenset({HEAD, ANNA}))
    other = Actor(OTHER_HEAD, Role.HEAD, frozenset({OTHER_HEAD, BORIS}))
    for entity in (Entity.DEAL, Entity.CONTACT, Entity.CONVERSATION, Entity.REPORT):
        assert DEFAULT_PERMISSIONS.allows(head, entity, Action.VIEW, Holding(ANNA))
        assert not DEFAULT_PERMISSIONS.allows(head, entity, Action.VIEW, Holding(BORIS))
        assert not DEFAULT_PERMISSIONS.allows(other, entity, Action.VIEW, Holding(ANNA))
        assert not DEFAULT_PERMISSIONS.allows(head, entity, Action.VIEW, Holding(None))


def test_a_lead_not_taken_is_seen_by_whom_it_is_offered_to_and_the_heads_of_its_queue_only() -> None:
    anna, boris = Actor(ANNA, Role.MANAGER), Actor(BORIS, Role.MANAGER)
    head = Actor(HEAD, Role.HEAD, frozenset({HEAD, ANNA}), frozenset({"north"}))
    other = Actor(OTHER_HEAD, Role.HEAD, frozenset({OTHER_HEAD, BORIS}), frozenset({"south"}))
    offered, waiting = Holding(None, offered_to=frozenset({ANNA})), Holding(None, teams=frozenset({"north"}))
    for holding, seeing in ((offered, {anna, head}), (waiting, {head})):
        for user in (anna, boris, head, other):
            assert DEFAULT_PERMISSIONS.allows(user, Entity.LEAD, Action.VIEW, holding) is (user in seeing)
            # Looking at it is all: it is worked once it is taken.
            assert not DEFAULT_PERMISSIONS.allows(user, Entity.LEAD, Action.EDIT, holding)


def test_the_catalogue_is_seen_by_all_and_changed_by_directors_and_admins() -> None:
    for role in Role:
        user = Actor(uuid4(), role)
        assert DEFAULT_PERMISSIONS.allows(user, Entity.PRODUCT, Action.VIEW, Holding(None))
        changes = DEFAULT_PERMISSIONS.allows(user, Entity.PRODUCT, Action.EDIT, Holding(None))
        assert changes is (role in (Role.DIRECTOR, Role.ADMIN))


def test_an_override_narrows_one_cell_only() -> None:
    permissions = Permissions({(Role.MANAGER, Entity.DEAL, Action.DELETE): Scope.NONE})
    anna = Actor(ANNA, Role.MANAGER)
    assert not permissions.allows(anna, Entity.DEAL, Action.DELETE, Holding(ANNA))
    assert permissions.allows(anna, Entity.DEAL, Action.EDIT, Holding(ANNA))
    assert permissions.allows(anna, Entity.CONTACT, Action.DELETE, Holding(ANNA))


def test_lists_are_filtered_to_the_holders_in_scope() -> None:
    assert DEFAULT_PERMISSIONS.visible_holders(Actor(DIRECTOR, Role.DIRECTOR), Entity.DEAL) is None
    assert DEFAULT_PERMISSIONS.visible_holders(Actor(ANNA, Role.MANAGER), Entity.DEAL) == {ANNA}
    head = Actor(HEAD, Role.HEAD, frozenset({ANNA}))
    assert DEFAULT_PERMISSIONS.visible_holders(head, Entity.DEAL) == {ANNA, HEAD}


def test_a_department_is_the_team_its_head_was_appointed_to() -> None:
    store = EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    head = register_manager(store, "Hana", "hana@example.com", 5, "north")
    anna = register_manager(store, "Anna", "anna@example.com", 5, "north")
    boris = register_manager(store, "Boris", "boris@example.com", 5, "south")
    assert department_members(store, head) == frozenset()
    appoint_head(store, "north", head)
    assert department_members(store, head) == {head, anna}
    assert actor(store, head, Role.HEAD).department_members == {head, anna}
    assert actor(store, head, Role.MANAGER).department_members == frozenset()
    with pytest.raises(DomainError, match="member of south"):
        appoint_head(store, "south", head)
    assert boris not in department_members(store, head)
