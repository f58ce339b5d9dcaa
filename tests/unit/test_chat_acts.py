"""The chat's acts on their aggregates: notes, invitations, reopening, ratings, transfers, pins, canned replies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from domain.canned_reply import CannedReply, CannedReplyRefused, checked_shortcut, list_name
from domain.channels import Channel, ChannelAddress
from domain.chat_signal import ChatSignal, ColleagueTyping, InvalidChatSignal, SignalKind
from domain.conversation import ChatActRefused, Conversation
from domain.lead import Lead, LeadClosed, LeadStatus
from domain.outbound import OutboundReply
from domain.pins import MAX_PINS, Pinboard, TooManyPins
from domain.text import InvalidText

AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ANN, BOB, HEAD = uuid4(), uuid4(), uuid4()


def conversation() -> Conversation:
    return Conversation(channel="webchat", thread="v1", address="webchat:v1", contact_id=uuid4())


def event_names(aggregate: Conversation | Lead | Pinboard | CannedReply) -> list[str]:
    return [type(e).__qualname__.split(".")[-1] for e in aggregate.collect_events()]


def test_a_note_is_its_own_event_stored_once_and_never_a_reply() -> None:
    chat = conversation()
    chat.collect_events()
    note = uuid4()
    assert chat.add_note(note, ANN, "call them back after 5", AT)
    assert not chat.add_note(note, ANN, "call them back after 5", AT)
    assert event_names(chat) == ["NoteAdded"]
    assert chat.message_count == 0  # the customer's thread is untouched


def test_a_colleague_is_invited_once_and_leaves_once() -> None:
    chat = conversation()
    chat.invite(BOB, by=ANN)
    with pytest.raises(ChatActRefused, match="already in"):
        chat.invite(BOB, by=ANN)
    chat.leave(BOB)
    with pytest.raises(ChatActRefused, match="was not invited"):
        chat.leave(BOB)
    assert chat.participants == []


def test_only_a_closed_conversation_is_reopened_and_rated_once_per_closing() -> None:
    chat = conversation()
    with pytest.raises(ChatActRefused, match="only a closed"):
        chat.reopen(ANN)
    with pytest.raises(ChatActRefused, match="once it is closed"):
        chat.rate(5, "", AT)
    chat.close(ANN)
    assert chat.closed_by == ANN
    chat.rate(4, "quick", AT)
    with pytest.raises(ChatActRefused, match="rated already"):
        chat.rate(5, "", AT)
    chat.reopen(ANN)
    chat.close(ANN)
    chat.rate(5, "again", AT)  # a new closing asks again


@pytest.mark.parametrize("rating", [0, 6, -1, True, 4.5, "5", None])
def test_a_rating_outside_one_to_five_is_refused_and_changes_nothing(rating: object) -> None:
    chat = conversation()
    chat.close(ANN)
    chat.collect_events()
    with pytest.raises(ChatActRefused, match="from 1 to 5"):
        chat.rate(rating, "", AT)  # type: ignore[arg-type]
    assert chat.collect_events() == []
    assert not chat.rated


def held_lead(by: object = ANN) -> Lead:
    lead = Lead(conversation_id=uuid4(), contact_id=uuid4(), channel="webchat", source="widget")
    lead.assign(by, {"strategy": "evenly"})  # type: ignore[arg-type]
    lead.collect_events()
    return lead


def test_a_transfer_is_one_event_naming_who_had_it_who_sent_it_and_any_override() -> None:
    lead = held_lead()
    assert lead.transfer(BOB, HEAD, override="covering for a sick colleague") == ANN
    (transferred,) = lead.collect_events()
    assert type(transferred).__qualname__.endswith("Transferred")
    assert transferred.reasons == {  # type: ignore[attr-defined]
        "strategy": "transfer",
        "transferred_by": str(HEAD),
        "from": str(ANN),
        "override": "covering for a sick colleague",
    }
    assert (lead.manager_id, lead.status, lead.tried) == (BOB, LeadStatus.ASSIGNED, [ANN])


def test_a_lead_is_not_transferred_to_its_holder_nor_when_closed() -> None:
    lead = held_lead()
    with pytest.raises(Exception, match="already held"):
        lead.transfer(ANN, ANN)
    lead.close(ANN)
    with pytest.raises(LeadClosed):
        lead.transfer(BOB, ANN)
    with pytest.raises(LeadClosed):
        lead.hand_to_team("support", ANN)


def test_a_lead_handed_to_a_team_has_no_holder_and_awaits_that_team() -> None:
    lead = held_lead()
    assert lead.hand_to_team("support", ANN) == ANN
    assert (lead.manager_id, lead.status, lead.awaits_team) == (None, LeadStatus.NEW, "support")
    lead.assign(BOB, {"strategy": "evenly"})
    assert lead.awaits_team is None  # taken: no longer waiting for the router


def test_pins_are_per_operator_latest_first_and_bounded() -> None:
    board = Pinboard(ANN)
    first, second = uuid4(), uuid4()
    assert board.pin(first)
    assert board.pin(second)
    assert not board.pin(first)
    assert board.pinned == [second, first]
    assert board.unpin(first)
    assert not board.unpin(first)
    assert Pinboard.create_id(ANN) != Pinboard.create_id(BOB)
    for _ in range(MAX_PINS - 1):
        board.pin(uuid4())
    with pytest.raises(TooManyPins):
        board.pin(uuid4())


def test_a_canned_reply_is_one_per_shortcut_and_list_and_comes_back_when_written_again() -> None:
    owner = list_name("support", None)
    reply = CannedReply(owner, "hello", "Hello! How can I help?", ANN)
    assert reply.id == CannedReply.create_id(owner, "hello", "other text", BOB)
    assert reply.id != CannedReply.create_id(list_name(None, ANN), "hello", "", ANN)
    assert not reply.rewrite("Hello! How can I help?", ANN)
    reply.remove(ANN)
    with pytest.raises(CannedReplyRefused):
        reply.remove(ANN)
    assert reply.rewrite("Hello! How can I help?", ANN)
    assert not reply.removed


@pytest.mark.parametrize("shortcut", ["", "two words", "a/b", "x" * 41, 7])
def test_a_shortcut_is_one_short_word(shortcut: object) -> None:
    with pytest.raises((CannedReplyRefused, InvalidText)):
        checked_shortcut(shortcut)


def test_a_canned_reply_belongs_to_one_team_or_one_operator() -> None:
    with pytest.raises(CannedReplyRefused):
        list_name("support", ANN)
    with pytest.raises(CannedReplyRefused):
        list_name(None, None)
    assert checked_shortcut("Thanks") == "thanks"


def test_a_chat_signal_round_trips_and_refuses_what_it_cannot_read() -> None:
    signal = ChatSignal(SignalKind.OPERATOR_TYPING, "v1", "Ann")
    assert ChatSignal.from_payload(signal.to_payload()) == signal
    unknown, anonymous = json.dumps({"kind": "shouting", "visitor_id": "v1"}), json.dumps({"kind": "visitor_typing"})
    for bad in ("[]", "{", unknown, anonymous):
        with pytest.raises(InvalidChatSignal):
            ChatSignal.from_payload(bad)


def test_a_colleagues_typing_round_trips_and_refuses_what_it_cannot_read() -> None:
    signal = ColleagueTyping(uuid4(), uuid4(), "Anna <b>Petrova</b>")
    assert ColleagueTyping.from_payload(signal.to_payload()) == signal
    good = signal.to_dict()
    for bad in (
        "[]",
        "not json",
        json.dumps({**good, "conversation_id": "nope"}),
        json.dumps({**good, "manager_id": None}),
        json.dumps({**good, "name": ""}),
        json.dumps({**good, "name": "two\nlines"}),
    ):
        with pytest.raises(InvalidChatSignal):
            ColleagueTyping.from_payload(bad)


def test_a_reply_carries_the_operators_name_only_when_there_is_one() -> None:
    reply = OutboundReply(
        conversation_id=uuid4(),
        reply_id=uuid4(),
        manager_id=ANN,
        channel=Channel.WEBCHAT,
        address=ChannelAddress(Channel.WEBCHAT, "v1"),
        text="hi",
        sent_at=AT,
        operator_name="Ann",
    )
    assert OutboundReply.from_dict(reply.to_dict()) == reply
    unnamed = OutboundReply.from_dict({**reply.to_dict(), "operator_name": ""})
    assert "operator_name" not in unnamed.to_dict()
