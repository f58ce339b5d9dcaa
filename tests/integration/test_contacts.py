"""Contacts on the real event store (PostgreSQL): one contact per person with two routers at once, and merges."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

import pytest

from application.contact_addresses import add_messenger_id
from application.create_contact import create_contact
from application.errors import ConcurrentEdit
from application.event_store import EventStore
from application.merge_contacts import merge_contacts
from application.receive_messages import receive_messages
from application.resolve_contact import resolve_contact
from application.update_contact import ContactChanges, update_contact
from domain.address_book import AddressBookEntry
from domain.channels import Channel, ChannelAddress
from domain.contact import Activity, Contact
from domain.conversation import Conversation
from domain.identities import address_book_entry_id, conversation_id, manager_id
from domain.inbound import InboundMessage
from domain.intake import Intake
from services.bootstrap import build_event_store
from services.settings import Settings

pytestmark = pytest.mark.integration

ANNA = manager_id("anna@example.com")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROUNDS = 12


def message(channel: Channel, user: str, n: int, intake: Intake | None = None) -> InboundMessage:
    return InboundMessage(
        channel=channel,
        channel_message_id=f"{user}/{n}",
        thread=user,
        sender=ChannelAddress(channel, user),
        text="hello",
        received_at=T0,
        intake=intake,
    )


def at_once(*work: Callable[[], object]) -> None:
    """Run each in its own thread, released together; fail with the first error any raised."""
    start = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def run(each: Callable[[], object]) -> None:
        try:
            start.wait(timeout=30)
            each()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(each,)) for each in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)


def contact_of_conversation(store: EventStore, channel: Channel, user: str) -> UUID:
    conversation = store.repository.get(conversation_id(str(channel), user))
    assert isinstance(conversation, Conversation)
    return resolve_contact(store, conversation.contact_id).contact_id


def test_two_routers_meeting_one_new_email_in_two_channels_make_one_contact(
    settings: Settings, store: EventStore
) -> None:
    other = build_event_store(settings)
    try:
        for n in range(ROUNDS):
            same = Intake(email=f"customer{n}@example.com", phone=f"+3712000{n:04d}")
            at_once(
                lambda n=n, same=same: receive_messages(store, [message(Channel.TELEGRAM, f"t{n}", 1, same)]),
                lambda n=n, same=same: receive_messages(other, [message(Channel.VK, f"v{n}", 1, same)]),
            )
    finally:
        other.close()
    fresh = build_event_store(settings)  # no cache: what PostgreSQL holds
    try:
        for n in range(ROUNDS):
            contact_id = contact_of_conversation(fresh, Channel.TELEGRAM, f"t{n}")
            assert contact_of_conversation(fresh, Channel.VK, f"v{n}") == contact_id
            contact = fresh.repository.get(contact_id)
            assert isinstance(contact, Contact)
            assert set(contact.addresses) == {
                f"telegram:t{n}",
                f"vk:v{n}",
                f"email:customer{n}@example.com",
                f"phone:+3712000{n:04d}",
            }
            for address in contact.addresses:
                entry = fresh.repository.get(address_book_entry_id(address))
                assert isinstance(entry, AddressBookEntry)
                assert entry.contact_id == contact_id
        registered = [e for e in fresh.repository.event_store.get(contact_id) if type(e).__name__ == "Registered"]
        assert len(registered) == 1
    finally:
        fresh.close()


def test_a_merge_racing_a_message_to_the_merged_contact_loses_nothing(settings: Settings, store: EventStore) -> None:
    pairs = []
    for n in range(ROUNDS):
        survivor = create_contact(store, ANNA, f"Survivor {n}", emails=[f"s{n}@example.com"]).contact_id
        receive_messages(store, [message(Channel.TELEGRAM, f"m{n}", 1)])
        merged = contact_of_conversation(store, Channel.TELEGRAM, f"m{n}")
        add_messenger_id(store, merged, ANNA, f"vk:m{n}")
        log_mail(store, merged, f"<mail{n}@example.com>")
        pairs.append((survivor, merged))
    other = build_event_store(settings)
    try:
        for n, (survivor, merged) in enumerate(pairs):
            # Both a new conversation from one of its addresses and a message in its old one.
            touches = [message(Channel.VK, f"m{n}", 1), message(Channel.TELEGRAM, f"m{n}", 2)]
            at_once(
                lambda s=survivor, m=merged: merge_contacts(store, s, m, ANNA, "one person"),
                lambda touches=touches: receive_messages(other, touches),
            )
    finally:
        other.close()
    fresh = build_event_store(settings)
    try:
        for n, (survivor, merged) in enumerate(pairs):
            assert resolve_contact(fresh, merged).contact_id == survivor
            assert contact_of_conversation(fresh, Channel.VK, f"m{n}") == survivor
            assert contact_of_conversation(fresh, Channel.TELEGRAM, f"m{n}") == survivor
            after = fresh.repository.get(survivor)
            assert isinstance(after, Contact)
            assert set(after.addresses) == {f"email:s{n}@example.com", f"telegram:m{n}", f"vk:m{n}"}
            assert after.activities == [f"<mail{n}@example.com>"]
            assert after.merged_from == [merged]
            for address in after.addresses:
                entry = fresh.repository.get(address_book_entry_id(address))
                assert isinstance(entry, AddressBookEntry)
                assert entry.contact_id == survivor
            history = [type(e).__name__ for e in fresh.repository.event_store.get(merged)]
            assert history[-1] == "MergedInto"  # nothing reached the merged contact after its merge
    finally:
        fresh.close()


def test_an_edit_on_a_version_another_process_moved_past_is_refused(settings: Settings, store: EventStore) -> None:
    saved = create_contact(store, ANNA, "Ilze")
    other = build_event_store(settings)
    try:
        update_contact(other, saved.contact_id, ANNA, ContactChanges(vip=True), expected_version=saved.version)
    finally:
        other.close()
    with pytest.raises(ConcurrentEdit) as refused:
        update_contact(store, saved.contact_id, ANNA, ContactChanges(region="Riga"), expected_version=saved.version)
    assert refused.value.current_version == saved.version + 1


def log_mail(store: EventStore, contact_id: UUID, message_id: str) -> None:
    """A mail with the customer, copied to the CRM, on their contact (as the router logs it)."""

    def command(work: object, _: object) -> None:
        contact = work.find(contact_id, Contact)  # type: ignore[attr-defined]
        contact.log_activity(Activity("email", message_id, "Order", "text", T0, ANNA))

    store.transact(command)  # type: ignore[arg-type]
