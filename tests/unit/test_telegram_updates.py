"""Reading Bot API updates into customers' messages, and those into inbound messages."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.telegram.inbound import to_inbound
from connectors.telegram.sending import MAX_MESSAGE_UNITS, split_text
from connectors.telegram.updates import CustomerMessage, Ignored, InvalidUpdate, read_update
from domain.channels import Channel, ChannelAddress
from domain.errors import InvalidInboundMessage
from domain.inbound import InboundMessage

DATE = 1_772_441_000


def update(**message: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "message_id": 7,
        "from": {"id": 42, "is_bot": False, "first_name": "Ivan", "last_name": "Petrov"},
        "chat": {"id": 42, "type": "private"},
        "date": DATE,
        "text": "Do you deliver to Riga?",
    }
    fields.update(message)
    return {"update_id": 1001, "message": {k: v for k, v in fields.items() if v is not None}}


def read(data: dict[str, Any]) -> CustomerMessage:
    message = read_update(data)
    assert isinstance(message, CustomerMessage)
    return message


def test_a_text_message_is_the_customers_with_ids_per_bot_and_chat() -> None:
    inbound = to_inbound("shop", read(update()))
    assert inbound == InboundMessage(
        channel=Channel.TELEGRAM,
        channel_message_id="shop:42:7",
        thread="shop:42",
        sender=ChannelAddress(Channel.TELEGRAM, "shop:42"),
        text="Do you deliver to Riga?",
        received_at=datetime.fromtimestamp(DATE, tz=UTC),
        sender_name="Ivan Petrov",
        source="shop",
    )
    assert InboundMessage.from_dict(json.loads(json.dumps(inbound.to_dict()))) == inbound


@pytest.mark.parametrize(
    ("text", "source"),
    [("/start ad-42_spring", "shop/ad-42_spring"), ("/start", "shop"), ("/start@shop_bot promo", "shop/promo")],
)
def test_start_with_a_deep_link_payload_names_the_source(text: str, source: str) -> None:
    assert to_inbound("shop", read(update(text=text))).source == source


def test_start_with_a_payload_telegram_would_never_send_keeps_the_bot_as_source() -> None:
    assert to_inbound("shop", read(update(text="/start a/b"))).source == "shop"


def test_an_edit_names_the_message_it_changes_and_has_an_id_of_its_own() -> None:
    data = {"update_id": 1002, "edited_message": update(text="fixed", edit_date=DATE + 60)["message"]}
    inbound = to_inbound("shop", read(data))
    assert (inbound.channel_message_id, inbound.edit_of, inbound.text) == ("shop:u1002", "shop:42:7", "fixed")
    assert inbound.received_at == datetime.fromtimestamp(DATE + 60, tz=UTC)


def test_files_are_named_and_the_largest_photo_is_taken() -> None:
    photo = [{"file_id": f"p{n}", "file_unique_id": f"up{n}", "file_size": n * 100} for n in (1, 2, 3)]
    message = read(
        update(
            text=None,
            caption="the invoice",
            photo=photo,
            document={"file_id": "d", "file_unique_id": "ud", "file_name": "invoice.pdf", "mime_type": "text/x"},
            voice={"file_id": "v", "file_unique_id": "uv", "duration": 3},
        )
    )
    assert message.text == "the invoice"
    assert [(f.file_id, f.filename, f.content_type, f.size) for f in message.files] == [
        ("p3", "photo.jpg", "image/jpeg", 300),
        ("d", "invoice.pdf", "text/x", None),
        ("v", "voice.ogg", "audio/ogg", None),
    ]


def test_the_customers_own_contact_carries_their_phone_and_anothers_does_not() -> None:
    own = read(update(text=None, contact={"phone_number": "37120000000", "first_name": "Ivan", "user_id": 42}))
    inbound = to_inbound("shop", own)
    assert inbound.intake is not None
    assert (inbound.intake.phone, inbound.intake.phone_text) == ("+37120000000", "+37120000000")
    assert "37120000000" in inbound.text
    other = read(update(text=None, contact={"phone_number": "37129999999", "first_name": "Olga", "user_id": 7}))
    assert to_inbound("shop", other).intake is None


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"update_id": 5, "callback_query": {"id": "1"}}, "callback_query"),
        ({"update_id": 5}, "nothing"),
        (update(chat={"id": -100, "type": "supergroup"}), "supergroup"),
        (update(text=None, sticker={"file_id": "s"}), "sticker"),
        (update(**{"from": {"id": 9, "is_bot": True, "first_name": "B"}}), "bot"),
    ],
)
def test_updates_with_nothing_for_the_inbox_are_ignored_with_the_reason(data: dict[str, Any], reason: str) -> None:
    ignored = read_update(data)
    assert isinstance(ignored, Ignored)
    assert reason in ignored.reason


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([], "update"),
        ({"message": {}}, "update_id"),
        ({"update_id": True, "message": {}}, "update_id"),
        ({"update_id": 2**60, "message": {}}, "update_id"),
        ({"update_id": 1, "message": "hi"}, "message"),
        (update(chat=None), "message.chat"),
        (update(chat={"type": "private"}), "message.chat.id"),
        (update(**{"from": None}), "message.from"),
        (update(date="yesterday"), "message.date"),
        (update(date=2**40), "message.date"),
        (update(message_id=None), "message.message_id"),
        (update(text=5), "message.text"),
        (update(photo=[]), "message.photo"),
        (update(document={"file_id": "d"}), "message.document.file_unique_id"),
        (update(document={"file_id": "d", "file_unique_id": "u", "file_size": -1}), "message.document.file_size"),
        (update(contact={"first_name": "x"}), "message.contact.phone_number"),
    ],
)
def test_a_malformed_update_is_refused_naming_the_field(data: object, field: str) -> None:
    with pytest.raises(InvalidUpdate) as refused:
        read_update(data)
    assert refused.value.field == field


@pytest.mark.parametrize("text", ["a\x00b", "lone \ud800", "bell \x07"])
def test_a_message_whose_text_the_rule_refuses_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidInboundMessage, match="text"):
        to_inbound("shop", read(update(text=text)))


def test_a_long_reply_is_split_at_a_line_break_under_the_limit() -> None:
    text = ("word " * 700 + "\n") * 3  # 3 times 3,501 characters
    parts = split_text(text)
    assert len(parts) == 3
    assert all(len(part) <= MAX_MESSAGE_UNITS for part in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())


def test_characters_past_the_bmp_count_twice_and_are_never_cut() -> None:
    parts = split_text("😀" * 3000)  # 6,000 UTF-16 code units
    assert [len(p) for p in parts] == [2048, 952]


@given(st.text(min_size=1, max_size=20_000))
def test_splitting_keeps_every_word_within_the_limit(text: str) -> None:
    parts = split_text(text)
    assert all(0 < len(part.encode("utf-16-le")) // 2 <= MAX_MESSAGE_UNITS for part in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())
