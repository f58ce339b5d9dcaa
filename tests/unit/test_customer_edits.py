"""A messenger's edit of a customer's message: an edit event on the conversation, never a new message."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from application.event_store import EventStore
from application.receive_messages import receive_messages
from application.receiving import Outcome
from domain.channels import Channel, ChannelAddress
from domain.errors import InvalidInboundMessage
from domain.inbound import InboundMessage
from tests.log_invariants import log_events

SENT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def memory_store() -> EventStore:
    return EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, team="sales")


def telegram(message_id: str, text: str, *, edit_of: str = "", minutes: int = 0) -> InboundMessage:
    return InboundMessage(
        channel=Channel.TELEGRAM,
        channel_message_id=message_id,
        thread="shop:42",
        sender=ChannelAddress(Channel.TELEGRAM, "shop:42"),
        text=text,
        received_at=SENT + timedelta(minutes=minutes),
        source="shop",
        edit_of=edit_of,
    )


def test_an_edit_travels_through_json() -> None:
    message = telegram("shop:u7", "fixed", edit_of="shop:42:10")
    data = json.loads(json.dumps(message.to_dict()))
    assert data["edit_of"] == "shop:42:10"
    assert InboundMessage.from_dict(data) == message
    # What a channel does not use stays off the wire.
    assert "edit_of" not in telegram("shop:42:10", "hi").to_dict()


@pytest.mark.parametrize(("field", "value"), [("edit_of", "a\x00b"), ("edit_of", "9" * 300)])
def test_an_edit_that_breaks_the_text_rule_is_refused_naming_it(field: str, value: str) -> None:
    with pytest.raises(InvalidInboundMessage, match=field):
        telegram("shop:u7", "x", **{field: value})
    data = telegram("shop:u7", "x").to_dict() | {field: 5}
    with pytest.raises(InvalidInboundMessage, match=field):
        InboundMessage.from_dict(data)


def test_an_edit_changes_the_message_it_names_and_opens_nothing() -> None:
    store = memory_store()
    (first,) = receive_messages(store, [telegram("shop:42:10", "Do you delivr?")])
    before = len(log_events(store))

    (edit,) = receive_messages(store, [telegram("shop:u7", "Do you deliver?", edit_of="shop:42:10", minutes=1)])

    assert edit.outcome is Outcome.EDITED
    assert (edit.conversation_id, edit.lead_id) == (first.conversation_id, first.lead_id)
    events = log_events(store)
    (edited,) = [data for kind, _, data in events if kind == "Conversation.CustomerMessageEdited"]
    assert (edited["edit_of"], edited["text"], edited["channel_message_id"]) == (
        "shop:42:10",
        "Do you deliver?",
        "shop:u7",
    )
    wrote = [kind for kind, _, _ in events if kind == "Conversation.CustomerWrote"]
    assert len(wrote) == 1
    assert sorted(kind for kind, _, _ in events[before:]) == [
        "Conversation.CustomerMessageEdited",
        "MessageReceipt.Recorded",
    ]
    conversation = store.repository.get(first.conversation_id)
    assert conversation.message_count == 1

    # The same edit delivered again is stored once.
    (again,) = receive_messages(store, [telegram("shop:u7", "Do you deliver?", edit_of="shop:42:10", minutes=1)])
    assert again.outcome is Outcome.DUPLICATE
    assert sum(kind == "Conversation.CustomerMessageEdited" for kind, _, _ in log_events(store)) == 1


def test_a_message_and_its_edit_in_one_batch_are_one_message_edited() -> None:
    store = memory_store()
    results = receive_messages(
        store, [telegram("shop:42:10", "helo"), telegram("shop:u8", "hello", edit_of="shop:42:10", minutes=1)]
    )
    assert [r.outcome for r in results] == [Outcome.STORED, Outcome.EDITED]


def test_an_edit_of_a_message_that_never_reached_us_is_kept_as_a_message() -> None:
    store = memory_store()
    (received,) = receive_messages(store, [telegram("shop:u9", "still there?", edit_of="shop:42:1")])
    assert received.outcome is Outcome.STORED
    (wrote,) = [data for kind, _, data in log_events(store) if kind == "Conversation.CustomerWrote"]
    assert wrote["text"] == "still there?"
