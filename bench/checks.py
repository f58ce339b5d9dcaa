"""What must hold after any crash: nothing lost, nothing doubled, read models equal a rebuild.

Each check reads the event store or the read models directly and says what it found.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import asyncpg

from services.projections.rebuild import REBUILD_SCHEMA, differences, rebuild
from services.projections.schema import LIVE_SCHEMA

EVENTS = "switchboard_events"
_STATE = "convert_from(state, 'UTF8')::jsonb"
R = LIVE_SCHEMA


@dataclass(frozen=True)
class Check:
    """One invariant, what was found, and whether it holds."""

    name: str
    found: str
    ok: bool


async def check_all(pool: asyncpg.Pool, accepted: set[str], sent: set[str]) -> list[Check]:
    """Every check, in the order they are printed."""
    counts = await _event_counts(pool)
    return [
        *(await _nothing_lost(pool, accepted, sent)),
        *(await _no_duplicates_in_store(pool, counts)),
        *(await _no_duplicates_in_read_models(pool, counts)),
        await _equal_to_rebuild(pool),
        *(await _leads_assigned_once(pool, counts)),
        *(await _capacity_held(pool)),
    ]


async def _event_counts(pool: asyncpg.Pool) -> dict[str, tuple[int, int]]:
    rows = await pool.fetch(
        "SELECT substring(topic from '[A-Za-z]+\\.[A-Za-z]+$') AS event, count(*) AS n,"
        f" count(DISTINCT originator_id) AS aggregates FROM {EVENTS} GROUP BY 1"
    )
    return {r["event"]: (r["n"], r["aggregates"]) for r in rows}


async def _nothing_lost(pool: asyncpg.Pool, accepted: set[str], sent: set[str]) -> list[Check]:
    rows = await pool.fetch(
        f"SELECT {_STATE} ->> 'channel_message_id' AS id FROM {EVENTS} WHERE topic LIKE '%Conversation.CustomerWrote'"
    )
    stored = {r["id"] for r in rows}
    lost = accepted - stored
    unknown = stored - sent
    return [
        Check("accepted messages stored", f"{len(accepted)} accepted, {len(accepted & stored)} stored", not lost),
        Check("stored messages were sent", f"{len(stored)} stored, {len(unknown)} never sent", not unknown),
    ]


async def _no_duplicates_in_store(pool: asyncpg.Pool, counts: dict[str, tuple[int, int]]) -> list[Check]:
    doubled = await pool.fetchval(
        f"SELECT count(*) - count(DISTINCT {_STATE} ->> 'channel_message_id') FROM {EVENTS}"
        " WHERE topic LIKE '%Conversation.CustomerWrote'"
    )
    opened = counts.get("Conversation.Opened", (0, 0))[0]
    leads = counts.get("Lead.Created", (0, 0))[0]
    contacts = counts.get("Contact.Registered", (0, 0))[0]
    entries = counts.get("AddressBookEntry.Registered", (0, 0))[0]
    receipts = counts.get("MessageReceipt.Recorded", (0, 0))[0]
    written = (
        counts.get("Conversation.CustomerWrote", (0, 0))[0] + counts.get("Conversation.OperatorReplied", (0, 0))[0]
    )
    return [
        Check("event store: each message once", f"{doubled} messages stored twice", doubled == 0),
        Check(
            "event store: one receipt per message",
            f"{receipts} receipts for {written} messages",
            receipts == written,
        ),
        Check("event store: one lead per conversation", f"{opened} conversations, {leads} leads", opened == leads),
        Check(
            "event store: one contact per address",
            f"{contacts} contacts, {entries} addresses",
            contacts == entries,
        ),
    ]


async def _no_duplicates_in_read_models(pool: asyncpg.Pool, counts: dict[str, tuple[int, int]]) -> list[Check]:
    row = await pool.fetchrow(
        f"SELECT (SELECT count(*) - count(DISTINCT (conversation_id, message_id)) FROM {R}.messages) AS messages,"
        f" (SELECT count(*) FROM {R}.messages) AS message_rows,"
        f" (SELECT count(*) - count(DISTINCT (channel, thread)) FROM {R}.conversations) AS conversations,"
        f" (SELECT count(*) FROM {R}.conversations) AS conversation_rows,"
        f" (SELECT count(*) - count(DISTINCT conversation_id) FROM {R}.assignments) AS assignments,"
        f" (SELECT count(*) FROM {R}.assignments) AS assignment_rows,"
        f" (SELECT count(*) - count(DISTINCT email) FROM {R}.managers) AS managers"
    )
    assert row is not None
    written = (
        counts.get("Conversation.CustomerWrote", (0, 0))[0] + counts.get("Conversation.OperatorReplied", (0, 0))[0]
    )
    opened = counts.get("Conversation.Opened", (0, 0))[0]
    assigned = counts.get("Lead.Assigned", (0, 0))[1]
    return [
        Check(
            "read model messages: no duplicates",
            f"{row['message_rows']} rows for {written} stored, {row['messages']} doubled",
            row["messages"] == 0 and row["message_rows"] == written,
        ),
        Check(
            "read model conversations: no duplicates",
            f"{row['conversation_rows']} rows for {opened} opened, {row['conversations']} doubled",
            row["conversations"] == 0 and row["conversation_rows"] == opened,
        ),
        Check(
            "read model assignments: no duplicates",
            f"{row['assignment_rows']} rows for {assigned} assigned leads, {row['assignments']} doubled",
            row["assignments"] == 0 and row["assignment_rows"] == assigned,
        ),
        Check("read model managers: no duplicates", f"{row['managers']} doubled", row["managers"] == 0),
    ]


async def _equal_to_rebuild(pool: asyncpg.Pool) -> Check:
    position = await rebuild(pool)
    diff = await differences(pool, LIVE_SCHEMA, REBUILD_SCHEMA)
    found = f"rebuilt to notification {position.notification_id}; " + ("equal" if not diff else f"rows differ: {diff}")
    return Check("read models equal a rebuild from the log", found, not diff)


async def _leads_assigned_once(pool: asyncpg.Pool, counts: dict[str, tuple[int, int]]) -> list[Check]:
    """Replayed in log order: a lead is never assigned, or taken by a manager, while someone holds it."""
    assigned_while_held = taken_while_held = 0
    held: dict[str, str] = {}  # lead -> manager, by Lead events
    taken: dict[str, str] = {}  # lead -> manager, by Manager events
    for row in await _history(pool, ("Lead.Assigned", "Lead.Released", "Lead.Closed", "Lead.Reopened")):
        lead, event = row["originator_id"], row["event"]
        if event == "Lead.Assigned":
            assigned_while_held += lead in held
            held[lead] = _key(row["state"]["manager_id"])
        else:
            held.pop(lead, None)
    for row in await _history(pool, ("Manager.LeadTaken", "Manager.LeadReleased")):
        lead = _key(row["state"]["lead_id"])
        if row["event"] == "Manager.LeadTaken":
            taken_while_held += taken.get(lead, row["originator_id"]) != row["originator_id"]
            taken[lead] = row["originator_id"]
        elif taken.get(lead) == row["originator_id"]:
            del taken[lead]
    assigned, leads = counts.get("Lead.Assigned", (0, 0))
    return [
        Check(
            "no lead assigned twice",
            f"{assigned} assignments of {leads} leads, {assigned_while_held} while already held",
            assigned_while_held == 0,
        ),
        Check(
            "no lead held by two managers",
            f"{taken_while_held} taken while another manager held it",
            taken_while_held == 0,
        ),
    ]


async def _capacity_held(pool: asyncpg.Pool) -> list[Check]:
    """Replayed in log order: no manager's open leads ever exceed their capacity at that moment."""
    capacity: dict[str, int] = {}
    open_leads: dict[str, set[str]] = {}
    peak: dict[str, int] = {}
    breaches = 0
    events = ("Manager.Registered", "Manager.CapacityChanged", "Manager.LeadTaken", "Manager.LeadReleased")
    for row in await _history(pool, events):
        manager, event, state = row["originator_id"], row["event"], row["state"]
        leads = open_leads.setdefault(manager, set())
        if event in ("Manager.Registered", "Manager.CapacityChanged"):
            capacity[manager] = int(state["capacity"])
        elif event == "Manager.LeadTaken":
            leads.add(_key(state["lead_id"]))
            breaches += len(leads) > capacity.get(manager, 0)
        else:
            leads.discard(_key(state["lead_id"]))
        peak[manager] = max(peak.get(manager, 0), len(leads))
    loads = ", ".join(f"{peak[m]}/{capacity[m]}" for m in capacity if capacity[m])
    over_read = await pool.fetchval(f"SELECT count(*) FROM {R}.managers WHERE open_leads > capacity")
    return [
        Check("no manager over capacity (event store)", f"peak open leads/capacity: {loads}", breaches == 0),
        Check("no manager over capacity (read model)", f"{over_read} over", over_read == 0),
    ]


async def _history(pool: asyncpg.Pool, events: tuple[str, ...]) -> list[dict[str, Any]]:
    """The given events in log order, with their state decoded."""
    rows = await pool.fetch(
        f"SELECT originator_id::text AS originator_id, substring(topic from '[A-Za-z]+\\.[A-Za-z]+$') AS event,"
        f" {_STATE} AS state FROM {EVENTS} WHERE substring(topic from '[A-Za-z]+\\.[A-Za-z]+$') = ANY($1::text[])"
        " ORDER BY notification_id",
        list(events),
    )
    return [{**dict(r), "state": json.loads(r["state"])} for r in rows]


def _key(value: object) -> str:
    """An id as stored in an event's state (the store's JSON wraps UUIDs in a typed object)."""
    if isinstance(value, dict):
        return str(value.get("_data_", value))
    return str(value)
