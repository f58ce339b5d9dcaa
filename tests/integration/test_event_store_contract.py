"""The event store adapter keeps one contract on both backends: in memory (unit tests) and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from application.assigning import Assigning
from application.deadline_recorders import DEADLINES
from application.deadlines import deadlines_of
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.contact import Contact
from domain.lead import Lead
from domain.timers import TimerKind
from services.bootstrap import build_event_store
from services.settings import Settings

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "postgres"])
def store(request: pytest.FixtureRequest) -> Iterator[EventStore]:
    if request.param == "memory":
        built = EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=lambda: AT)
    else:
        settings: Settings = request.getfixturevalue("settings")
        built = build_event_store(settings)
        built.clock = lambda: AT
    yield built
    built.close()


def new_lead() -> Lead:
    return Lead(conversation_id=uuid4(), contact_id=uuid4(), channel="webchat", source="site", arrived_at=AT)


def test_a_command_saves_everything_it_changed_or_nothing(store: EventStore) -> None:
    contact = Contact(name="Eva", address="webchat:eva")
    store.save(contact)

    def renames_then_fails(work: UnitOfWork, _: Assigning) -> None:
        found = work.find(contact.id, Contact)
        assert found is not None
        found.update_profile(vip=True, language="", region="", tags=[])
        work.add(Contact(name="Other", address="webchat:other"))
        msg = "refused"
        raise ValueError(msg)

    with pytest.raises(ValueError, match="refused"):
        store.transact(renames_then_fails)
    reloaded = store.load(contact.id)
    assert isinstance(reloaded, Contact)
    assert reloaded.vip is False
    assert reloaded.version == contact.version


def test_a_command_that_lost_a_race_is_run_again_on_fresh_state(store: EventStore) -> None:
    contact = Contact(name="Eva", address="webchat:eva")
    store.save(contact)
    runs = []

    def tags(work: UnitOfWork, _: Assigning) -> int:
        found = work.find(contact.id, Contact)
        assert found is not None
        runs.append(found.version)
        if len(runs) == 1:  # another writer changes the contact after this command loaded it
            other = store.load(contact.id)
            assert isinstance(other, Contact)
            other.update_profile(vip=True, language="", region="", tags=["first"])
            store.save(other)
        found.update_profile(vip=found.vip, language="", region="", tags=[*found.tags, "second"])
        return len(runs)

    assert store.transact(tags) == 2
    reloaded = store.load(contact.id)
    assert isinstance(reloaded, Contact)
    assert reloaded.tags == ["first", "second"]
    assert runs[1] > runs[0]


def test_loading_many_finds_what_loading_one_finds(store: EventStore) -> None:
    contacts = [Contact(name=f"c{i}", address=f"webchat:c{i}") for i in range(5)]
    store.save(*contacts)
    changed = store.load(contacts[0].id)
    assert isinstance(changed, Contact)
    changed.update_profile(vip=True, language="lv", region="", tags=[])
    store.save(changed)
    missing = uuid4()
    many = store.load_many({c.id for c in contacts} | {missing})
    assert many[missing] is None
    for contact in contacts:
        one, found = store.load(contact.id), many[contact.id]
        assert isinstance(one, Contact)
        assert isinstance(found, Contact)
        assert (found.id, found.version, found.vip, found.language) == (one.id, one.version, one.vip, one.language)


def test_deadlines_are_saved_with_the_events_that_set_and_clear_them(store: EventStore) -> None:
    lead, other = new_lead(), new_lead()
    answer_by = AT + timedelta(minutes=5)

    def assign(work: UnitOfWork, _: Assigning) -> None:
        work.add(lead)
        work.add(other)
        lead.assign(uuid4(), {"strategy": "test"}, answer_by)
        other.offer([uuid4()], {"strategy": "test"}, AT + timedelta(minutes=1))

    store.transact(assign)
    later = AT + timedelta(hours=1)
    assert store.deadlines.due(TimerKind.ANSWER, AT, 10) == []
    assert store.deadlines.due(TimerKind.ANSWER, later, 10) == [lead.id]
    assert store.deadlines.due(TimerKind.OFFER, later, 10) == [other.id]

    def answer(work: UnitOfWork, _: Assigning) -> None:
        found = work.find(lead.id, Lead)
        assert found is not None
        assert found.manager_id is not None
        found.mark_answered(found.manager_id, AT)

    store.transact(answer)
    assert store.deadlines.due(TimerKind.ANSWER, later, 10) == []
    assert store.deadlines.due(TimerKind.OFFER, later, 10) == [other.id]


def test_a_save_that_fails_writes_no_deadline(store: EventStore) -> None:
    lead = new_lead()
    store.save(lead)
    stale = store.load(lead.id)
    assert isinstance(stale, Lead)
    fresh = store.load(lead.id)
    assert isinstance(fresh, Lead)
    fresh.queue("sales", 1, {"strategy": "test"})
    store.save(fresh)
    stale.assign(uuid4(), {"strategy": "test"}, AT)
    with pytest.raises(IntegrityError):
        store.save(stale, **{DEADLINES: deadlines_of([stale])})
    assert store.deadlines.due(TimerKind.ANSWER, AT + timedelta(days=1), 10) == []


def test_concurrent_commands_on_one_aggregate_all_land(store: EventStore) -> None:
    contact = Contact(name="Eva", address="webchat:eva")
    store.save(contact)

    def tag(name: str) -> None:
        def command(work: UnitOfWork, _: Assigning) -> None:
            found = work.find(contact.id, Contact)
            assert found is not None
            found.update_profile(vip=False, language="", region="", tags=[*found.tags, name])

        store.transact(command)

    threads = [threading.Thread(target=tag, args=(f"t{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    reloaded = store.load(contact.id)
    assert isinstance(reloaded, Contact)
    assert sorted(reloaded.tags) == ["t0", "t1", "t2", "t3"]
