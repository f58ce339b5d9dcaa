"""The telephone lines in the ingest process: each configured line's webhook, publishing call events.

The routes join the messengers' webhook server (``webhooks_port``); nothing is served for calls
when no line is configured. Each event is published to the calls topic with ``acks=all`` before
the provider is answered 200.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from connectors.calls.endpoint import CallWebhooks, Line
from domain.call_event import CallEvent
from services.ingest.messenger_parts import Messenger
from services.settings import Settings

PublishCall = Callable[[CallEvent], Awaitable[None]]


def call_lines(settings: Settings, publish: PublishCall) -> list[Messenger]:
    """The webhook routes of every configured line; none when no line is configured."""
    if not settings.call_lines:
        return []
    lines = {
        line.name: Line(line.name, line.provider, line.secret.get_secret_value(), line.webhook_url)
        for line in settings.call_lines
    }
    webhooks = CallWebhooks(
        lines,
        publish,
        max_body_bytes=settings.call_max_body_bytes,
        max_age_seconds=settings.call_max_age_seconds,
        default_region=settings.default_phone_region,
    )
    return [Messenger("calls", routes=list(webhooks.routes()))]
