"""What goes out to a customer's channel: operators' replies, and a waiting customer's place in the queue.

This is the published language of the ``outbound`` topic: the outbox relay builds these from stored
events, the widget connector and the mail reply queue read them. On the wire each is a JSON object
whose ``kind`` says which it is (``"reply"`` or ``"queue_position"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from domain.attachments import MAX_ATTACHMENTS, Attachment
from domain.channels import MAX_ADDRESS_LENGTH, Channel, ChannelAddress
from domain.errors import DomainError, InvalidInboundMessage
from domain.inbound import MAX_ID_LENGTH, MAX_NAME_LENGTH, MAX_REFERENCES, MAX_SUBJECT_LENGTH
from domain.text import InvalidText, TextKind, checked_text

REPLY = "reply"
QUEUE_POSITION = "queue_position"
# Only a sanity bound: the console limits what an operator writes, and a reply already stored is not
# refused downstream for its length; no record of the topic holds more than a MiB anyway.
MAX_REPLY_TEXT = 1024 * 1024
_MAX_POSITION = 2**31 - 1  # far past any real queue; keeps an absurd number from reaching a visitor
_MAX_WRITTEN_ADDRESS = MAX_ADDRESS_LENGTH + 16  # "channel:" before the address itself


class InvalidOutboundMessage(DomainError, ValueError):
    """A record of the outbound topic is malformed; the message names the field and the problem."""


@dataclass(frozen=True)
class OutboundReply:
    """An operator's reply, with where and how the customer's channel must deliver it."""

    kind: ClassVar[str] = REPLY
    conversation_id: UUID
    reply_id: UUID
    manager_id: UUID
    channel: Channel
    address: ChannelAddress
    text: str
    sent_at: datetime
    source: str = ""  # the mailbox or widget the conversation came in by, which the reply goes out of
    subject: str = ""
    # The customer's message this one answers, and the thread's ids: what a mail client threads by.
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    # Files the operator sent with the reply, by content hash in the attachment store.
    attachments: tuple[Attachment, ...] = ()
    operator_name: str = ""  # who answers, as a web-chat visitor sees them; other channels leave it out

    def __post_init__(self) -> None:
        _text("text", self.text, MAX_REPLY_TEXT, TextKind.TEXT, required=False)
        _text("operator_name", self.operator_name, MAX_NAME_LENGTH, TextKind.LINE, required=False)
        if len(self.attachments) > MAX_ATTACHMENTS:
            msg = f"'attachments' must hold at most {MAX_ATTACHMENTS} files"
            raise InvalidOutboundMessage(msg)
        _text("source", self.source, MAX_NAME_LENGTH, TextKind.LINE, required=False)
        _text("subject", self.subject, MAX_SUBJECT_LENGTH, TextKind.LINE, required=False)
        _text("in_reply_to", self.in_reply_to, MAX_ID_LENGTH, TextKind.IDENTIFIER, required=False)
        if len(self.references) > MAX_REFERENCES:
            msg = f"'references' must hold at most {MAX_REFERENCES} ids"
            raise InvalidOutboundMessage(msg)
        for index, reference in enumerate(self.references):
            _text(f"references[{index}]", reference, MAX_ID_LENGTH, TextKind.IDENTIFIER)
        if self.address.channel is not self.channel:
            msg = f"'address' {self.address} is not an address in {self.channel}"
            raise InvalidOutboundMessage(msg)
        if self.sent_at.tzinfo is None:
            msg = "'sent_at' must carry a time zone"
            raise InvalidOutboundMessage(msg)

    def to_dict(self) -> dict[str, Any]:
        """The reply as plain JSON-ready data, as the outbound topic carries it."""
        return {
            "kind": REPLY,
            "conversation_id": str(self.conversation_id),
            "reply_id": str(self.reply_id),
            "manager_id": str(self.manager_id),
            "channel": self.channel.value,
            "address": str(self.address),
            "text": self.text,
            "sent_at": self.sent_at.isoformat(),
            "source": self.source,
            "subject": self.subject,
            "in_reply_to": self.in_reply_to,
            "references": list(self.references),
            **({"attachments": [a.to_dict() for a in self.attachments]} if self.attachments else {}),
            # Left out when empty, so a record reads as it always has where no name is known.
            **({"operator_name": self.operator_name} if self.operator_name else {}),
        }

    @classmethod
    def from_dict(cls, data: Any) -> OutboundReply:  # noqa: ANN401 - untrusted input
        """Validate untrusted data into a reply, or raise InvalidOutboundMessage naming the field."""
        _kind(data, REPLY)
        reply_id = _uuid(data, "reply_id")
        conversation_id = _uuid(data, "conversation_id")
        manager_id = _uuid(data, "manager_id")
        channel = _channel(data)
        address = _address(data)
        text = data.get("text")
        if not isinstance(text, str):
            msg = f"'text' must be a string, not {_shown(text)}"
            raise InvalidOutboundMessage(msg)
        return cls(
            conversation_id=conversation_id,
            reply_id=reply_id,
            manager_id=manager_id,
            channel=channel,
            address=address,
            # A reply stored before the console checked its text may hold NUL or a lone surrogate, which
            # no channel can carry; the customer still gets the words around them rather than nothing.
            text=text.encode("utf-8", "replace").decode("utf-8").replace("\x00", ""),
            sent_at=_time(data, "sent_at"),
            source=_optional(data, "source"),
            subject=_optional(data, "subject"),
            in_reply_to=_optional(data, "in_reply_to"),
            references=_strings(data, "references"),
            attachments=_attachments(data),
            operator_name=_optional(data, "operator_name"),
        )


@dataclass(frozen=True)
class QueuePosition:
    """Nobody is free to answer yet: where the customer's conversation stands in the queue, counted from 1."""

    kind: ClassVar[str] = QUEUE_POSITION
    conversation_id: UUID
    position: int

    def __post_init__(self) -> None:
        if isinstance(self.position, bool) or not isinstance(self.position, int):
            msg = "'position' must be a whole number"
            raise InvalidOutboundMessage(msg)
        if not 1 <= self.position <= _MAX_POSITION:
            msg = f"'position' must be between 1 and {_MAX_POSITION}, not {self.position}"
            raise InvalidOutboundMessage(msg)

    def to_dict(self) -> dict[str, Any]:
        """The notice as plain JSON-ready data, as the outbound topic carries it."""
        return {"kind": QUEUE_POSITION, "conversation_id": str(self.conversation_id), "position": self.position}

    @classmethod
    def from_dict(cls, data: Any) -> QueuePosition:  # noqa: ANN401 - untrusted input
        """Validate untrusted data into a queue notice, or raise InvalidOutboundMessage naming the field."""
        _kind(data, QUEUE_POSITION)
        return cls(conversation_id=_uuid(data, "conversation_id"), position=data.get("position"))


