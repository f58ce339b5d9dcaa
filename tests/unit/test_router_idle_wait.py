"""How soon an idle router reads a new inbound message: its poll and its pause after an empty one."""

from __future__ import annotations

from pydantic import SecretStr

from services.router.service import build_broker
from services.settings import Settings
from services.topics import Topics


def test_the_inbound_subscriber_waits_no_longer_than_the_configured_idle_wait() -> None:
    settings = Settings(secret_key=SecretStr("k" * 32), router_idle_wait_ms=7)
    inbound = Topics.named(settings.topic_prefix).inbound
    broker = build_broker(settings, None, None)  # type: ignore[arg-type] # nothing is connected or stored
    by_topic = {topic.name: s for s in broker.subscribers for topic in getattr(s, "topics", ())}
    # An empty poll is followed by a pause as long as the poll: both are the idle wait.
    assert getattr(by_topic[inbound], "batch_timeout_ms", None) == 7
