"""The read models only the reports need: departments, leads' sources, and each lead's handling by operators.

A lead waits from its arrival (or its release back to the queues) until it is assigned; each assignment
is a row of ``lead_handling`` with the queue it waited in, when the manager first answered and when the
lead was closed, and when the same manager's latest earlier lead of the conversation in that queue that
was answered too was assigned (so a period's answered conversations are counted without telling them
apart). Operator metrics are read from those rows.
"""

from __future__ import annotations

from datetime import datetime
from operator import itemgetter
from uuid import UUID

from domain.published_event import PublishedEvent
from services.projections.inbox_view import Changes
from services.projections.rows import Row, Rows
from services.projections.sales_rows import Handler, clean, moment


async def _team_formed(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    await rows.insert("teams", rows.new_row("teams", id=e.aggregate_id, name=clean(e.data["name"])))


async def _member_added(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    member = rows.new_row("team_members", team_id=e.aggregate_id, manager_id=UUID(str(e.data["manager_id"])))
    await rows.insert("team_members", member)


async def _lead_created(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    arrived = moment(d.get("arrived_at")) or e.occurred_at
    source = rows.new_row(
        "lead_sources",
        lead_id=e.aggregate_id,
        conversation_id=UUID(str(d["conversation_id"])),
        source=clean(d.get("source") or d["channel"]),
        created_at=arrived,
    )
    await rows.insert("lead_sources", source)
    await _waiting(rows, e.aggregate_id, arrived)


async def _waiting(rows: Rows, lead_id: UUID, since: datetime) -> None:
    await rows.insert("lead_waiting", rows.new_row("lead_waiting", lead_id=lead_id, queue="", since=since))


async def _back_to_queues(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    await _waiting(rows, e.aggregate_id, e.occurred_at)


async def _queued(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    # It waits since it arrived (or was released), not since it was put in a queue.
    await _waiting(rows, e.aggregate_id, e.occurred_at)
    await rows.update("lead_waiting", e.aggregate_id, queue=clean(e.data.get("queue") or ""))


async def _assigned(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    waited = await rows.delete("lead_waiting", e.aggregate_id)
    handling = rows.new_row(
        "lead_handling",
        lead_id=e.aggregate_id,
        notification_id=e.notification_id,
        conversation_id=UUID(str(e.data["conversation_id"])),
        manager_id=UUID(str(e.data["manager_id"])),
        queue=waited["queue"] if waited else "",
        waited_from=waited["since"] if waited else e.occurred_at,
        assigned_at=e.occurred_at,
    )
    await rows.insert("lead_handling", handling, fresh=True)


async def _answered(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    manager = UUID(str(e.data["manager_id"]))
    at = moment(e.data.get("at")) or e.occurred_at
    for handling in await rows.where("lead_handling", ("lead_id",), e.aggregate_id):
        if handling["manager_id"] == manager and handling["first_answer_at"] is None:
            await _answered_earlier(rows, rows.replace("lead_handling", handling, first_answer_at=at))


async def _answered_earlier(rows: Rows, answered: Row) -> None:
    """Link each answered lead of ``answered``'s conversation, manager and queue to the one answered before it.

    Leads are answered in any order, so the whole chain (a handful of leads) is worked out again.
    """
    chain = sorted(
        (
            h
            for h in await rows.where("lead_handling", ("conversation_id",), answered["conversation_id"])
            if h["first_answer_at"] is not None
            and (h["manager_id"], h["queue"]) == (answered["manager_id"], answered["queue"])
        ),
        key=itemgetter("assigned_at", "lead_id", "notification_id"),
    )
    earlier = None
    for handling in chain:
        if handling["answered_earlier_at"] != earlier:
            rows.replace("lead_handling", handling, answered_earlier_at=earlier)
        earlier = handling["assigned_at"]


async def _closed(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    await rows.delete("lead_waiting", e.aggregate_id)
    for handling in await rows.where("lead_handling", ("lead_id",), e.aggregate_id):
        if handling["resolved_at"] is None:
            rows.replace("lead_handling", handling, resolved_at=e.occurred_at)


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
