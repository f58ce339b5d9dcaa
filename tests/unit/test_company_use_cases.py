"""Companies through their use cases: details checked, and the contact ↔ company link the same from both sides."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from application.contact_company import link_contact_to_company, set_contact_company, unlink_contact_from_company
from application.create_company import create_company
from application.create_contact import create_contact
from application.errors import ConcurrentEdit, UnknownCompany
from application.event_store import EventStore
from application.managers import register_manager
from application.merge_contacts import merge_contacts
from application.update_company import CompanyChanges, update_company
from domain.company import Company, CompanyDetails
from domain.contact import Contact
from domain.phones import Phone
from domain.text import InvalidText
from tests.log_invariants import log_events

ANNA = uuid4()


@pytest.fixture
def store() -> EventStore:
    return EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def company(store: EventStore, company_id: UUID) -> Company:
    found = store.repository.get(company_id)
    assert isinstance(found, Company)
    return found


def company_of(store: EventStore, contact_id: UUID) -> UUID | None:
    found = store.repository.get(contact_id)
    assert isinstance(found, Contact)
    return found.company_id


def test_a_company_is_created_and_updated_with_checked_details(store: EventStore) -> None:
    boris = register_manager(store, "Boris", "boris@example.com", 3, "sales")
    details = CompanyDetails.checked("SIA Kuģis", "https://www.Kugis.lv/", "Rīga, Brīvības 1", "logistics")
    saved = create_company(
        store, ANNA, details, phones=["67 000 000"], emails=["Info@Kugis.lv"], default_phone_region="LV"
    )
    made = company(store, saved.company_id)
    assert (made.name, made.domain, made.industry) == ("SIA Kuģis", "kugis.lv", "logistics")
    assert made.phones == [Phone("+37167000000", "67 000 000")]
    assert made.emails == ["info@kugis.lv"]
    changes = CompanyChanges(phones=["+371 6700 0001"], emails=[], responsible_manager_id=boris)
    after = update_company(store, saved.company_id, ANNA, changes, expected_version=saved.version)
    updated = company(store, saved.company_id)
    assert ([p.number for p in updated.phones], updated.emails) == (["+37167000001"], [])
    assert updated.responsible_manager_id == boris
    assert updated.version == after.version
    with pytest.raises(ConcurrentEdit):
        update_company(store, saved.company_id, ANNA, CompanyChanges(emails=["a@b.lv"]), expected_version=1)
    with pytest.raises(InvalidText) as refused:
        update_company(store, saved.company_id, ANNA, CompanyChanges(phones=["+371 6700 0001", "x"]))
    assert refused.value.field == "phones[1]"
    with pytest.raises(InvalidText, match="'domain'"):
        CompanyDetails.checked("SIA", domain="kugis")


def test_a_contact_works_for_one_company_and_both_sides_agree(store: EventStore) -> None:
    first = create_company(store, ANNA, CompanyDetails.checked("First")).company_id
    second = create_company(store, ANNA, CompanyDetails.checked("Second")).company_id
    ilze = create_contact(store, ANNA, "Ilze").contact_id
    link_contact_to_company(store, first, ilze, ANNA)
    assert (company_of(store, ilze), company(store, first).contacts) == (first, [ilze])
    set_contact_company(store, ilze, second, ANNA)
    assert (company(store, first).contacts, company(store, second).contacts) == ([], [ilze])
    assert company_of(store, ilze) == second
    unlink_contact_from_company(store, first, ilze, ANNA)  # not of that company: nothing to undo
    assert company_of(store, ilze) == second
    set_contact_company(store, ilze, None, ANNA)
    assert (company_of(store, ilze), company(store, second).contacts) == (None, [])
    with pytest.raises(UnknownCompany):
        set_contact_company(store, ilze, uuid4(), ANNA)
    links = [k for k, _, _ in log_events(store) if k.endswith(("Linked", "Unlinked", "JoinedCompany", "LeftCompany"))]
    assert links.count("Company.ContactLinked") == links.count("Contact.JoinedCompany") == 2


def test_a_merge_leaves_the_company_listing_the_survivor(store: EventStore) -> None:
    firm = create_company(store, ANNA, CompanyDetails.checked("Firm")).company_id
    survivor = create_contact(store, ANNA, "Ilze").contact_id
    merged = create_contact(store, ANNA, "Ilze B").contact_id
    set_contact_company(store, merged, firm, ANNA)
    merge_contacts(store, survivor, merged, ANNA, "same person")
    assert company(store, firm).contacts == [survivor]
    assert company_of(store, survivor) == firm
