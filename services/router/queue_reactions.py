"""The router drains queues when the log shows a place opened: a work day started, a lead released, ...

Other processes record what their users do (an operator starts the work day, closes a
conversation); the routing decision that follows is the router's, taken here from the
domain-events topic. A batch's drains are merged, so a burst of changes drains each queue once.
"""

from __future__ import annotations

import asyncio
import json
from uuid import UUID

import structlog
from aiokafka.structs import ConsumerRecord

from application.event_store import EventStore
from application.queue_draining import DRAINING_EVENTS, Drain, drain, drain_after
from services.one_by_one import RECORD_ERRORS
from services.router.handed_leads import route_handed
from services.router.outbox import TYPE_HEADER

log = structlog.get_logger()

CONSUMER = "router-reactions"


def drains_of(records: list[ConsumerRecord[bytes, bytes]]) -> list[Drain]:
    """The distinct drains a batch of domain-events records calls for, in order of first appearance.

    A record that is not a published event is no call for a drain: the projections set such a
    record aside, and nothing here depends on it.
    """
    wanted: dict[Drain, None] = {}
    for record in records:
        kind = dict(record.headers).get(TYPE_HEADER)
        if kind is not None and kind.decode(errors="replace") not in DRAINING_EVENTS:
            continue  # most events open no place: not worth decoding
        try:
            event = json.loads(record.value or b"")
            found = drain_after(str(event["type"]), UUID(str(event["aggregate_id"])))
        except (ValueError, TypeError, KeyError, RecursionError):
            continue
        if found is not None:
            wanted[found] = None
    return list(wanted)


async def react(store: EventStore, records: list[ConsumerRecord[bytes, bytes]]) -> None:
    """Route the leads handed to a team, then drain every queue the batch's events opened a place in."""
    await route_handed(store, records)
    for wanted in drains_of(records):
        manager = str(wanted.manager_id) if wanted.manager_id else None
        try:
            assigned = await asyncio.to_thread(drain, store, wanted)
        except RECORD_ERRORS:
            # A queue that cannot be drained now is drained by the next place that opens in it.
            log.exception("queue_drain_failed", manager_id=manager, rule_teams=wanted.rule_teams)
            continue
        if assigned:
            log.info("queue_drained", manager_id=manager, rule_teams=wanted.rule_teams, assigned=assigned)
