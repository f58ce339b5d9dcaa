"""Who may do what with which records: every action on every entity allowed per role at one scope.

A scope says whose records: none, the user's own (they are responsible or observe it), their
department's (held by a member of a department they head), or all. The defaults follow what
CRM users expect: a manager works their own records, a head their department's, a director and an
admin everything. The server checks every request, command and live push against this one rule.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from uuid import UUID


class Role(enum.StrEnum):
    """A console user's role."""

    MANAGER = "manager"
    HEAD = "head"
    DIRECTOR = "director"
    ADMIN = "admin"


class Entity(enum.StrEnum):
    """A kind of record the CRM keeps."""

    CONVERSATION = "conversation"
    CONTACT = "contact"
    COMPANY = "company"
    LEAD = "lead"
    DEAL = "deal"
    ACTIVITY = "activity"
    PRODUCT = "product"
    REPORT = "report"


class Action(enum.StrEnum):
    """What a user does with a record."""

    VIEW = "view"
    CREATE = "create"
    EDIT = "edit"
    DELETE = "delete"
    EXPORT = "export"


class Scope(enum.IntEnum):
    """Whose records an allowance covers; each covers the ones before it."""

    NONE = 0
    OWN = 1
    DEPARTMENT = 2
    ALL = 3


DEFAULT_SCOPES: Mapping[Role, Scope] = {
    Role.MANAGER: Scope.OWN,
    Role.HEAD: Scope.DEPARTMENT,
    Role.DIRECTOR: Scope.ALL,
    Role.ADMIN: Scope.ALL,
}


def default_scope(role: Role, entity: Entity, action: Action) -> Scope:
    """The scope a role has unless configured otherwise.

    The product catalogue is shared: everyone sees and exports it; directors and admins change it.
    """
    if entity is Entity.PRODUCT:
        if action in (Action.VIEW, Action.EXPORT) or role in (Role.DIRECTOR, Role.ADMIN):
            return Scope.ALL
        return Scope.NONE
    return DEFAULT_SCOPES[role]


@dataclass(frozen=True)
class Actor:
    """A user as the rule sees them: who, in which role, heading which departments' members."""

    user_id: UUID
    role: Role
    department_members: frozenset[UUID] = frozenset()  # members of the departments they head
    departments: frozenset[str] = frozenset()  # a head's teams: those they head or work in


@dataclass(frozen=True)
class Holding:
    """Whose a record is: its responsible manager, and who observes it.

    A lead is also seen by whoever it is on offer to now, and by the heads of its ``teams``: the
    teams of whoever holds it or has it on offer, the one whose queue it waits in, and the default
    team for a lead with no place at all.
    """

    responsible_id: UUID | None
    observers: frozenset[UUID] = frozenset()
    offered_to: frozenset[UUID] = frozenset()
    teams: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Permissions:
    """The scope each role has for each entity and action; what is not set follows the role's default."""

    overrides: Mapping[tuple[Role, Entity, Action], Scope] = field(default_factory=dict)

    def scope(self, role: Role, entity: Entity, action: Action) -> Scope:
        """How far ``role`` may do ``action`` with records of ``entity``."""
        return self.overrides.get((role, entity, action), default_scope(role, entity, action))

    def allows(self, actor: Actor, entity: Entity, action: Action, holding: Holding) -> bool:
        """Whether ``actor`` may do ``action`` with one record held as ``holding``."""
        scope = self.scope(actor.role, entity, action)
        if scope is Scope.ALL:
            return True
        own = holding.responsible_id == actor.user_id or actor.user_id in holding.observers
        # An offer or a queue lets people look at the lead, not work it before it is theirs.
        looking = action is Action.VIEW
        if scope is Scope.OWN:
            return own or (looking and actor.user_id in holding.offered_to)
        if scope is Scope.DEPARTMENT:
            members = actor.department_members
            if own or (holding.responsible_id is not None and holding.responsible_id in members):
                return True
            return looking and bool(
                holding.offered_to & (members | {actor.user_id}) or holding.teams & actor.departments
            )
        return False

    def visible_holders(self, actor: Actor, entity: Entity, action: Action = Action.VIEW) -> frozenset[UUID] | None:
        """Whose records ``actor`` may see in a list: None for everyone's, else the responsible ids allowed.

        Records they only observe are added by the query itself (it knows the observers).
        """
        scope = self.scope(actor.role, entity, action)
        if scope is Scope.ALL:
            return None
        if scope is Scope.DEPARTMENT:
            return actor.department_members | {actor.user_id}
        if scope is Scope.OWN:
            return frozenset({actor.user_id})
        return frozenset()


DEFAULT_PERMISSIONS = Permissions()
