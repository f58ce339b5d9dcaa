"""The router records what telephone lines report of calls: each fact once, whatever the order.

Which manager a call goes to is a routing decision, so it is the router's: a new customer's lead is
routed by the rules, a known customer's call goes to their responsible manager, a missed call's
call-back task to whoever is responsible, due when the line next opens.
"""

from __future__ import annotations

import asyncio
import json

import structlog
from aiokafka.structs import ConsumerRecord

from application.event_store import EventStore
from application.record_call import record_call
from domain.call_event import CallEvent
from domain.call_lines import CallLine
from domain.identities import manager_id
from services.settings import CallLineSettings, Settings

log = structlog.get_logger()

CONSUMER = "calls"


def call_lines(settings: Settings) -> dict[str, CallLine]:
    """Every configured line as the router decides by it: hours, extensions' managers, the fallback manager."""
    return {line.name: _line(line) for line in settings.call_lines}


def _line(line: CallLineSettings) -> CallLine:
    return CallLine(
        line.name,
        line.working_hours(),
        {extension: manager_id(email) for extension, email in line.extensions.items()},
        manager_id(line.fallback_manager) if line.fallback_manager else None,
    )


async def record_call_event(
    store: EventStore, lines: dict[str, CallLine], record: ConsumerRecord[bytes, bytes]
) -> None:
    """Record one call event; one recorded before changes nothing."""
    event = CallEvent.from_dict(json.loads(record.value or b""))
    # A line no longer configured still has its calls recorded: always open, nobody by extension.
    line = lines.get(event.line) or CallLine(event.line)
    recorded = await asyncio.to_thread(record_call, store, event, line)
    log.info(
        "call_recorded",
        line=event.line,
        call_id=event.call_id,
        kind=event.kind.value,
        outcome=recorded.outcome.value,
        contact_id=str(recorded.contact_id) if recorded.contact_id else None,
        lead_id=str(recorded.lead_id) if recorded.lead_id else None,
        responsible_id=str(recorded.responsible_id) if recorded.responsible_id else None,
        call_back_id=str(recorded.call_back_id) if recorded.call_back_id else None,
        call_backs_done=[str(t) for t in recorded.call_backs_done],
    )
