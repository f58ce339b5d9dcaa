"""The router follows up calls whose lead waited in a queue, once the log shows the lead was given a manager.

A new caller's lead that nobody could take (outside hours, nobody at work) holds its calls; the
``Lead.Assigned`` that routing records later, read here from the domain-events topic, makes the
calls' activity and call-back task its manager's.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from uuid import UUID

import structlog
from aiokafka.structs import ConsumerRecord

from application.event_store import EventStore
from application.follow_up_waiting_calls import follow_up_waiting_calls, leads_with_waiting_calls
from domain.call_lines import CallLine
from services.one_by_one import RECORD_ERRORS
from services.router.outbox import TYPE_HEADER

log = structlog.get_logger()

CONSUMER = "call-reactions"
ASSIGNED = "Lead.Assigned"


def assigned_leads(records: list[ConsumerRecord[bytes, bytes]]) -> list[UUID]:
    """The leads the batch's events gave a manager, each once, in order."""
    leads: dict[UUID, None] = {}
    for record in records:
        kind = dict(record.headers).get(TYPE_HEADER)
        if kind is not None and kind.decode(errors="replace") != ASSIGNED:
            continue  # not worth decoding
        try:
            event = json.loads(record.value or b"")
            if event["type"] == ASSIGNED:
                leads[UUID(str(event["aggregate_id"]))] = None
        except (ValueError, TypeError, KeyError, RecursionError):
            continue
    return list(leads)


async def react(store: EventStore, lines: Mapping[str, CallLine], records: list[ConsumerRecord[bytes, bytes]]) -> None:
    """Follow up the waiting calls of every lead the batch gave a manager."""
    assigned = assigned_leads(records)
    if not assigned:
        return
    for lead in await asyncio.to_thread(leads_with_waiting_calls, store, assigned):
        try:
            followed = await asyncio.to_thread(follow_up_waiting_calls, store, lead, lines)
        except RECORD_ERRORS:
            # The calls stay waiting, recorded on their contact and lead; the next assignment tries again.
            log.exception("waiting_calls_failed", lead_id=str(lead))
            continue
        if followed:
            log.info("waiting_calls_followed_up", lead_id=str(lead), call_ids=[str(c) for c in followed])
