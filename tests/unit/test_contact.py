"""A contact: its details checked, every change an event with who made it, and a merge that loses nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.event_store import EventStore
from domain.channels import Channel, ChannelAddress
from domain.contact import Activity, CannotMerge, Contact, ContactWasMerged, merge
from domain.phones import Phone
from domain.text import InvalidText

ANNA = uuid4()
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STORE = EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def replayed(contact: Contact) -> Contact:
    """The contact as its events alone make it: saved, then loaded from the event store."""
    STORE.save(contact)
    loaded = STORE.repository.get(contact.id)
    assert isinstance(loaded, Contact)
    return loaded


def test_every_change_is_an_event_naming_who_made_it() -> None:
    contact = Contact.register("Ilze Bērziņa", by=ANNA, source="fair 2026")
    contact.add_email("ilze@example.com", by=ANNA)
    contact.add_phone(Phone("+37120000000", "20 000 000"), by=ANNA)
    contact.add_address(ChannelAddress(Channel.TELEGRAM, "4711"), by=ANNA)
    contact.update_profile(vip=True, language="lv", region="Riga", tags=["b", "a", "b"], by=ANNA)
    contact.change_custom_fields({"shoe_size": 38, "newsletter": True}, by=ANNA)
    contact.change_custom_fields({"newsletter": None}, by=ANNA)
    contact.rename("Ilze Ozola", by=ANNA)
    events = contact.collect_events()
    assert [type(e).__name__ for e in events] == [
        "Registered",
        "EmailAdded",
        "PhoneAdded",
        "AddressAdded",
        "ProfileUpdated",
        "CustomFieldsChanged",
        "CustomFieldsChanged",
        "Renamed",
    ]
    assert all(e.by == ANNA for e in events)  # type: ignore[attr-defined]
    assert contact.emails == ["ilze@example.com"]
    assert contact.phones == [Phone("+37120000000", "20 000 000")]
    assert contact.messenger_ids == ["telegram:4711"]
    assert contact.tags == ["a", "b"]
    assert contact.custom_fields == {"shoe_size": 38}


def test_what_changes_nothing_records_nothing() -> None:
    contact = Contact.register("Ilze", by=ANNA)
    contact.add_email("ilze@example.com", by=ANNA)
    contact.collect_events()
    assert contact.add_email("ilze@example.com", by=ANNA) is False
    contact.rename(" Ilze ", by=ANNA)
    contact.change_custom_fields({"gone": None}, by=ANNA)
    assert contact.collect_events() == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda c: c.rename("", by=ANNA), "name"),
        (lambda c: c.rename("x" * 300, by=ANNA), "name"),
        (lambda c: c.update_profile(vip=False, language="l v", region="", tags=[], by=ANNA), "language"),
        (lambda c: c.update_profile(vip=False, language="", region="", tags=["ok", "\x07"], by=ANNA), "tags[1]"),
        (lambda c: c.update_profile(vip=False, language="", region="", tags=[str(n) for n in range(51)]), "tags"),
        (lambda c: c.change_custom_fields({"": 1}, by=ANNA), "custom_fields"),
        (lambda c: c.change_custom_fields({"size": float("nan")}, by=ANNA), "custom_fields.size"),
        (lambda c: c.change_custom_fields({"size": 2**60}, by=ANNA), "custom_fields.size"),
        (lambda c: c.change_custom_fields({"size": [1]}, by=ANNA), "custom_fields.size"),
        (lambda c: c.change_custom_fields({"_type_": "uuid_hex", "_data_": "zz"}, by=ANNA), "custom_fields"),
        (lambda c: c.change_custom_fields({f"f{n}": n for n in range(51)}, by=ANNA), "custom_fields"),
        (lambda c: c.change_source("a\nb", by=ANNA), "source"),
    ],
)
def test_a_wrong_detail_is_refused_naming_its_field_and_changes_nothing(change: object, field: str) -> None:
    contact = Contact.register("Ilze", by=ANNA)
    contact.collect_events()
    with pytest.raises(InvalidText) as refused:
        change(contact)  # type: ignore[operator]
    assert refused.value.field == field
    assert contact.collect_events() == []


def test_a_merged_contact_takes_no_more_changes_and_names_its_survivor() -> None:
    survivor, merged = Contact.register("A", by=ANNA), Contact.register("B", by=ANNA)
    merge(survivor, merged, by=ANNA, why="same person")
    with pytest.raises(ContactWasMerged) as refused:
        merged.rename("C", by=ANNA)
    assert refused.value.survivor_id == survivor.id
    with pytest.raises(ContactWasMerged):
        merge(survivor, merged, by=ANNA, why="again")
    with pytest.raises(CannotMerge):
        merge(survivor, survivor, by=ANNA, why="itself")


addresses = st.lists(
    st.one_of(
        st.from_regex(r"email:[a-c]{1,3}@example\.com", fullmatch=True),
        st.from_regex(r"phone:\+3712000000[0-9]", fullmatch=True),
        st.from_regex(r"(telegram|vk|webchat):[a-c0-9]{1,4}", fullmatch=True),
    ),
    max_size=8,
)
values = st.one_of(st.booleans(), st.integers(-5, 5), st.text("abc", max_size=3))
profiles = st.fixed_dictionaries(
    {
        "addresses": addresses,
        "activities": st.lists(st.text("abc123", min_size=1, max_size=4), max_size=5),
        "tags": st.lists(st.text("xyz", min_size=1, max_size=2), max_size=4),
        "custom": st.dictionaries(st.text("pq", min_size=1, max_size=2), values, max_size=3),
        "vip": st.booleans(),
        "company": st.booleans(),
        "merged_before": st.booleans(),
    }
)


def built(name: str, profile: dict[str, object]) -> Contact:
    contact = Contact.register(name, by=ANNA)
    for address in profile["addresses"]:  # type: ignore[attr-defined]
        channel, _, value = address.partition(":")
        if channel == "email":
            contact.add_email(value, by=ANNA)
        elif channel == "phone":
            contact.add_phone(Phone(value, f"typed {value}"), by=None)
        else:
            contact.add_address(ChannelAddress(Channel(channel), value), by=None)
    for message_id in profile["activities"]:  # type: ignore[attr-defined]
        contact.log_activity(Activity("email", f"{name}/{message_id}", "", "", T0, None))
    contact.update_profile(vip=bool(profile["vip"]), language="", region="", tags=list(profile["tags"]))  # type: ignore[call-overload]
    contact.change_custom_fields(dict(profile["custom"]), by=ANNA)  # type: ignore[call-overload]
    if profile["company"]:
        contact.join_company(uuid4(), by=ANNA)
    if profile["merged_before"]:
        merge(contact, Contact.register(f"{name} before", by=ANNA), by=ANNA, why="earlier")
    return contact


@given(profiles, profiles)
def test_a_merge_loses_no_address_phone_email_activity_or_detail(one: dict[str, Any], two: dict[str, Any]) -> None:
    survivor, merged = built("Survivor", one), built("Merged", two)
    before_survivor, before_merged = replayed(survivor), replayed(merged)
    merge(survivor, merged, by=ANNA, why="the same person")
    for after in (survivor, replayed(survivor)):
        assert set(before_survivor.addresses) | set(before_merged.addresses) == set(after.addresses)
        assert len(after.addresses) == len(set(after.addresses))
        assert set(before_survivor.phones) | set(before_merged.phones) >= set(after.phones)
        assert {p.number for p in after.phones} == {p.number for p in [*before_survivor.phones, *before_merged.phones]}
        assert set(after.emails) == set(before_survivor.emails) | set(before_merged.emails)
        assert set(after.activities) == set(before_survivor.activities) | set(before_merged.activities)
        assert set(after.tags) == set(before_survivor.tags) | set(before_merged.tags)
        assert set(after.custom_fields) == set(before_survivor.custom_fields) | set(before_merged.custom_fields)
        assert {k: v for k, v in after.custom_fields.items() if k in before_survivor.custom_fields} == (
            before_survivor.custom_fields
        )
        assert after.merged_from == [*before_survivor.merged_from, merged.id]
        assert after.vip == (before_survivor.vip or before_merged.vip)
        assert after.company_id == (before_survivor.company_id or before_merged.company_id)
        assert after.name == "Survivor"
    assert replayed(merged).merged_into == survivor.id
