"""The normalized inbound message every connector produces.

This is the published language of the ``inbound`` topic: connectors build it
from their channel's payload, the router consumes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.attachments import MAX_ATTACHMENTS, Attachment
from domain.channels import MAX_ADDRESS_LENGTH, Channel, ChannelAddress, inbound_text
from domain.errors import InvalidInboundMessage
from domain.form_touch import FormTouch
from domain.intake import Intake
from domain.text import TextKind

MAX_TEXT_LENGTH = 65_536
MAX_ID_LENGTH = 256
MAX_SUBJECT_LENGTH = 998  # the longest line a mail header may have
MAX_NAME_LENGTH = 256  # a sender's display name, or the name of the door a message came in by
MAX_REFERENCES = 50
MAX_CORRESPONDENTS = 50


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
    subject: str = ""
    # Channel message ids this message answers, the nearest first (a mail's In-Reply-To, then References).
    replies_to: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    # A copy sent, CC'd or forwarded to the CRM address: an activity for the contact it concerns.
    crm_copy: bool = False
    # A CRM copy that forwards someone's mail: the first of the correspondents wrote the forwarded mail.
    forwarded: bool = False
    # Who else the message concerns (a forward's original sender first, then recipients), in this channel.
    correspondents: tuple[str, ...] = ()
    # The channel vouches for the sender (a mail: its receiving server's authentication results, or a
    # sender ops trust): only then is a manager's copy to the CRM address taken as the manager's.
    sender_verified: bool = False
    # What a form, a pre-chat step or a messenger's contact card adds: the e-mail, phone, amount, product.
    intake: Intake | None = None
    # A messenger's edit of an earlier message: the channel message id of the message it changes.
    edit_of: str = ""
    # A web form's submission: the form, the answers, the consent given and the page it was sent from.
    form: FormTouch | None = None

    def __post_init__(self) -> None:
        # Every string is checked here, once, by the one text rule: what a channel hands us must be
        # storable and showable before it is published, whatever connector built it.
        for name in ("channel_message_id", "thread"):
            inbound_text(name, getattr(self, name), max_length=MAX_ID_LENGTH, kind=TextKind.IDENTIFIER)
        inbound_text("edit_of", self.edit_of, max_length=MAX_ID_LENGTH, kind=TextKind.IDENTIFIER, required=False)
        # A mail may carry only attachments; connectors that need text ask for it themselves.
        inbound_text("text", self.text, max_length=MAX_TEXT_LENGTH, kind=TextKind.TEXT, required=False)
        inbound_text("subject", self.subject, max_length=MAX_SUBJECT_LENGTH, kind=TextKind.LINE, required=False)
        for name in ("sender_name", "source"):
            inbound_text(name, getattr(self, name), max_length=MAX_NAME_LENGTH, kind=TextKind.LINE, required=False)
        inbound_text("edit_of", self.edit_of, max_length=MAX_ID_LENGTH, kind=TextKind.IDENTIFIER, required=False)
        if self.received_at.tzinfo is None:
            msg = "received_at must carry a time zone"
            raise InvalidInboundMessage(msg)
        if self.sender.channel is not self.channel:
            msg = f"sender {self.sender} is not a {self.channel} address"
            raise InvalidInboundMessage(msg)
        if len(self.replies_to) > MAX_REFERENCES:
            msg = f"replies_to must hold at most {MAX_REFERENCES} ids"
            raise InvalidInboundMessage(msg)
        for index, reference in enumerate(self.replies_to):
            inbound_text(f"replies_to[{index}]", reference, max_length=MAX_ID_LENGTH, kind=TextKind.IDENTIFIER)
        if len(self.attachments) > MAX_ATTACHMENTS:
            msg = f"at most {MAX_ATTACHMENTS} attachments are accepted"
            raise InvalidInboundMessage(msg)
        if len(self.correspondents) > MAX_CORRESPONDENTS:
            msg = f"correspondents must hold at most {MAX_CORRESPONDENTS} addresses"
            raise InvalidInboundMessage(msg)
        for index, address in enumerate(self.correspondents):
            inbound_text(f"correspondents[{index}]", address, max_length=MAX_ADDRESS_LENGTH, kind=TextKind.IDENTIFIER)

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
    def conversation_thread(self) -> str:
        """What names the conversation this message opens when it continues none we know.

        A mail thread is the customer's own: two customers answering the same newsletter, whose
        References both start with it, are two conversations.
        """
        if self.channel is Channel.EMAIL:
            return f"{self.sender.value} {self.thread}"
        return self.thread

    @property
    def key(self) -> str:
        """The partition key: one thread stays in one partition, in order."""
        return f"{self.channel}/{self.thread}"

    def to_dict(self) -> dict[str, Any]:
        """The message as plain JSON-ready data."""
        data: dict[str, Any] = {
            "channel": self.channel.value,
            "channel_message_id": self.channel_message_id,
            "thread": self.thread,
            "sender": str(self.sender),
            "sender_name": self.sender_name,
            "text": self.text,
            "received_at": self.received_at.isoformat(),
            "source": self.source,
        }
        # What only some channels have is left out when empty.
        optional = {
            "subject": self.subject,
            "replies_to": list(self.replies_to),
            "attachments": [attachment.to_dict() for attachment in self.attachments],
            "crm_copy": self.crm_copy,
            "forwarded": self.forwarded,
            "correspondents": list(self.correspondents),
            "sender_verified": self.sender_verified,
            "intake": self.intake.to_dict() if self.intake is not None else {},
            "edit_of": self.edit_of,
            "form": self.form.to_dict() if self.form is not None else {},
        }
        data.update({name: value for name, value in optional.items() if value})
        return data

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
            subject=str(data.get("subject") or ""),
            replies_to=_strings(data.get("replies_to"), "replies_to"),
            attachments=tuple(Attachment.from_dict(item) for item in _items(data.get("attachments"), "attachments")),
            crm_copy=data.get("crm_copy") is True,
            forwarded=data.get("forwarded") is True,
            correspondents=_strings(data.get("correspondents"), "correspondents"),
            sender_verified=data.get("sender_verified") is True,
            intake=Intake.from_dict(data["intake"]) if data.get("intake") is not None else None,
            edit_of=_string(data.get("edit_of"), "edit_of"),
            form=FormTouch.from_dict(data["form"]) if data.get("form") is not None else None,
        )


def _items(value: object, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        msg = f"field {name!r} must be a list"
        raise InvalidInboundMessage(msg)
    return value


def _string(value: object, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        msg = f"field {name!r} must be a string"
        raise InvalidInboundMessage(msg)
    return value


def _strings(value: object, name: str) -> tuple[str, ...]:
    items = _items(value, name)
    if not all(isinstance(item, str) for item in items):
        msg = f"field {name!r} must be a list of strings"
        raise InvalidInboundMessage(msg)
    return tuple(items)
