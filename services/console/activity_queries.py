"""Reading activities and timelines: lists filtered in SQL by who may see them, a page at a time.

An activity is visible to whoever may see its responsible manager's activities, and one about a
deal also to whoever may see that deal (unless their role sees no activities at all).
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from services.console.paging import Page
from services.console.sales_queries import EPOCH, Query, S, Visible, plain
from services.projections import timeline_deals, timeline_messages

_ACTIVITY = (
    "SELECT a.id, a.kind, a.call_back, a.title, a.description, a.subject_kind, a.subject_id, a.responsible_id,"  # noqa: S608
    " a.due_at, a.remind_at, a.reminder_fired_at, a.done, a.done_at, a.result, a.scheduled_at, a.scheduled_by,"
    f" a.version, a.call FROM {S}.scheduled_activities a"
)


class ActivityState(enum.StrEnum):
    """Which activities a list shows."""

    OPEN = "open"  # not done, those due soonest first, then those with no due time
    DUE = "due"  # not done and with a due time
    OVERDUE = "overdue"  # not done, and due before now
    DONE = "done"  # done, the latest first
    ALL = "all"


_STATES = {
    ActivityState.OPEN: "NOT a.done",
    ActivityState.DUE: "NOT a.done AND a.due_at IS NOT NULL",
    ActivityState.OVERDUE: "NOT a.done AND a.due_at < now()",
    ActivityState.DONE: "a.done",
    ActivityState.ALL: "true",
}


@dataclass(frozen=True)
class ActivityFilter:
    """Which activities a list shows besides the role's scope."""

    state: ActivityState = ActivityState.OPEN
    responsible_id: UUID | None = None
    subject: tuple[str, UUID] | None = None


def _visible(query: Query, activities: Visible, deals: Visible) -> str:
    if activities.nothing:
        return "false"
    if activities.holders is None:
        return "true"
    own = query.visible(activities, "a.responsible_id")
    through_deal = query.visible(deals, "d.responsible_id", "d.observers")
    return (
        f"({own} OR (a.subject_kind = 'deal' AND EXISTS"  # noqa: S608 - fixed schema
        f" (SELECT 1 FROM {S}.deals d WHERE d.id = a.subject_id AND {through_deal})))"
    )


async def activities(
    pool: asyncpg.Pool, seen: tuple[Visible, Visible], page: Page, only: ActivityFilter
) -> tuple[list[dict[str, Any]], str | None]:
    """The activities visible by ``seen`` (the activity rule's, the deal rule's) that match ``only``."""
    query = Query()
    query.where(_visible(query, *seen))
    query.where(_STATES[only.state])
    if only.responsible_id is not None:
        query.where(f"a.responsible_id = {query.arg(only.responsible_id)}")
    if only.subject is not None:
        query.where(f"a.subject_kind = {query.arg(only.subject[0])} AND a.subject_id = {query.arg(only.subject[1])}")
    if only.state is ActivityState.DONE:
        if page.after is not None:
            query.where(f"(a.done_at, a.id) < ({query.arg(page.after[0])}, {query.arg(page.after[1])})")
        order = "a.done_at DESC, a.id DESC"
    else:
        key = "((a.due_at IS NULL)::int, coalesce(a.due_at, 'epoch'::timestamptz), a.id)"
        if page.after is not None:
            query.where(f"{key} > ({', '.join(query.arg(part) for part in page.after)})")
        order = key
    rows = await pool.fetch(f"{_ACTIVITY}{query.clause} ORDER BY {order} LIMIT {page.limit + 1}", *query.args)
    if only.state is ActivityState.DONE:
        given, cursor = page.of(rows, lambda r: (r["done_at"], r["id"]))
    else:
        given, cursor = page.of(rows, lambda r: (int(r["due_at"] is None), r["due_at"] or EPOCH, r["id"]))
    return [_activity(r) for r in given], cursor


def _activity(row: asyncpg.Record) -> dict[str, Any]:
    """An activity as JSON-ready data; ``call``: what the line reported of a call's call, else null."""
    shown = plain(row)
    shown["call"] = json.loads(row["call"]) if row["call"] is not None else None
    return shown


async def activity(pool: asyncpg.Pool, activity_id: UUID) -> dict[str, Any] | None:
    """One activity, or None (callers check who may see it)."""
    row = await pool.fetchrow(f"{_ACTIVITY} WHERE a.id = $1", activity_id)
    return None if row is None else _activity(row)


async def activities_by_id(pool: asyncpg.Pool, ids: list[UUID]) -> list[dict[str, Any]]:
    """Activities by id, unfiltered: callers filter per user."""
    return [_activity(r) for r in await pool.fetch(f"{_ACTIVITY} WHERE a.id = ANY($1::uuid[])", ids)]


async def timeline(
    pool: asyncpg.Pool, subject_kind: str, subject_id: UUID, page: Page
) -> tuple[list[dict[str, Any]], str | None]:
    """What happened with a record, in the order it happened (callers check who may see the record).

    The entries stored for it, the messages of its conversations (``timeline_messages``) and what its
    deals show of theirs (``timeline_deals``): each side read in order up to the page's size, then merged.
    """
    query = Query()
    kind, record = query.arg(subject_kind), query.arg(subject_id)
    after = "('-infinity'::timestamptz, 0::bigint)"
    if page.after is not None:
        after = f"({query.arg(page.after[0])}::timestamptz, {query.arg(page.after[1])}::bigint)"
    limit = f"LIMIT {page.limit + 1}"
    stored = (
        f"SELECT notification_id, at, kind, summary FROM {S}.timeline"  # noqa: S608 - fixed schema
        f" WHERE subject_kind = {kind} AND subject_id = {record}"
    )
    sides = [f"{stored} AND (at, notification_id) > {after} ORDER BY at, notification_id {limit}"]
    for read_through in (timeline_messages, timeline_deals):
        side = read_through.entries(S, subject_kind, record, after, page.limit + 1)
        if side is not None:
            sides.append(side)
    union = " UNION ALL ".join(f"({side})" for side in sides)
    merged = f"SELECT * FROM ({union}) AS entries ORDER BY at, notification_id {limit}"  # noqa: S608 - fixed names
    rows = await pool.fetch(merged, *query.args)
    given, cursor = page.of(rows, lambda r: (r["at"], r["notification_id"]))
    return [{**plain(r), "summary": json.loads(r["summary"])} for r in given], cursor
