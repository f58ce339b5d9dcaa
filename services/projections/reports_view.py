"""The read models only the reports need: departments, leads' sources, and each lead's handling by operators.

A lead waits from its arrival (or its release back to the queues) until it is assigned; each assignment
is a row of ``lead_handling`` with the queue it waited in, when the manager first answered and when the
lead was closed. Operator metrics are read from those rows.
"""

from __future__ import annotations

from uuid import UUID

from domain.published_event import PublishedEvent
from services.projections.inbox_view import Changes
from services.projections.sales_rows import Handler, clean, moment
from services.tables import Connection


async def apply(conn: Connection, schema: str, event: PublishedEvent, changes: Changes) -> None:
    """Apply one public domain event to the reports' own read models in ``schema``."""
    handler = HANDLERS.get(event.type)
    if handler is not None:
        await handler(conn, schema, event, changes)


async def _team_formed(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    await conn.execute(
        f"INSERT INTO {s}.teams (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",  # noqa: S608
        e.aggregate_id,
        clean(e.data["name"]),
    )


async def _member_added(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    await conn.execute(
        f"INSERT INTO {s}.team_members (team_id, manager_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",  # noqa: S608
        e.aggregate_id,
        UUID(str(e.data["manager_id"])),
    )


async def _lead_created(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    arrived = moment(d.get("arrived_at")) or e.occurred_at
    await conn.execute(
        f"INSERT INTO {s}.lead_sources (lead_id, conversation_id, source, created_at)"  # noqa: S608
        " VALUES ($1, $2, $3, $4) ON CONFLICT (lead_id) DO NOTHING",
        e.aggregate_id,
        UUID(str(d["conversation_id"])),
        clean(d.get("source") or d["channel"]),
        arrived,
    )
    await _waiting(conn, s, e.aggregate_id, arrived)


async def _waiting(conn: Connection, s: str, lead_id: UUID, since: object) -> None:
    await conn.execute(
        f"INSERT INTO {s}.lead_waiting (lead_id, queue, since) VALUES ($1, '', $2) ON CONFLICT DO NOTHING",  # noqa: S608
        lead_id,
        since,
    )


async def _back_to_queues(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    await _waiting(conn, s, e.aggregate_id, e.occurred_at)


async def _queued(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    # It waits since it arrived (or was released), not since it was put in a queue.
    await _waiting(conn, s, e.aggregate_id, e.occurred_at)
    await conn.execute(
        f"UPDATE {s}.lead_waiting SET queue = $2 WHERE lead_id = $1",  # noqa: S608
        e.aggregate_id,
        clean(e.data.get("queue") or ""),
    )


async def _assigned(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    waited = await conn.fetchrow(
        f"DELETE FROM {s}.lead_waiting WHERE lead_id = $1 RETURNING queue, since",  # noqa: S608
        e.aggregate_id,
    )
    await conn.execute(
        f"INSERT INTO {s}.lead_handling (lead_id, notification_id, conversation_id, manager_id, queue, waited_from,"  # noqa: S608
        " assigned_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        e.aggregate_id,
        e.notification_id,
        UUID(str(e.data["conversation_id"])),
        UUID(str(e.data["manager_id"])),
        waited["queue"] if waited else "",
        waited["since"] if waited else e.occurred_at,
        e.occurred_at,
    )


async def _answered(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    await conn.execute(
        f"UPDATE {s}.lead_handling SET first_answer_at = $3"  # noqa: S608
        " WHERE lead_id = $1 AND manager_id = $2 AND first_answer_at IS NULL",
        e.aggregate_id,
        UUID(str(e.data["manager_id"])),
        moment(e.data.get("at")) or e.occurred_at,
    )


async def _closed(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    await conn.execute(f"DELETE FROM {s}.lead_waiting WHERE lead_id = $1", e.aggregate_id)  # noqa: S608
    await conn.execute(
        f"UPDATE {s}.lead_handling SET resolved_at = $2 WHERE lead_id = $1 AND resolved_at IS NULL",  # noqa: S608
        e.aggregate_id,
        e.occurred_at,
    )


HANDLERS: dict[str, Handler] = {
    "Team.Formed": _team_formed,
    "Team.MemberAdded": _member_added,
    "Lead.Created": _lead_created,
    "Lead.Queued": _queued,
    "Lead.Released": _back_to_queues,
    "Lead.Reopened": _back_to_queues,
    "Lead.Assigned": _assigned,
    "Lead.Answered": _answered,
    "Lead.Closed": _closed,
}
