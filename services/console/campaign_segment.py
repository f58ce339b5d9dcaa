"""The contacts a campaign goes to: those the contacts list would show for the filters, that the sender may edit.

Who may mail whom is the permission rule's: a campaign goes only to contacts the sender's role may
edit (a manager their own, a head their department's, a director and an admin everyone's). Contacts
without an e-mail are left out; one who unsubscribed is left out when their mail would go.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import UUID

import asyncpg

from domain.permissions import Action, Actor, Entity, Permissions, Scope
from services.bulk_mail import Recipient
from services.console.paging import MAX_PAGE, Page, decode
from services.console.people_queries import PeopleFilter, contacts
from services.console.sales_queries import BY_TIME, Visible


def may_mail(permissions: Permissions, who: Actor) -> Visible:
    """The contacts ``who`` may send campaign mail to: those their role may edit."""
    if permissions.scope(who.role, Entity.CONTACT, Action.EDIT) is Scope.NONE:
        return Visible(who.user_id, (), observed=False)
    holders = permissions.visible_holders(who, Entity.CONTACT, Action.EDIT)
    return Visible(who.user_id, None if holders is None else tuple(sorted(holders)), observed=True)


async def segment_pages(
    pool: asyncpg.Pool, permissions: Permissions, who: Actor, only: PeopleFilter
) -> AsyncIterator[list[Recipient]]:
    """Every contact matching ``only`` that ``who`` may mail, with its first e-mail, a page of the list at a time.

    A page at a time, so that a campaign to any number of contacts holds only one page in memory.
    """
    seen = may_mail(permissions, who)
    cursor: str | None = None
    while True:
        page = Page(MAX_PAGE, None if cursor is None else decode(cursor, BY_TIME))
        listed, cursor = await contacts(pool, seen, page, only)
        yield [
            Recipient(UUID(str(c["id"])), c["emails"][0], c["name"], (c["company"] or {}).get("name") or "")
            for c in listed
            if c["emails"]
        ]
        if cursor is None:
            return


async def segment(pool: asyncpg.Pool, permissions: Permissions, who: Actor, only: PeopleFilter) -> list[Recipient]:
    """Every contact matching ``only`` that ``who`` may mail, with its first e-mail, in one list."""
    return [recipient async for page in segment_pages(pool, permissions, who, only) for recipient in page]
