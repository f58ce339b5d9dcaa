"""Reading VK events into what they mean for the inbox, and the inbound message of a customer's one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from connectors.vk.delivery import MAX_MESSAGE_LENGTH, parts, random_id
from connectors.vk.downloads import Fetched
from connectors.vk.events import Confirmation, CustomerWrote, Ignored, InvalidEvent, OwnMessage, read_event
from connectors.vk.inbound import Community, message_of
from connectors.vk.media import Media, media_of
from devstack.vk_events import message_edit, message_new, message_reply
from domain.channels import Channel, ChannelAddress
from domain.errors import InvalidInboundMessage
from domain.inbound import InboundMessage

GROUP = 777
SHOP = Community("shop", GROUP)


def test_a_new_message_is_the_customers() -> None:
    event = read_event(message_new(GROUP, 15, 501, "Do you deliver to Riga?"), GROUP)
    assert event == CustomerWrote(GROUP, 15, 501, 501, "Do you deliver to Riga?", 1_767_225_600)


def test_a_message_in_the_object_itself_as_before_api_5_103_is_read_too() -> None:
    event = message_new(GROUP, 15, 501, "hi")
    event["object"] = event["object"]["message"]
    assert isinstance(read_event(event, GROUP), CustomerWrote)


def test_an_edit_is_an_edit_with_its_time() -> None:
    event = read_event(message_edit(GROUP, 15, 501, "to Riga, please", update_time=1_767_225_900), GROUP)
    assert isinstance(event, CustomerWrote)
    assert (event.message_id, event.edited_at, event.text) == (15, 1_767_225_900, "to Riga, please")


@pytest.mark.parametrize(
    "event",
    [
        message_reply(GROUP, 16, 501, "Yes."),
        {
            **message_new(GROUP, 16, 501, "x"),
            "object": {"message": {**message_new(GROUP, 16, 501, "x")["object"]["message"], "out": 1}},
        },
        {
            **message_new(GROUP, 16, 501, "x"),
            "object": {"message": {**message_new(GROUP, 16, 501, "x")["object"]["message"], "from_id": -GROUP}},
        },
    ],
    ids=["message_reply", "out", "from the community"],
)
def test_our_own_messages_echoed_back_are_not_the_customers(event: dict[str, Any]) -> None:
    assert isinstance(read_event(event, GROUP), OwnMessage)


def test_confirmation_other_types_and_chats() -> None:
    assert read_event({"type": "confirmation", "group_id": GROUP}, GROUP) == Confirmation()
    assert read_event({"type": "wall_post_new", "group_id": GROUP, "object": {}}, GROUP) == Ignored(
        "wall_post_new", "not a message"
    )
    chat = message_new(GROUP, 0, 501, "hi all")
    chat["object"]["message"]["peer_id"] = 2_000_000_001
    assert isinstance(read_event(chat, GROUP), Ignored)


def without(event: dict[str, Any], *path: str) -> dict[str, Any]:
    body = event
    for key in path[:-1]:
        body = body[key]
    del body[path[-1]]
    return event


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ([], "event"),
        ({"group_id": GROUP}, "type"),
        ({"type": "message_new"}, "group_id"),
        ({"type": "message_new", "group_id": 1}, "group_id"),
        ({"type": "message_new", "group_id": True}, "group_id"),
        ({"type": "message_new", "group_id": GROUP}, "object"),
        ({"type": "message_new", "group_id": GROUP, "object": {"message": "hi"}}, "object.message"),
        (without(message_new(GROUP, 1, 5, "x"), "object", "message", "id"), "object.message.id"),
        (without(message_new(GROUP, 1, 5, "x"), "object", "message", "from_id"), "object.message.from_id"),
        (without(message_new(GROUP, 1, 5, "x"), "object", "message", "date"), "object.message.date"),
        (without(message_edit(GROUP, 1, 5, "x", update_time=9), "object", "update_time"), "object.update_time"),
        ({**message_new(GROUP, 1, 5, "x"), "type": "x" * 65}, "type"),
    ],
)
def test_an_event_without_what_vk_documents_is_refused_naming_the_field(event: Any, field: str) -> None:
    with pytest.raises(InvalidEvent) as refused:
        read_event(event, GROUP)
    assert refused.value.field == field


def test_text_that_is_not_a_string_is_refused() -> None:
    event = message_new(GROUP, 1, 5, "x")
    event["object"]["message"]["text"] = ["x"]
    with pytest.raises(InvalidEvent, match=r"object\.message\.text"):
        read_event(event, GROUP)


def test_the_inbound_message_names_the_community_thread_and_sender() -> None:
    wrote = read_event(message_new(GROUP, 15, 501, "hi"), GROUP)
    assert isinstance(wrote, CustomerWrote)
    message = message_of(SHOP, wrote, "Ivan Petrov", [])
    assert message.channel is Channel.VK
    assert message.channel_message_id == "777:15"
    assert message.thread == "777:501"
    assert message.sender == ChannelAddress(Channel.VK, "501")
    assert (message.sender_name, message.source) == ("Ivan Petrov", "shop")
    assert message.received_at == datetime(2026, 1, 1, tzinfo=UTC)


def test_an_edit_names_the_message_it_edits_and_travels_on_the_inbound_topic() -> None:
    edit = read_event(message_edit(GROUP, 40, 501, "to Riga", update_time=9), GROUP)
    new = read_event(message_new(GROUP, 41, 501, "x"), GROUP)
    assert isinstance(edit, CustomerWrote)
    assert isinstance(new, CustomerWrote)
    edited = message_of(SHOP, edit, "", [])
    assert edited.edit_of == "777:40"
    assert InboundMessage.from_dict(edited.to_dict()) == edited
    assert "edit_of" not in message_of(SHOP, new, "", []).to_dict()
    with pytest.raises(InvalidInboundMessage, match="edit_of"):
        InboundMessage.from_dict({**edited.to_dict(), "edit_of": 40})
    with pytest.raises(InvalidInboundMessage, match="edit_of"):
        InboundMessage.from_dict({**edited.to_dict(), "edit_of": "777:40\x00"})


def test_an_edit_has_an_id_of_its_own_per_edit() -> None:
    first = read_event(message_edit(GROUP, 15, 501, "a", update_time=10), GROUP)
    second = read_event(message_edit(GROUP, 15, 501, "b", update_time=11), GROUP)
    assert isinstance(first, CustomerWrote)
    assert isinstance(second, CustomerWrote)
    ids = {message_of(SHOP, w, "", []).channel_message_id for w in (first, second)}
    assert ids == {"777:15:edited:10", "777:15:edited:11"}


@pytest.mark.parametrize("text", ["NUL \x00 here", "lone \ud800", "bell \x07"])
def test_text_the_rule_refuses_is_refused_naming_the_field(text: str) -> None:
    wrote = read_event(message_new(GROUP, 15, 501, text), GROUP)
    assert isinstance(wrote, CustomerWrote)
    with pytest.raises(InvalidInboundMessage, match="'text'"):
        message_of(SHOP, wrote, "", [])


def test_a_time_out_of_range_is_refused() -> None:
    wrote = read_event(message_new(GROUP, 15, 501, "x", date=10**20), GROUP)
    assert isinstance(wrote, CustomerWrote)
    with pytest.raises(InvalidEvent, match="date"):
        message_of(SHOP, wrote, "", [])


def test_photos_documents_and_voice_messages_are_files_to_keep() -> None:
    media, problems = media_of(
        [
            {
                "type": "photo",
                "photo": {
                    "id": 1,
                    "owner_id": 501,
                    "sizes": [
                        {"type": "s", "url": "https://sun.example/s.jpg", "width": 75, "height": 50},
                        {"type": "w", "url": "https://sun.example/w.jpg", "width": 2560, "height": 1707},
                        {"type": "m", "url": "https://sun.example/m.jpg", "width": 130, "height": 87},
                    ],
                },
            },
            {
                "type": "doc",
                "doc": {
                    "id": 2,
                    "owner_id": 501,
                    "title": "invoice",
                    "ext": "pdf",
                    "size": 1234,
                    "url": "https://vk.example/doc",
                },
            },
            {
                "type": "audio_message",
                "audio_message": {
                    "id": 3,
                    "owner_id": 501,
                    "duration": 4,
                    "link_ogg": "https://vk.example/a.ogg",
                    "link_mp3": "https://vk.example/a.mp3",
                },
            },
            {"type": "sticker", "sticker": {"sticker_id": 9}},
            {"type": "doc", "doc": {"id": 4, "owner_id": 501, "title": "x", "url": "javascript:alert(1)"}},
        ]
    )
    assert media == (
        Media("photo", "https://sun.example/w.jpg", "photo501_1.jpg", "image/jpeg", None, "photo501_1"),
        Media("doc", "https://vk.example/doc", "invoice.pdf", "application/pdf", 1234, "doc501_2"),
        Media(
            "audio_message",
            "https://vk.example/a.ogg",
            "audio_message501_3.ogg",
            "audio/ogg",
            None,
            "audio_message501_3",
        ),
    )
    assert problems == ["attachments[4] (doc) has no address to fetch it from"]


def test_a_file_name_the_rule_refuses_gives_way_to_vks_own() -> None:
    wrote = read_event(message_new(GROUP, 15, 501, ""), GROUP)
    assert isinstance(wrote, CustomerWrote)
    media = Media("doc", "https://vk.example/d", "bad\x00name.txt", "text/plain", 3, "doc501_2")
    message = message_of(SHOP, wrote, "", [Fetched(media, "a" * 64, b"abc", 3)])
    (attachment,) = message.attachments
    assert (attachment.filename, attachment.kept, attachment.size) == ("doc501_2", True, 3)


def test_a_reply_is_cut_at_vks_limit_near_a_space() -> None:
    text = ("word " * 2000).strip()
    cut = parts(text)
    assert all(len(part) <= MAX_MESSAGE_LENGTH for part in cut)
    assert "".join(cut) == text
    assert all(part.endswith(" ") for part in cut[:-1])
    assert parts("x" * (MAX_MESSAGE_LENGTH + 1)) == ["x" * MAX_MESSAGE_LENGTH, "x"]
    assert parts("short") == ["short"]


def test_random_ids_are_the_same_for_a_reply_and_differ_between_parts_and_replies() -> None:
    reply = UUID("3f1a6c1e-1111-4c3b-9a55-0c1f4b6d2e10")
    assert random_id(reply, 0) == random_id(reply, 0)
    assert random_id(reply, 0) != random_id(reply, 1)
    assert random_id(reply, 0) != random_id(UUID(int=reply.int + 1), 0)
    assert all(0 < random_id(UUID(int=n), 0) < 2**31 for n in range(200))
