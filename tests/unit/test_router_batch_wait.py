"""The router's batch subscribers ask Kafka again soon after a quiet spell, so a lone message is not held back."""

from __future__ import annotations

from typing import Any, cast

from application.event_store import EventStore
from services.router.service import build_broker
from services.settings import Settings


def test_every_batch_subscriber_waits_at_most_fifty_milliseconds_for_records() -> None:
    # faststream sleeps as long again when a wait brings nothing: a message arriving then waits both.
    store = EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    broker = build_broker(Settings(), store, cast("Any", None))
    waits = [cast("Any", subscriber).batch_timeout_ms for subscriber in broker.subscribers]
    assert len(waits) == 5
    assert max(waits) <= 50
