"""Contacts, companies and leads changed travel in live-update notifications as deals and activities do."""

from __future__ import annotations

import json
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.live_update import InvalidLiveUpdate, ReadModelsChanged

ids = st.lists(st.uuids(), max_size=30).map(tuple)


def test_people_and_leads_are_named_for_what_they_are() -> None:
    contact, company, lead = uuid4(), uuid4(), uuid4()
    changed = ReadModelsChanged(contact_ids=(contact,), company_ids=(company,), lead_ids=(lead,))
    [payload] = changed.payloads()
    assert json.loads(payload) == {
        "conversation_ids": [],
        "message_notification_ids": [],
        "contact_ids": [str(contact)],
        "company_ids": [str(company)],
        "lead_ids": [str(lead)],
    }
    assert ReadModelsChanged.from_payload(payload) == changed


def test_a_payload_from_before_people_were_told_reads_as_no_people_changed() -> None:
    read = ReadModelsChanged.from_payload('{"conversation_ids": [], "message_notification_ids": [], "deal_ids": []}')
    assert (read.contact_ids, read.company_ids, read.lead_ids) == ((), (), ())


@pytest.mark.parametrize("name", ["contact_ids", "company_ids", "lead_ids"])
def test_an_id_that_is_not_a_uuid_is_named(name: str) -> None:
    with pytest.raises(InvalidLiveUpdate, match=rf"'{name}\[1\]'"):
        ReadModelsChanged.from_dict({name: [str(uuid4()), "x"]})


@given(contacts=ids, companies=ids, leads=ids, limit=st.integers(min_value=200, max_value=2000))
def test_any_change_of_people_splits_and_reads_back_whole(
    contacts: tuple[UUID, ...], companies: tuple[UUID, ...], leads: tuple[UUID, ...], limit: int
) -> None:
    changed = ReadModelsChanged(contact_ids=contacts, company_ids=companies, lead_ids=leads)
    read = [ReadModelsChanged.from_payload(p) for p in changed.payloads(limit)]
    assert all(len(p.encode()) <= limit for p in changed.payloads(limit))
    assert tuple(i for r in read for i in r.contact_ids) == contacts
    assert tuple(i for r in read for i in r.company_ids) == companies
    assert tuple(i for r in read for i in r.lead_ids) == leads
