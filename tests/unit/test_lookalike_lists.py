"""The lookalike lists beside the events: read by key, saved with the events, and never missed by two writers."""

from __future__ import annotations

from uuid import uuid4

import pytest

from application.contact_matching import suggest_lookalikes
from application.event_store import EventStore
from application.lookalike_tables import ListedSince
from application.unit_of_work import UnitOfWork
from domain.contact import Contact, ContactDetails
from domain.duplicates import MAX_LISTED, DuplicateSuggestion, suggestion_id

KEY = "name:anna berzina"


@pytest.fixture
def store() -> EventStore:
    """In memory here; ``tests/integration/test_lookalike_table.py`` runs these tests on PostgreSQL's table."""
    return EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def anna(email: str) -> Contact:
    return Contact.register_known(uuid4(), ContactDetails("Anna Berzina", emails=(email,)), None)


def listed(store: EventStore, key: str = KEY) -> list[str]:
    return [card.emails[0] for card in store.lookalike_book.listed([key]).cards.get(key, [])]


def test_a_key_lists_its_newest_contacts_each_once_as_they_now_are(store: EventStore) -> None:
    first = anna("anna@one.lv")

    def save(*contacts: Contact) -> None:
        def list_them(work: UnitOfWork, _: object) -> None:
            for contact in contacts:
                work.add(contact)
                suggest_lookalikes(work, contact)

        store.transact(list_them)

    save(first)
    save(*[anna(f"anna.{n}@many.lv") for n in range(MAX_LISTED)])

    assert len(listed(store)) == MAX_LISTED
    assert "anna@one.lv" not in listed(store)  # the oldest let go
    assert listed(store, "mailbox:anna.0") == ["anna.0@many.lv"]


def test_two_saves_listing_under_one_key_at_once_both_compare_the_second_redone(store: EventStore) -> None:
    one, other = anna("anna@one.lv"), anna("anna@other.lv")
    first, second = store.unit_of_work(), store.unit_of_work()
    for work, contact in ((first, one), (second, other)):
        work.add(contact)
        suggest_lookalikes(work, contact)  # each reads the key before the other saved
    store.save(one, lookalikes=first.lookalikes.changes())

    with pytest.raises(ListedSince):
        store.save(other, lookalikes=second.lookalikes.changes())

    def again(work: UnitOfWork, _: object) -> None:
        work.add(other)
        suggest_lookalikes(work, other)

    store.transact(again)
    assert isinstance(store.load(suggestion_id(one.id, other.id)), DuplicateSuggestion)
    assert sorted(listed(store)) == ["anna@one.lv", "anna@other.lv"]


def test_a_merged_contact_leaves_the_lists_and_a_unit_of_work_without_them_says_so(store: EventStore) -> None:
    from application.contact_merging import merge_into  # noqa: PLC0415 - the use case under test

    one, other = anna("anna@one.lv"), anna("anna@other.lv")
    for contact in (one, other):

        def add(work: UnitOfWork, _: object, contact: Contact = contact) -> None:
            work.add(contact)
            suggest_lookalikes(work, contact)

        store.transact(add)

    def merge(work: UnitOfWork, _: object) -> None:
        survivor, merged = work.find(one.id, Contact), work.find(other.id, Contact)
        assert survivor is not None
        assert merged is not None
        merge_into(work, survivor, merged, None, "same person")

    store.transact(merge)

    assert listed(store, "mailbox:anna") == []  # four letters: no mailbox key; the name lists the survivor
    assert [card.contact_id for card in store.lookalike_book.listed([KEY]).cards[KEY]] == [one.id]
    with pytest.raises(LookupError, match="keeps no lookalike lists"):
        UnitOfWork(store.load).lookalikes.others(KEY, one.id)