OutboundMessage = OutboundReply | QueuePosition
_KINDS: dict[str, type[OutboundMessage]] = {message.kind: message for message in (OutboundReply, QueuePosition)}


def outbound_from_dict(data: Any) -> OutboundMessage:  # noqa: ANN401 - untrusted input
    """Read either kind of outbound record by its ``kind``, or raise InvalidOutboundMessage naming the field."""
    _object(data)
    kind = data.get("kind")
    message = _KINDS.get(kind) if isinstance(kind, str) else None
    if message is None:
        msg = f"'kind' must be one of {', '.join(map(repr, _KINDS))}, not {_shown(kind)}"
        raise InvalidOutboundMessage(msg)
    return message.from_dict(data)


def bound_for(data: object) -> Channel | None:
    """The channel a record is a reply for, read before anything else of it is checked; None if it names none.

    Each channel's consumer checks, and sets aside, only the records bound for it or naming no channel:
    a reply malformed for one channel is one dead letter, not one in every consumer of the topic.
    """
    if not isinstance(data, dict) or data.get("kind") != REPLY:
        return None
    return _known_channel(data.get("channel"))


def _object(data: object) -> None:
    if not isinstance(data, dict):
        msg = "an outbound message must be a JSON object"
        raise InvalidOutboundMessage(msg)


def _kind(data: object, kind: str) -> None:
    _object(data)
    assert isinstance(data, dict)
    if data.get("kind") != kind:
        msg = f"'kind' must be {kind!r}, not {_shown(data.get('kind'))}"
        raise InvalidOutboundMessage(msg)


def _text(field: str, value: object, max_length: int, kind: TextKind, *, required: bool = True) -> str:
    """``value`` checked by the one text rule, refused as InvalidOutboundMessage."""
    try:
        return checked_text(field, value, max_length=max_length, kind=kind, required=required)
    except InvalidText as invalid:
        raise InvalidOutboundMessage(str(invalid)) from invalid


def _uuid(data: dict[str, Any], field: str) -> UUID:
    value = _text(field, data.get(field), 36, TextKind.IDENTIFIER)
    try:
        return UUID(value)
    except ValueError:
        msg = f"'{field}' {value!r} is not a UUID"
        raise InvalidOutboundMessage(msg) from None


def _channel(data: dict[str, Any]) -> Channel:
    value = data.get("channel")
    channel = _known_channel(value)
    if channel is None:
        msg = f"'channel' must be one of {', '.join(Channel)}, not {_shown(value)}"
        raise InvalidOutboundMessage(msg)
    return channel


def _known_channel(value: object) -> Channel | None:
    try:
        return Channel(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _address(data: dict[str, Any]) -> ChannelAddress:
    value = _text("address", data.get("address"), _MAX_WRITTEN_ADDRESS, TextKind.IDENTIFIER)
    try:
        return ChannelAddress.parse(value)
    except InvalidInboundMessage as invalid:
        msg = f"'address' is not an address: {invalid}"
        raise InvalidOutboundMessage(msg) from invalid


def _time(data: dict[str, Any], field: str) -> datetime:
    value = _text(field, data.get(field), 64, TextKind.IDENTIFIER)
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        msg = f"'{field}' {value!r} is not an ISO 8601 time"
        raise InvalidOutboundMessage(msg) from None


def _optional(data: dict[str, Any], field: str) -> str:
    value = data.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        msg = f"'{field}' must be a string, not {_shown(value)}"
        raise InvalidOutboundMessage(msg)
    return value


def _attachments(data: dict[str, Any]) -> tuple[Attachment, ...]:
    value = data.get("attachments")
    if value is None:
        return ()
    if not isinstance(value, list):
        msg = "'attachments' must be a list of files"
        raise InvalidOutboundMessage(msg)
    try:
        return tuple(Attachment.from_dict(item) for item in value)
    except InvalidInboundMessage as invalid:
        raise InvalidOutboundMessage(f"'attachments': {invalid}") from None


def _strings(data: dict[str, Any], field: str) -> tuple[str, ...]:
    value = data.get(field)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        msg = f"'{field}' must be a list of strings"
        raise InvalidOutboundMessage(msg)
    return tuple(value)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."  # noqa: PLR2004 - enough to recognise it
