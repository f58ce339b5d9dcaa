"""The router's inbound subscriber asks Kafka again soon after a quiet spell, so a lone message is not held back."""

from __future__ import annotations

from typing import Any, cast

from application.event_store import EventStore
from services.router.service import build_broker
from services.settings import Settings


def test_the_inbound_subscriber_waits_at_most_fifty_milliseconds_for_records() -> None:
    # faststream sleeps as long again when a wait brings nothing: a message arriving then waits both.
    store = EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    broker = build_broker(Settings(), store, cast("Any", None))
    subscribers: list[Any] = list(broker.subscribers)
    waits = {str(s.topics[0].name): s.batch_timeout_ms for s in subscribers}
    assert waits[f"{Settings().topic_prefix}.inbound"] <= 50
