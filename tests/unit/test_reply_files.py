"""Files in operators' replies: carried by the channels that can deliver them, refused by the others."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default
from uuid import uuid4

import pytest

from application.event_store import EventStore
from application.managers import register_manager
from application.receive_messages import receive_messages
from application.reply import reply
from connectors.mail.reply import OutgoingReply, compose
from domain.attachments import Attachment
from domain.channels import Channel, ChannelAddress
from domain.conversation import CannotCarryFiles
from domain.inbound import InboundMessage
from domain.outbound import InvalidOutboundMessage, OutboundReply
from tests.router_reactions import routed

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FILE = Attachment(sha256="a" * 64, filename="offer.pdf", content_type="application/pdf", size=12, kept=True)


def outbound(**changes: object) -> OutboundReply:
    fields: dict[str, object] = {
        "conversation_id": uuid4(),
        "reply_id": uuid4(),
        "manager_id": uuid4(),
        "channel": Channel.TELEGRAM,
        "address": ChannelAddress(Channel.TELEGRAM, "shop:42"),
        "text": "",
        "sent_at": NOW,
        "attachments": (FILE,),
    }
    return OutboundReply(**(fields | changes))  # type: ignore[arg-type]


def test_a_reply_with_files_travels_through_json_and_one_without_leaves_them_off() -> None:
    sent = outbound()
    assert OutboundReply.from_dict(json.loads(json.dumps(sent.to_dict()))) == sent
    assert "attachments" not in outbound(attachments=()).to_dict()


@pytest.mark.parametrize("files", ["offer.pdf", [{"sha256": "not a hash"}], [5]])
def test_files_that_are_not_files_are_refused_naming_the_field(files: object) -> None:
    with pytest.raises(InvalidOutboundMessage, match="attachments"):
        OutboundReply.from_dict(outbound().to_dict() | {"attachments": files})


@pytest.mark.parametrize(("channel", "carries"), [(c, c in {Channel.EMAIL, Channel.TELEGRAM}) for c in Channel])
def test_only_mail_and_telegram_carry_an_operators_files(channel: Channel, carries: bool) -> None:
    assert channel.carries_files is carries


def test_a_reply_with_files_in_the_web_chat_is_refused_and_nothing_is_recorded() -> None:
    store = EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    manager = register_manager(store, "Anna", "anna@shop.example", 5, "sales")
    message = InboundMessage(
        channel=Channel.WEBCHAT,
        channel_message_id="m1",
        thread="v1",
        sender=ChannelAddress(Channel.WEBCHAT, "v1"),
        text="hi",
        received_at=NOW,
    )
    (received,) = receive_messages(store, [message])
    assert received.conversation_id is not None
    before = len(store.history(received.conversation_id))
    with pytest.raises(CannotCarryFiles, match="attachments"):
        routed(
            store,
            reply,
            received.conversation_id,
            manager,
            "see the file",
            "r1",
            attachments=(FILE,),
            any_conversation=True,
        )
    assert len(store.history(received.conversation_id)) == before


def test_a_reply_mail_carries_its_files_as_attachments_after_the_text() -> None:
    mail = compose(
        OutgoingReply(
            reply_id=uuid4(),
            from_address="sales@shop.example",
            from_name="Shop",
            to_address="anna@customer.example",
            subject="Order",
            text="The files you asked for.",
            sent_at=NOW,
            files=(("offer.pdf", "application/pdf", b"%PDF-1.4"), ("счёт.bin", "nonsense", b"\x00\x01")),
        )
    )
    parsed = message_from_bytes(mail.as_bytes(), policy=default)
    parts = list(parsed.iter_parts())  # type: ignore[attr-defined]
    assert parts[0].get_content().strip() == "The files you asked for."
    assert [(p.get_filename(), p.get_content_type(), p.get_payload(decode=True)) for p in parts[1:]] == [
        ("offer.pdf", "application/pdf", b"%PDF-1.4"),
        ("счёт.bin", "application/octet-stream", b"\x00\x01"),
    ]
