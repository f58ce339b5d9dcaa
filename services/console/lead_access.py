"""Which leads an operator may look into, by where each lead stands now.

The rule is the one every list and record of leads follows (``Permissions.allows`` over the lead's
``Holding``): a manager sees a lead they hold or that is on offer to them now, not one they once
held; a head sees the leads of the teams they head (held or offered by a member, or waiting in the
team's queue; a lead with no place, new or closed, belongs to the default team); directors and
admins see every lead. What may not be seen is answered like what does not exist.
"""

from __future__ import annotations

from uuid import UUID

from application.departments import actor
from application.event_store import EventStore
from application.record_holding import held
from domain.permissions import DEFAULT_PERMISSIONS, Action, Entity, Role
from services.console.accounts import Operator


def lead_visible(store: EventStore, operator: Operator, lead_id: UUID) -> bool:
    """Whether ``lead_id`` is a lead and ``operator`` may see it now (blocking: call it from a thread)."""
    found = held(store, "lead", lead_id)
    if found is None:
        return False
    who = actor(store, operator.manager_id, Role(operator.role.value))
    return DEFAULT_PERMISSIONS.allows(who, Entity.LEAD, Action.VIEW, found.holding)
