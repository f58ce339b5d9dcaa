"""Contacts through their use cases (in memory): created, edited at a version, reached, matched, merged, resolved."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from application.close_conversation import close_conversation
from application.contact_addresses import add_email, add_messenger_id, add_phone
from application.create_contact import create_contact
from application.duplicate_suggestions import dismiss_duplicate_suggestion, list_duplicate_suggestions
from application.errors import AddressTaken, ConcurrentEdit, UnknownContact, UnknownManager
from application.event_store import EventStore
from application.managers import register_manager
from application.merge_contacts import merge_contacts
from application.receive_messages import receive_messages
from application.resolve_contact import resolve_contact
from application.update_contact import ContactChanges, update_contact
from application.work_day import change_work_day
from domain.channels import Channel, ChannelAddress
from domain.contact import CannotMerge, Contact, ContactWasMerged
from domain.conversation import Conversation
from domain.duplicates import SuggestionClosed
from domain.identities import conversation_id, lead_id
from domain.inbound import InboundMessage
from domain.intake import Intake
from domain.lead import Lead
from domain.phones import Phone
from domain.text import InvalidText
from tests.log_invariants import log_events
from tests.router_reactions import routed

ANNA = uuid4()
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def store() -> EventStore:
    return EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=lambda: T0)


def contact(store: EventStore, contact_id: UUID) -> Contact:
    found = store.repository.get(contact_id)
    assert isinstance(found, Contact)
    return found


def telegram(store: EventStore, user: str, name: str = "", intake: Intake | None = None) -> UUID:
    """A Telegram message; returns the contact of its conversation."""
    message = InboundMessage(
        channel=Channel.TELEGRAM,
        channel_message_id=f"{user}/{uuid4()}",
        thread=user,
        sender=ChannelAddress(Channel.TELEGRAM, user),
        text="hello",
        received_at=T0,
        sender_name=name,
        intake=intake,
    )
    receive_messages(store, [message])
    conversation = store.repository.get(conversation_id("telegram", user))
    assert isinstance(conversation, Conversation)
    return conversation.contact_id


def test_a_contact_is_created_with_its_addresses_each_in_its_one_form(store: EventStore) -> None:
    saved = create_contact(
        store,
        ANNA,
        "Ilze Bērziņa",
        phones=["20 000 000"],
        emails=["Ilze@Example.com"],
        messenger_ids=["telegram:4711"],
        default_phone_region="LV",
    )
    ilze = contact(store, saved.contact_id)
    assert ilze.phones == [Phone("+37120000000", "20 000 000")]
    assert ilze.emails == ["ilze@example.com"]
    assert ilze.messenger_ids == ["telegram:4711"]
    assert saved.version == ilze.version
    # Each address is the contact's in the address book: a touch from any of them joins it.
    assert telegram(store, "4711") == ilze.id


def test_bad_input_names_its_field_and_stores_nothing(store: EventStore) -> None:
    before = len(log_events(store))
    for kwargs, field in [
        ({"phones": ["+371 2000 0000", "12"]}, "phones[1]"),
        ({"emails": ["ilze"]}, "emails[0]"),
        ({"messenger_ids": ["skype:ilze"]}, "messenger_ids[0]"),
    ]:
        with pytest.raises(InvalidText) as refused:
            create_contact(store, ANNA, "Ilze", **kwargs)  # type: ignore[arg-type]
        assert refused.value.field == field
    with pytest.raises(InvalidText, match="'name'"):
        create_contact(store, ANNA, " ")
    assert len(log_events(store)) == before


def test_an_address_of_another_contact_is_refused_and_nothing_changes(store: EventStore) -> None:
    ilze = create_contact(store, ANNA, "Ilze", emails=["ilze@example.com"]).contact_id
    other = create_contact(store, ANNA, "Other").contact_id
    before = len(log_events(store))
    with pytest.raises(AddressTaken) as refused:
        add_email(store, other, ANNA, "ILZE@example.com")
    assert (refused.value.field, refused.value.owner_id) == ("email", ilze)
    with pytest.raises(AddressTaken):
        create_contact(store, ANNA, "Third", phones=["+37120000000"], emails=["ilze@example.com"])
    assert len(log_events(store)) == before


def test_an_edit_made_on_an_old_version_is_refused_with_the_current_one(store: EventStore) -> None:
    saved = create_contact(store, ANNA, "Ilze")
    update_contact(store, saved.contact_id, ANNA, ContactChanges(vip=True), expected_version=saved.version)
    with pytest.raises(ConcurrentEdit) as refused:
        add_phone(store, saved.contact_id, ANNA, "+37120000000", expected_version=saved.version)
    assert refused.value.current_version == saved.version + 1
    assert contact(store, saved.contact_id).phones == []


def test_an_update_changes_only_what_it_names_each_change_by_its_editor(store: EventStore) -> None:
    saved = create_contact(store, ANNA, "Ilze", source="fair")
    update_contact(store, saved.contact_id, ANNA, ContactChanges(language="lv", tags=["b2b"], custom_fields={"x": 1}))
    ilze = contact(store, saved.contact_id)
    assert (ilze.name, ilze.source, ilze.vip, ilze.language, ilze.tags, ilze.custom_fields) == (
        "Ilze",
        "fair",
        False,
        "lv",
        ["b2b"],
        {"x": 1},
    )
    with pytest.raises(UnknownManager):
        update_contact(store, saved.contact_id, ANNA, ContactChanges(responsible_manager_id=uuid4()))
    with pytest.raises(UnknownContact):
        update_contact(store, uuid4(), ANNA, ContactChanges(name="x"))
    edits = [d for k, a, d in log_events(store) if a == saved.contact_id and k != "Contact.Registered"]
    assert edits
    assert all(d["by"] == ANNA for d in edits)


def test_a_touch_carrying_a_known_email_joins_its_contact_in_any_channel(store: EventStore) -> None:
    ilze = create_contact(store, ANNA, "Ilze", emails=["ilze@example.com"]).contact_id
    assert telegram(store, "4711", "Ilze B", Intake(email="ilze@example.com", phone="+37120000000")) == ilze
    joined = contact(store, ilze)
    assert joined.messenger_ids == ["telegram:4711"]
    assert [p.number for p in joined.phones] == ["+37120000000"]  # what the touch brought is kept
    mail = InboundMessage(
        channel=Channel.EMAIL,
        channel_message_id="<m1@example.com>",
        thread="<m1@example.com>",
        sender=ChannelAddress(Channel.EMAIL, "ilze@example.com"),
        text="hi",
        received_at=T0,
    )
    (received,) = receive_messages(store, [mail])
    conversation = store.repository.get(received.conversation_id)  # type: ignore[arg-type]
    assert isinstance(conversation, Conversation)
    assert conversation.contact_id == ilze
    assert len([k for k, _, _ in log_events(store) if k == "Contact.Registered"]) == 1


def test_a_likely_duplicate_is_only_suggested_listed_on_both_and_dismissed_for_good(store: EventStore) -> None:
    ilze = create_contact(store, ANNA, "Ilze Bērziņa", emails=["ilze.berzina@example.lv"]).contact_id
    other = telegram(store, "4711", "Ilze Berzina", Intake(email="ilze.berzina@gmail.com"))
    assert other != ilze
    (suggested,) = list_duplicate_suggestions(store, ilze)
    assert suggested.other_contact_id == other
    assert any(r.startswith("same name") for r in suggested.reasons)
    assert any(r.startswith("same e-mail name at another domain") for r in suggested.reasons)
    assert [s.suggestion_id for s in list_duplicate_suggestions(store, other)] == [suggested.suggestion_id]
    dismiss_duplicate_suggestion(store, suggested.suggestion_id, ANNA, "two people, both Ilze")
    with pytest.raises(SuggestionClosed):
        dismiss_duplicate_suggestion(store, suggested.suggestion_id, ANNA)
    update_contact(store, other, ANNA, ContactChanges(name="Ilze  Berzina"))
    assert list_duplicate_suggestions(store, ilze) == []
    assert not [k for k, _, _ in log_events(store) if k == "Contact.MergedInto"]


def test_a_merge_moves_every_address_and_the_merged_id_still_resolves(store: EventStore) -> None:
    survivor = create_contact(store, ANNA, "Ilze", emails=["ilze@example.com"]).contact_id
    merged = telegram(store, "4711", "Ilze B")
    add_messenger_id(store, merged, ANNA, "vk:99")
    result = merge_contacts(store, survivor, merged, ANNA, "same person, two channels")
    assert set(result.moved_addresses) == {"telegram:4711", "vk:99"}
    assert resolve_contact(store, merged).contact_id == survivor
    assert resolve_contact(store, merged).merged
    assert set(contact(store, survivor).addresses) == {"email:ilze@example.com", "telegram:4711", "vk:99"}
    # The merged contact's channels now lead to the survivor, in a new conversation or the old one.
    assert telegram(store, "4711") == merged  # the conversation keeps its history, and its contact id resolves
    message = InboundMessage(
        channel=Channel.VK,
        channel_message_id="vk/1",
        thread="99",
        sender=ChannelAddress(Channel.VK, "99"),
        text="hi",
        received_at=T0,
    )
    (received,) = receive_messages(store, [message])
    conversation = store.repository.get(received.conversation_id)  # type: ignore[arg-type]
    assert isinstance(conversation, Conversation)
    assert conversation.contact_id == survivor
    with pytest.raises(ContactWasMerged) as refused:
        update_contact(store, merged, ANNA, ContactChanges(name="x"))
    assert refused.value.survivor_id == survivor
    with pytest.raises(CannotMerge):
        merge_contacts(store, survivor, survivor, ANNA, "")
    kinds = [(k, d.get("by")) for k, a, d in log_events(store) if k in {"Contact.Merged", "Contact.MergedInto"}]
    assert kinds == [("Contact.Merged", ANNA), ("Contact.MergedInto", ANNA)]


def test_merging_on_an_old_version_is_refused(store: EventStore) -> None:
    one = create_contact(store, ANNA, "One")
    two = create_contact(store, ANNA, "Two")
    add_email(store, two.contact_id, ANNA, "two@example.com")
    with pytest.raises(ConcurrentEdit):
        merge_contacts(store, one.contact_id, two.contact_id, ANNA, "", merged_version=two.version)
    assert not resolve_contact(store, two.contact_id).merged


def test_a_lead_of_a_merged_contact_is_routed_by_the_survivor(store: EventStore) -> None:
    anna = register_manager(store, "Anna", "anna@example.com", 5, "sales")
    boris = register_manager(store, "Boris", "boris@example.com", 5, "sales")
    routed(store, change_work_day, anna, "start")
    routed(store, change_work_day, boris, "start")
    survivor = create_contact(store, ANNA, "Ilze").contact_id
    update_contact(store, survivor, ANNA, ContactChanges(vip=True, responsible_manager_id=boris))
    merged = telegram(store, "4711")
    merge_contacts(store, survivor, merged, ANNA, "same person")
    close_conversation(store, conversation_id("telegram", "4711"), anna, any_conversation=True)
    telegram(store, "4711")  # the customer writes again in the conversation of the merged contact
    reopened = store.repository.get(lead_id(conversation_id("telegram", "4711")))
    assert isinstance(reopened, Lead)
    assert reopened.contact_id == merged  # the lead keeps its history; its contact resolves
    assert reopened.manager_id == boris  # back to the survivor's responsible manager
    assert contact(store, survivor).responsible_manager_id == boris
