"""The router records how each reply's delivery ended, as the channel's sender reported it."""

from __future__ import annotations

import asyncio
import json

import structlog
from aiokafka.structs import ConsumerRecord

from application.event_store import EventStore
from application.record_delivery import record_delivery
from domain.delivery_report import DeliveryReport

log = structlog.get_logger()

CONSUMER = "delivery-reports"


async def record_report(store: EventStore, record: ConsumerRecord[bytes, bytes]) -> None:
    """Record one report on its conversation; a report recorded before changes nothing."""
    report = DeliveryReport.from_dict(json.loads(record.value or b""))
    await asyncio.to_thread(
        record_delivery, store, report.conversation_id, report.reply_id, report.outcome, report.detail
    )
    log.info(
        "delivery_recorded",
        conversation_id=str(report.conversation_id),
        reply_id=str(report.reply_id),
        outcome=report.outcome.value,
    )
