"""The router routes a lead an operator handed to a team, when it sees the hand-over on domain-events."""

from __future__ import annotations

import asyncio
import json
from uuid import UUID

import structlog
from aiokafka.structs import ConsumerRecord

from application.event_store import EventStore
from application.route_handed_lead import HANDED_TO_TEAM, route_handed_lead
from services.one_by_one import RECORD_ERRORS
from services.router.outbox import TYPE_HEADER

log = structlog.get_logger()


def handed_leads(records: list[ConsumerRecord[bytes, bytes]]) -> list[UUID]:
    """The leads a batch of domain-events records hands to a team, each once, in order."""
    leads: dict[UUID, None] = {}
    for record in records:
        kind = dict(record.headers).get(TYPE_HEADER)
        if kind is not None and kind.decode(errors="replace") != HANDED_TO_TEAM:
            continue
        try:
            event = json.loads(record.value or b"")
            if event["type"] == HANDED_TO_TEAM:
                leads[UUID(str(event["aggregate_id"]))] = None
        except (ValueError, TypeError, KeyError, RecursionError):
            continue
    return list(leads)


async def route_handed(store: EventStore, records: list[ConsumerRecord[bytes, bytes]]) -> None:
    """Route each lead handed to a team within it.

    A lead its own data keeps from routing is logged and stays unassigned, for an operator to transfer;
    any other error (the database away) is raised, and the batch is read again: routing twice is harmless.
    """
    for lead in handed_leads(records):
        try:
            holder = await asyncio.to_thread(route_handed_lead, store, lead)
        except RECORD_ERRORS:
            log.exception("handed_lead_not_routed", lead_id=str(lead))
            continue
        log.info("handed_lead_routed", lead_id=str(lead), manager_id=str(holder) if holder else None)
