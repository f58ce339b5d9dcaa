"""Who may do what with deals, activities and the catalogue, checked on the server before every act.

A record someone may not see is answered exactly as a record that does not exist (``NotVisible``);
one they may see but not change is refused (``NotAllowed``). Checks before an edit read the record
from the event store, and the edit is made at the version checked: if the record changed meanwhile,
it is checked again, so a deal handed to someone else a moment before is not edited on the old rule.

An activity is its responsible manager's; one about a deal is also seen and worked by whoever may
see and work that deal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar
from uuid import UUID

from application.departments import actor
from application.errors import ConcurrentEdit
from application.event_store import EventStore
from application.record_holding import Held, held
from domain.errors import DomainError
from domain.permissions import DEFAULT_PERMISSIONS, Action, Actor, Entity, Holding, Permissions, Role, Scope
from services.console.accounts import Operator

T = TypeVar("T")
EDIT_ATTEMPTS = 5  # an edit raced by others this often in a row is answered 409
SUBJECTS = {"contact": Entity.CONTACT, "company": Entity.COMPANY, "lead": Entity.LEAD, "deal": Entity.DEAL}


class NotVisible(DomainError):
    """No such record among those the user may see (whether it exists is not told)."""


class NotAllowed(DomainError):
    """The user may see the record but their role may not do this with it."""


@dataclass
class SalesAccess:
    """The permission rule applied to deals, activities, pipelines and products."""

    store: Callable[[], EventStore]
    permissions: Permissions = field(default=DEFAULT_PERMISSIONS)

    def actor(self, operator: Operator) -> Actor:
        """The operator as the rule sees them (a head with the members of the departments they head)."""
        return actor(self.store(), operator.manager_id, Role(operator.role.value))

    def require(self, who: Actor, entity: Entity, action: Action, holding: Holding, what: str) -> None:
        """NotVisible unless ``who`` may see the record, NotAllowed unless they may also do ``action``."""
        if not self.permissions.allows(who, entity, Action.VIEW, holding):
            msg = f"no {what} among those you may see"
            raise NotVisible(msg)
        if not self.permissions.allows(who, entity, action, holding):
            msg = f"your role may not {action.value} this {entity.value}"
            raise NotAllowed(msg)

    def require_catalogue(self, who: Actor, action: Action) -> None:
        """Pipelines and products are shared: NotAllowed unless the role may ``action`` every one of them."""
        if self.permissions.scope(who.role, Entity.PRODUCT, action) is not Scope.ALL:
            msg = f"your role may not {action.value} pipelines or products"
            raise NotAllowed(msg)

    def require_new(self, who: Actor, entity: Entity, holding: Holding) -> None:
        """NotAllowed unless ``who`` may create a record of ``entity`` held as ``holding``."""
        if not self.permissions.allows(who, entity, Action.CREATE, holding):
            msg = f"your role may not create a {entity.value} for that manager"
            raise NotAllowed(msg)

    def subject(self, who: Actor, kind: str, record_id: UUID, action: Action = Action.VIEW) -> Held:
        """A contact, company, lead or deal ``who`` may ``action``; NotVisible if none they may see."""
        found = held(self.store(), kind, record_id)
        if found is None:
            msg = f"no {kind} among those you may see"
            raise NotVisible(msg)
        self.require(who, SUBJECTS[kind], action, found.holding, kind)
        return found

    def sees(self, operator: Operator, kind: str, record_id: UUID) -> bool:
        """Whether ``operator`` may see the contact, company, lead or deal ``record_id``."""
        if self.permissions.scope(Role(operator.role.value), SUBJECTS[kind], Action.VIEW) is Scope.ALL:
            return True
        try:
            self.subject(self.actor(operator), kind, record_id)
        except NotVisible:
            return False
        return True

    def activity(self, who: Actor, activity_id: UUID, action: Action = Action.VIEW) -> Held:
        """An activity ``who`` may ``action``: as its responsible's, or through the deal it is about."""
        found = held(self.store(), "activity", activity_id)
        if found is None or found.subject is None:
            msg = "no activity among those you may see"
            raise NotVisible(msg)
        kind, subject_id = found.subject
        deal = held(self.store(), "deal", subject_id) if kind == "deal" else None
        deal_holding = deal.holding if deal else None
        if not self.may_activity(who, Action.VIEW, found.holding, deal_holding):
            msg = "no activity among those you may see"
            raise NotVisible(msg)
        if not self.may_activity(who, action, found.holding, deal_holding):
            msg = f"your role may not {action.value} this activity"
            raise NotAllowed(msg)
        return found

    def may_activity(self, who: Actor, action: Action, holding: Holding, deal: Holding | None) -> bool:
        """Whether ``who`` may ``action`` an activity held as ``holding``, about a deal held as ``deal`` (if one).

        Through the deal only if the role may do that with some activities at all.
        """
        allows = self.permissions.allows
        if allows(who, Entity.ACTIVITY, action, holding):
            return True
        if deal is None or self.permissions.scope(who.role, Entity.ACTIVITY, action) is Scope.NONE:
            return False
        return allows(who, Entity.DEAL, action, deal)

    @staticmethod
    def edited(check: Callable[[], Held], expected_version: int | None, edit: Callable[[int], T]) -> T:
        """Check, then ``edit`` at the version checked (or ``expected_version``, which is the user's to keep).

        Someone else's edit in between sends it round again, checked anew; a stale version the user
        gave is theirs to resolve (ConcurrentEdit, 409).
        """
        for attempt in range(EDIT_ATTEMPTS):
            found = check()
            try:
                return edit(found.version if expected_version is None else expected_version)
            except ConcurrentEdit:
                if expected_version is not None or attempt == EDIT_ATTEMPTS - 1:
                    raise
        raise AssertionError  # pragma: no cover - the loop returns or raises

    def deal(self, who: Actor, deal_id: UUID, action: Action = Action.VIEW) -> Held:
        """A deal ``who`` may ``action``; NotVisible, NotAllowed."""
        return self.subject(who, "deal", deal_id, action)
