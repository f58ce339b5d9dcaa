"""Saving imported rows: a new contact, the contact a row's address belongs to completed, or a refusal."""

from __future__ import annotations

from uuid import uuid4

from application.contact_matching import owner_of
from application.create_company import create_company
from application.create_contact import create_contact
from application.event_store import EventStore
from application.import_contacts import import_contacts, preview_contacts
from application.unit_of_work import UnitOfWork
from domain.company import Company, CompanyDetails
from domain.contact import Contact, email_key
from domain.import_rows import ImportedContact
from domain.phones import phone_number

BY = uuid4()
IMPORT = uuid4()


def in_memory() -> EventStore:
    return EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def row(
    line: int, name: str, *, phones: tuple[str, ...] = (), emails: tuple[str, ...] = (), **more: str
) -> ImportedContact:
    details = tuple((k, v) for k, v in more.items() if k != "company")
    return ImportedContact(line, name, tuple(phone_number(p) for p in phones), emails, more.get("company", ""), details)


def contact_with(store: EventStore, email: str) -> Contact:
    found = owner_of(UnitOfWork(store.load), email_key(email))
    assert found is not None
    return found


def test_two_rows_with_one_email_are_one_contact_with_what_both_say() -> None:
    store = in_memory()
    rows = [
        row(2, "Anna Berzina", emails=("anna@x.lv",), phones=("+37120000001",)),
        row(3, "Anna B.", emails=("anna@x.lv",), phones=("+37120000002",), title="Buyer"),
    ]

    outcomes = import_contacts(store, IMPORT, rows, BY)

    assert [o.verdict for o in outcomes] == ["created", "updated"]
    anna = contact_with(store, "anna@x.lv")
    assert (anna.name, len(anna.phones), anna.custom_fields) == ("Anna Berzina", 2, {"title": "Buyer"})


def test_a_row_completes_the_contact_its_phone_belongs_to_and_keeps_what_it_had() -> None:
    store = in_memory()
    known = create_contact(store, BY, "Janis Ozols", phones=["+37120000003"]).contact_id

    (outcome,) = import_contacts(
        store, IMPORT, [row(2, "J. Ozols", phones=("+37120000003",), emails=("j@x.lv",), company="Acme")], BY
    )

    assert (outcome.verdict, outcome.contact_id) == ("updated", known)
    janis = store.load(known)
    assert isinstance(janis, Contact)
    assert (janis.name, janis.emails, janis.company_id is not None) == ("Janis Ozols", ["j@x.lv"], True)


def test_a_row_whose_addresses_belong_to_two_contacts_is_refused_and_changes_nothing() -> None:
    store = in_memory()
    create_contact(store, BY, "One", emails=["one@x.lv"])
    create_contact(store, BY, "Two", phones=["+37120000004"])

    (outcome,) = import_contacts(store, IMPORT, [row(7, "Both", emails=("one@x.lv",), phones=("+37120000004",))], BY)

    assert (outcome.line, outcome.verdict) == (7, "refused")
    assert "belong to 2 different contacts" in outcome.reason
    assert contact_with(store, "one@x.lv").phones == []


def test_importing_the_same_rows_again_creates_nothing() -> None:
    store = in_memory()
    rows = [row(2, "No Address Person"), row(3, "Mailed Person", emails=("m@x.lv",))]
    import_contacts(store, IMPORT, rows, BY)

    again = import_contacts(store, IMPORT, rows, BY)

    assert [o.verdict for o in again] == ["unchanged", "unchanged"]


def test_the_preview_decides_as_the_import_would_and_saves_nothing() -> None:
    store = in_memory()
    rows = [row(2, "Anna", emails=("a@x.lv",)), row(3, "Anna", emails=("a@x.lv",), phones=("+37120000005",))]

    preview = preview_contacts(UnitOfWork(store.load), store.load_many, IMPORT, rows, BY)

    assert [o.verdict for o in preview] == ["created", "updated"]
    assert owner_of(UnitOfWork(store.load), email_key("a@x.lv")) is None


def company_of(store: EventStore, email: str) -> Company:
    company = store.load(contact_with(store, email).company_id or uuid4())
    assert isinstance(company, Company)
    return company


def test_rows_naming_one_company_in_different_ways_join_one_company() -> None:
    store = in_memory()
    rows = [
        row(2, "Anna Berzina", emails=("anna@a.lv",), company="Acme, Inc."),
        row(3, "Janis Ozols", emails=("janis@b.lv",), company="ACME  LLC"),
        row(
            4,
            "Olga Petrova",
            emails=("olga@c.ru",),
            company="\u041e\u041e\u041e \u00ab\u0420\u043e\u043c\u0430\u0448\u043a\u0430\u00bb",
        ),
        row(
            5,
            "Ivan Popov",
            emails=("ivan@d.ru",),
            company="\u0440\u043e\u043c\u0430\u0448\u043a\u0430 \u041e\u041e\u041e",
        ),
    ]

    import_contacts(store, IMPORT, rows, BY)

    assert company_of(store, "anna@a.lv").id == company_of(store, "janis@b.lv").id
    assert company_of(store, "olga@c.ru").id == company_of(store, "ivan@d.ru").id
    assert company_of(store, "anna@a.lv").id != company_of(store, "olga@c.ru").id


def test_a_row_joins_the_company_made_by_hand_whose_name_or_domain_it_has() -> None:
    store = in_memory()
    acme = create_company(store, BY, CompanyDetails.checked("Acme Corporation", domain="acme.com")).company_id
    rows = [
        row(2, "Anna Berzina", emails=("anna@acme.com",), company="Acme Europe"),  # its domain is Acme's
        row(3, "Janis Ozols", emails=("janis@gmail.com",), company="acme corp."),  # its name is Acme's
        row(4, "Olga Petrova", emails=("olga@acme.com",)),  # no company named: its domain says
        row(5, "Ivan Popov", emails=("ivan@gmail.com",)),  # a free mailbox says nothing
    ]

    import_contacts(store, IMPORT, rows, BY)

    assert company_of(store, "anna@acme.com").id == acme
    assert company_of(store, "janis@gmail.com").id == acme
    assert company_of(store, "olga@acme.com").id == acme
    assert contact_with(store, "ivan@gmail.com").company_id is None
    company = store.load(acme)
    assert isinstance(company, Company)
    assert len(company.contacts) == 3
