"""The normalized inbound message every connector produces.

This is the published language of the ``inbound`` topic: connectors build it
from their channel's payload, the router consumes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.channels import Channel, ChannelAddress
from domain.errors import InvalidInboundMessage

MAX_TEXT_LENGTH = 65_536
MAX_ID_LENGTH = 256


@dataclass(frozen=True)
class InboundMessage:
    """One message a customer sent through a channel."""

    channel: Channel
    channel_message_id: str
    thread: str
    sender: ChannelAddress
    text: str
    received_at: datetime
    sender_name: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        for name in ("channel_message_id", "thread"):
            value = getattr(self, name)
            if not value or len(value) > MAX_ID_LENGTH:
                msg = f"{name} must be 1..{MAX_ID_LENGTH} characters"
                raise InvalidInboundMessage(msg)
        if len(self.text) > MAX_TEXT_LENGTH:
            msg = f"text is longer than {MAX_TEXT_LENGTH} characters"
            raise InvalidInboundMessage(msg)
        if self.received_at.tzinfo is None:
            msg = "received_at must carry a time zone"
            raise InvalidInboundMessage(msg)
        if self.sender.channel is not self.channel:
            msg = f"sender {self.sender} is not a {self.channel} address"
            raise InvalidInboundMessage(msg)

    @classmethod
    def from_visitor(  # noqa: PLR0913 - the whole of a web-chat message
        cls, visitor: str, message_id: str, text: str, received_at: datetime, source: str = "", sender_name: str = ""
    ) -> InboundMessage:
        """A web-chat message: the visitor is both the thread and the sender; ids are unique per visitor."""
        return cls(
            channel=Channel.WEBCHAT,
            channel_message_id=f"{visitor}/{message_id}",
            thread=visitor,
            sender=ChannelAddress(Channel.WEBCHAT, visitor),
            text=text,
            received_at=received_at,
            sender_name=sender_name,
            source=source,
        )

    @property
    def key(self) -> str:
        """The partition key: one thread stays in one partition, in order."""
        return f"{self.channel}/{self.thread}"

    def to_dict(self) -> dict[str, str]:
        """The message as plain JSON-ready data."""
        return {
            "channel": self.channel.value,
            "channel_message_id": self.channel_message_id,
            "thread": self.thread,
            "sender": str(self.sender),
            "sender_name": self.sender_name,
            "text": self.text,
            "received_at": self.received_at.isoformat(),
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: Any) -> InboundMessage:  # noqa: ANN401 - untrusted input
        """Validate untrusted data into a message, or raise InvalidInboundMessage."""
        if not isinstance(data, dict):
            msg = "an inbound message must be a JSON object"
            raise InvalidInboundMessage(msg)
        fields = {}
        for name in ("channel", "channel_message_id", "thread", "sender", "text", "received_at"):
            value = data.get(name)
            if not isinstance(value, str):
                msg = f"field {name!r} is missing or not a string"
                raise InvalidInboundMessage(msg)
            fields[name] = value
        try:
            channel = Channel(fields["channel"])
        except ValueError:
            msg = f"unknown channel {fields['channel']!r}"
            raise InvalidInboundMessage(msg) from None
        try:
            received_at = datetime.fromisoformat(fields["received_at"])
        except ValueError:
            msg = f"received_at {fields['received_at']!r} is not an ISO 8601 time"
            raise InvalidInboundMessage(msg) from None
        return cls(
            channel=channel,
            channel_message_id=fields["channel_message_id"],
            thread=fields["thread"],
            sender=ChannelAddress.parse(fields["sender"]),
            text=fields["text"],
            received_at=received_at,
            sender_name=str(data.get("sender_name") or ""),
            source=str(data.get("source") or ""),
        )
