"""What of a stored event the outbox relay puts on the outbound topic, typed."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from structlog.testing import capture_logs

from domain.channels import Channel, ChannelAddress
from domain.outbound import InvalidOutboundMessage, OutboundReply, QueuePosition
from domain.published_event import PublishedEvent
from services.router.outbox import _notice, for_the_customer

CONVERSATION = "5f0c6c1e-0000-4000-8000-000000000001"
LEAD = "5f0c6c1e-0000-4000-8000-000000000009"


def replied(**data: Any) -> PublishedEvent:
    fields = {
        "reply_id": "5f0c6c1e-0000-4000-8000-000000000002",
        "manager_id": "5f0c6c1e-0000-4000-8000-000000000003",
        "text": "It ships today.",
        "sent_at": "2025-03-01T09:30:00+00:00",
        "channel": "webchat",
        "address": "webchat:v1",
        "source": "",
        "subject": "",
        "in_reply_to": "v1/m1",
        "references": ["v1/m1"],
        **data,
    }
    return event("Conversation.OperatorReplied", CONVERSATION, fields)


def event(kind: str, aggregate_id: str, data: dict[str, Any]) -> PublishedEvent:
    at = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    return PublishedEvent(
        notification_id=7, type=kind, aggregate_id=UUID(aggregate_id), version=2, occurred_at=at, data=data
    )


def test_a_reply_goes_out_typed_with_its_conversation() -> None:
    notice = for_the_customer(replied())
    assert isinstance(notice, OutboundReply)
    assert notice.conversation_id == UUID(CONVERSATION)
    assert notice.address == ChannelAddress(Channel.WEBCHAT, "v1")
    assert notice.to_dict()["kind"] == "reply"


def test_a_queued_lead_tells_its_conversation_its_place() -> None:
    queued = event("Lead.Queued", LEAD, {"conversation_id": CONVERSATION, "queue": None, "position": 3, "reasons": {}})
    assert for_the_customer(queued) == QueuePosition(UUID(CONVERSATION), 3)


def test_other_events_send_nothing() -> None:
    assert for_the_customer(event("Lead.Assigned", LEAD, {"conversation_id": CONVERSATION})) is None


def test_a_reply_no_channel_could_deliver_is_kept_back_and_logged_with_its_ids() -> None:
    broken = replied(address="email:anna@example.com")
    refused = re.escape("'address' email:anna@example.com is not an address in webchat")
    with pytest.raises(InvalidOutboundMessage, match=refused):
        for_the_customer(broken)
    with capture_logs() as logs:
        assert _notice(broken) is None
    (logged,) = logs
    assert (logged["event"], logged["notification_id"], logged["aggregate_id"]) == (
        "outbound_withheld",
        7,
        CONVERSATION,
    )
