"""Acts on deals and activities as REST and the console socket both do them: checked, then recorded.

Each runs off the event loop: the check reads the record from the event store, and the use case
records the act at the version checked (see ``SalesAccess.edited``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from application.complete_activity import complete_activity
from application.move_deal import move_deal
from domain.permissions import Action, Actor
from services.console.accounts import Operator
from services.console.sales_access import SalesAccess

T = TypeVar("T")


async def edit_deal(
    access: SalesAccess, operator: Operator, deal_id: UUID, expected_version: int | None, edit: Callable[[int], T]
) -> T:
    """``edit(version)`` a deal the operator may edit; NotVisible, NotAllowed, ConcurrentEdit."""

    def run() -> T:
        who = access.actor(operator)
        return access.edited(lambda: access.deal(who, deal_id, Action.EDIT), expected_version, edit)

    return await asyncio.to_thread(run)


async def edit_activity(
    access: SalesAccess, operator: Operator, activity_id: UUID, expected_version: int | None, edit: Callable[[int], T]
) -> T:
    """``edit(version)`` an activity the operator may edit; NotVisible, NotAllowed, ConcurrentEdit."""

    def run() -> T:
        who = access.actor(operator)
        return access.edited(lambda: access.activity(who, activity_id, Action.EDIT), expected_version, edit)

    return await asyncio.to_thread(run)


async def acting(access: SalesAccess, operator: Operator) -> Actor:
    """The operator as the permission rule sees them."""
    return await asyncio.to_thread(access.actor, operator)


async def move(  # noqa: PLR0913 - which deal, where, why, who, and the version seen
    access: SalesAccess,
    operator: Operator,
    deal_id: UUID,
    stage_id: UUID,
    reason: str,
    expected_version: int | None,
) -> int:
    """Move a deal to a stage (a lost one with a reason); the deal's version after it."""
    store, by = access.store(), operator.manager_id
    return await edit_deal(
        access, operator, deal_id, expected_version, lambda v: move_deal(store, deal_id, stage_id, by, reason, v)
    )


async def complete(
    access: SalesAccess, operator: Operator, activity_id: UUID, result: str, expected_version: int | None
) -> int:
    """Complete an activity with its result; the activity's version after it."""
    store, by = access.store(), operator.manager_id
    return await edit_activity(
        access, operator, activity_id, expected_version, lambda v: complete_activity(store, activity_id, result, by, v)
    )
