"""The chat's use cases on the real event store: transfers, hand-overs to a team, invitations, reopening."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from application.add_note import add_note
from application.close_conversation import close_conversation
from application.errors import NotYourConversation
from application.event_store import EventStore
from application.invite_colleague import invite_colleague, leave_conversation
from application.managers import manager_load, register_manager
from application.receive_messages import receive_messages
from application.reopen_conversation import reopen_conversation
from application.reply import reply
from application.route_handed_lead import route_handed_lead
from application.transfer_conversation import TransferRefused, hand_to_team, transfer_to_colleague
from application.work_day import change_work_day
from domain.channels import Channel
from domain.contact import Contact
from domain.identities import conversation_id, lead_id
from domain.inbound import InboundMessage
from domain.lead import Lead, LeadStatus
from tests.router_reactions import routed

pytestmark = pytest.mark.integration


def manager(store: EventStore, name: str, team: str = "sales", capacity: int = 5, *, working: bool = True) -> UUID:
    found = register_manager(store, name, f"{name}@chat.test", capacity, team)
    if working:
        routed(store, change_work_day, found, "start")
    return found


def conversation(store: EventStore, visitor: str) -> tuple[UUID, UUID | None]:
    """A visitor's first message, routed; the conversation and who holds it."""
    message = InboundMessage.from_visitor(visitor, "m1", "hello", datetime.now(tz=UTC))
    routed(store, receive_messages, [message])
    chat = conversation_id(Channel.WEBCHAT, visitor)
    lead = store.load(lead_id(chat))
    assert isinstance(lead, Lead)
    return chat, lead.manager_id


def holder(store: EventStore, chat: UUID) -> tuple[UUID | None, LeadStatus]:
    lead = store.load(lead_id(chat))
    assert isinstance(lead, Lead)
    return lead.manager_id, lead.status


def test_a_transfer_moves_the_lead_and_the_load_and_respects_presence_and_capacity(store: EventStore) -> None:
    ann = manager(store, "ann")
    chat, held = conversation(store, "t1")
    assert held == ann
    away = manager(store, "away", team="elsewhere", working=False)
    full = manager(store, "full", team="elsewhere", capacity=0)
    with pytest.raises(TransferRefused, match="work day is not_started"):
        transfer_to_colleague(store, chat, ann, away)
    with pytest.raises(TransferRefused, match="capacity holds"):
        transfer_to_colleague(store, chat, ann, full, override="covering")
    assert holder(store, chat) == (ann, LeadStatus.ASSIGNED)  # refused: nothing changed
    with pytest.raises(NotYourConversation):
        transfer_to_colleague(store, chat, away, ann)

    done = routed(store, transfer_to_colleague, chat, ann, away, override="covering for Ann")
    assert (done.previous_holder, holder(store, chat)) == (ann, (away, LeadStatus.ASSIGNED))
    assert manager_load(store, ann)["open_leads"] == 0
    assert manager_load(store, away)["open_leads"] == 1
    lead = store.load(lead_id(chat))
    assert isinstance(lead, Lead)
    contact = store.load(lead.contact_id)
    assert isinstance(contact, Contact)
    assert contact.responsible_manager_id == away  # the contact card is the new holder's to see
    reply(store, chat, away, "Away here", "r1")  # theirs now
    with pytest.raises(NotYourConversation):
        reply(store, chat, ann, "still mine?", "r2")


def test_a_lead_handed_to_a_team_is_routed_by_the_router_among_its_members(store: EventStore) -> None:
    ann = manager(store, "ann2")
    chat, _ = conversation(store, "t2")
    dora = manager(store, "dora", team="support")
    routed(store, hand_to_team, chat, ann, "support")
    assert holder(store, chat) == (None, LeadStatus.NEW)  # handed over: the router's to route
    assert manager_load(store, ann)["open_leads"] == 0
    assert route_handed_lead(store, lead_id(chat)) == dora
    assert holder(store, chat) == (dora, LeadStatus.ASSIGNED)
    assert route_handed_lead(store, lead_id(chat)) is None  # seen twice: routed once
    with pytest.raises(TransferRefused, match="no team"):
        hand_to_team(store, chat, dora, "nobody")


def test_a_lead_handed_to_a_team_nobody_can_take_waits_in_that_teams_queue(store: EventStore) -> None:
    ann = manager(store, "ann3")
    manager(store, "asleep", team="night", working=False)
    chat, _ = conversation(store, "t3")
    hand_to_team(store, chat, ann, "night")
    assert route_handed_lead(store, lead_id(chat)) is None
    lead = store.load(lead_id(chat))
    assert isinstance(lead, Lead)
    assert (lead.status, lead.queue_name) == (LeadStatus.QUEUED, "night")


def test_an_invited_colleague_replies_and_notes_until_they_leave(store: EventStore) -> None:
    ann = manager(store, "ann4")
    bob = manager(store, "bob4", team="elsewhere")
    chat, _ = conversation(store, "t4")
    with pytest.raises(NotYourConversation):
        add_note(store, chat, bob, "may I?", "n0")
    with pytest.raises(NotYourConversation):
        invite_colleague(store, chat, bob, bob)  # only the holder (or a head) invites
    invite_colleague(store, chat, ann, bob)
    assert not reply(store, chat, bob, "Bob here", "r1").duplicate
    assert not add_note(store, chat, bob, "a note", "n1").duplicate
    assert add_note(store, chat, bob, "a note", "n1").duplicate  # the same request, stored once
    leave_conversation(store, chat, bob)
    with pytest.raises(NotYourConversation):
        reply(store, chat, bob, "gone", "r2")
    assert holder(store, chat) == (ann, LeadStatus.ASSIGNED)


def test_who_closed_it_reopens_it_and_holds_it_again(store: EventStore) -> None:
    ann = manager(store, "ann5")
    bob = manager(store, "bob5", team="elsewhere")
    chat, _ = conversation(store, "t5")
    routed(store, close_conversation, chat, ann)
    assert holder(store, chat) == (None, LeadStatus.CLOSED)
    with pytest.raises(NotYourConversation):
        reopen_conversation(store, chat, bob)
    assert reopen_conversation(store, chat, ann).holder == ann
    assert holder(store, chat) == (ann, LeadStatus.ASSIGNED)
    assert manager_load(store, ann)["open_leads"] == 1
