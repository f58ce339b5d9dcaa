"""Who may convert a lead: edit on the lead, and create on each record asked for, for its responsible manager.

The gateway's own check, with the permission rule configured otherwise than by default, on the
in-memory event store; a refusal records nothing.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from application.departments import appoint_head
from application.event_store import EventStore
from application.lead_qualification import qualify_lead, take_lead_in_progress
from application.managers import register_manager
from application.receive_messages import receive_messages
from application.work_day import change_work_day
from domain.deal import Deal
from domain.inbound import InboundMessage
from domain.lead import Lead
from domain.permissions import Action, Entity, Permissions, Role, Scope
from services.console.accounts import Operator
from services.console.accounts import Role as AccountRole
from services.console.commands import dispatch
from services.console.desk import Desk
from services.console.lead_conversion import conversion_pushed, convert
from services.console.sales_access import NotAllowed, NotVisible, SalesAccess
from tests.router_reactions import routed

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PERSON = {"contact": {"name": "Ilze"}}
BUSINESS = {"contact": {}, "company": {"name": "Nordic Freight"}, "deal": {"currency": "EUR"}}


@pytest.fixture
def store() -> EventStore:
    return EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, team="sales", clock=lambda: T0)


def office(store: EventStore) -> tuple[UUID, dict[str, Operator]]:
    """A qualified lead held by Anna; Anna, Boris and their head Hanna, and Sven of another team, who heads it."""
    people = {}
    for name, team, role in (
        ("anna", "sales", AccountRole.MANAGER),
        ("boris", "sales", AccountRole.MANAGER),
        ("hanna", "sales", AccountRole.HEAD),
        ("sven", "south", AccountRole.HEAD),
    ):
        manager = register_manager(store, name.title(), f"{name}@example.com", 5, team)
        people[name] = Operator(manager_id=manager, name=name, email=f"{name}@example.com", role=role)
    appoint_head(store, "sales", people["hanna"].manager_id)
    appoint_head(store, "south", people["sven"].manager_id)
    routed(store, change_work_day, people["anna"].manager_id, "start")
    (received,) = routed(store, receive_messages, [InboundMessage.from_visitor("v1", "m1", "hello", T0)])
    assert received.lead_id is not None
    assert received.assigned_to == people["anna"].manager_id
    take_lead_in_progress(store, received.lead_id, people["anna"].manager_id)
    qualify_lead(store, received.lead_id, people["anna"].manager_id)
    return received.lead_id, people


def converting(access: SalesAccess, who: Operator, lead: UUID, body: dict[str, Any]) -> tuple[str, ...]:
    return asyncio.run(convert(access, who, lead, body)).created


def test_without_create_on_companies_a_manager_converts_a_person_but_not_a_business(store: EventStore) -> None:
    lead, people = office(store)
    rule = Permissions({(Role.MANAGER, Entity.COMPANY, Action.CREATE): Scope.NONE})
    access = SalesAccess(lambda: store, rule)
    with pytest.raises(NotAllowed, match="may not create a company"):
        converting(access, people["anna"], lead, BUSINESS)
    assert converting(access, people["anna"], lead, PERSON) == ("contact",)


def test_a_lead_one_may_see_but_not_edit_is_refused_and_one_not_seen_is_not_there(store: EventStore) -> None:
    lead, people = office(store)
    access = SalesAccess(lambda: store, Permissions({(Role.MANAGER, Entity.LEAD, Action.EDIT): Scope.NONE}))
    before = store.recorder.max_notification_id()
    with pytest.raises(NotAllowed, match="may not edit this lead"):
        converting(access, people["anna"], lead, PERSON)
    for outsider in ("boris", "sven"):
        with pytest.raises(NotVisible):
            converting(access, people[outsider], lead, PERSON)
    assert store.recorder.max_notification_id() == before


def test_a_head_converts_their_departments_lead_for_its_manager_and_none_for_a_stranger(store: EventStore) -> None:
    lead, people = office(store)
    access = SalesAccess(lambda: store)
    sven = str(people["sven"].manager_id)
    with pytest.raises(NotAllowed, match="may not create a contact for that manager"):
        converting(access, people["hanna"], lead, {**PERSON, "responsible_id": sven})
    assert converting(access, people["hanna"], lead, BUSINESS) == ("company", "contact", "deal")
    converted = store.load(lead)
    assert isinstance(converted, Lead)
    assert converted.converted.deal_id is not None
    deal = store.load(converted.converted.deal_id)
    assert isinstance(deal, Deal)
    assert deal.responsible_id == people["anna"].manager_id  # the lead's manager, not the head who converted it


def test_a_conversion_is_told_to_whoever_may_see_the_lead_or_a_record_it_became(store: EventStore) -> None:
    lead, people = office(store)
    assert conversion_pushed(store, lead) is None  # not converted: nothing to tell
    boris = people["boris"].manager_id
    converting(SalesAccess(lambda: store), people["hanna"], lead, {**BUSINESS, "responsible_id": str(boris)})
    told = conversion_pushed(store, lead)
    assert told is not None
    seen, frame = told
    assert frame["type"] == "lead_converted"
    assert frame["conversion"]["lead_id"] == str(lead)
    rule = Permissions()
    viewers = {
        name
        for name, who in people.items()
        if any(rule.allows(SalesAccess(lambda: store).actor(who), entity, Action.VIEW, held) for entity, held in seen)
    }
    # Anna holds the lead; Boris was made responsible for the company and the deal; Hanna heads them both.
    assert viewers == {"anna", "boris", "hanna"}


def test_the_console_command_converts_by_the_gateways_rule_and_reads_phones_in_its_region(store: EventStore) -> None:
    lead, people = office(store)
    no_companies = Permissions({(Role.MANAGER, Entity.COMPANY, Action.CREATE): Scope.NONE})
    desk = Desk(store, None, SalesAccess(lambda: store, no_companies), default_phone_region="LV")  # type: ignore[arg-type]
    frame = {"type": "convert_lead", "lead_id": str(lead)}
    with pytest.raises(NotAllowed, match="may not create a company"):
        asyncio.run(dispatch(desk, people["anna"], frame | BUSINESS))
    done = asyncio.run(dispatch(desk, people["anna"], frame | {"contact": {"name": "Ilze", "phones": ["2000 0000"]}}))
    assert done["type"] == "ack", done
    contact = store.repository.get(UUID(done["contact_id"]))
    assert [phone.number for phone in contact.phones] == ["+37120000000"]
