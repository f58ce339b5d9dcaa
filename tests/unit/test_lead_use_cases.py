"""Leads qualified through their use cases, and routing rules on amount, product and VIP fed by real leads."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from application.change_lead_details import change_lead_details
from application.create_contact import create_contact
from application.errors import ConcurrentEdit, UnknownLead
from application.event_store import EventStore
from application.lead_qualification import mark_lead_junk, qualify_lead, take_lead_in_progress
from application.managers import register_manager
from application.overdue_leads import reroute_unanswered
from application.receive_messages import receive_messages
from application.rules import apply_rules
from application.update_contact import ContactChanges, update_contact
from application.work_day import change_work_day
from domain.channels import Channel, ChannelAddress
from domain.identities import conversation_id, lead_id
from domain.inbound import InboundMessage
from domain.intake import Intake
from domain.lead import Lead, QualificationRefused
from domain.lead_details import LeadDetails
from domain.rules import Conditions, Rule, RuleSet
from domain.text import InvalidText
from tests.router_reactions import routed

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock: Clock) -> EventStore:
    return EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, team="sales", clock=clock)


def lead(store: EventStore, lead: UUID) -> Lead:
    found = store.repository.get(lead)
    assert isinstance(found, Lead)
    return found


def form(store: EventStore, visitor: str, intake: Intake | None = None) -> UUID:
    """A web form's message (a form channel's sender is the submission's visitor); returns its lead."""
    message = InboundMessage(
        channel=Channel.FORM,
        channel_message_id=f"{visitor}/1",
        thread=visitor,
        sender=ChannelAddress(Channel.FORM, visitor),
        text="Please call me back",
        received_at=T0,
        intake=intake,
    )
    receive_messages(store, [message])
    return lead_id(conversation_id("form", visitor))


def test_a_lead_is_qualified_at_the_version_its_manager_read(store: EventStore) -> None:
    anna = uuid4()
    opened = form(store, "v1")
    read = lead(store, opened).version
    taken = take_lead_in_progress(store, opened, anna, expected_version=read)
    assert taken.qualification == "in_progress"
    with pytest.raises(ConcurrentEdit) as refused:
        qualify_lead(store, opened, anna, expected_version=read)
    assert refused.value.current_version == taken.version
    assert qualify_lead(store, opened, anna, expected_version=taken.version).qualification == "qualified"
    with pytest.raises(QualificationRefused):
        mark_lead_junk(store, opened, anna, "spam")
    with pytest.raises(UnknownLead):
        qualify_lead(store, uuid4(), anna)


def test_junk_needs_a_reason(store: EventStore) -> None:
    opened = form(store, "v1")
    with pytest.raises(InvalidText, match="'reason'"):
        mark_lead_junk(store, opened, uuid4(), "  ")
    assert mark_lead_junk(store, opened, uuid4(), "spam").qualification == "junk"
    assert lead(store, opened).junk_reason == "spam"


def test_details_set_by_a_form_at_intake_and_changed_by_a_manager(store: EventStore) -> None:
    intake = Intake(details=LeadDetails.checked("12500", "EUR", "fleet tracking", "40 trucks"))
    opened = form(store, "v1", intake)
    assert lead(store, opened).details == LeadDetails(Decimal(12500), "EUR", "fleet tracking", "40 trucks")
    changed = LeadDetails.checked("9000.50", "USD", "fleet tracking")
    change_lead_details(store, opened, uuid4(), changed)
    assert lead(store, opened).details == changed


def rules_on_amount_and_vip(anna: UUID, boris: UUID) -> RuleSet:
    return RuleSet(
        rules=(
            Rule(name="VIP customers to Anna", conditions=Conditions(vip=True), manager=anna),
            Rule(name="Big deals to Boris", conditions=Conditions(amount_at_least=Decimal(10000)), manager=boris),
            Rule(
                name="Trackers to Boris",
                conditions=Conditions(product_categories=frozenset({"fleet tracking"})),
                manager=boris,
            ),
            Rule(name="Everyone else", team="sales"),
        )
    )


def test_rules_on_amount_product_and_vip_route_real_leads(store: EventStore) -> None:
    anna = register_manager(store, "Anna", "anna@example.com", 5, "sales")
    boris = register_manager(store, "Boris", "boris@example.com", 5, "sales")
    clara = register_manager(store, "Clara", "clara@example.com", 5, "sales")
    for manager in (anna, boris, clara):
        routed(store, change_work_day, manager, "start")
    apply_rules(store, rules_on_amount_and_vip(anna, boris), "ops@example.com")

    big = form(store, "big", Intake(details=LeadDetails.checked("12500", "EUR")))
    tracker = form(store, "tracker", Intake(details=LeadDetails.checked(product_interest="fleet tracking")))
    small = form(store, "small", Intake(details=LeadDetails.checked("900", "EUR")))
    assert (lead(store, big).manager_id, rule_of(store, big)) == (boris, "Big deals to Boris")
    assert (lead(store, tracker).manager_id, rule_of(store, tracker)) == (boris, "Trackers to Boris")
    assert rule_of(store, small) == "Everyone else"

    # A VIP known by their phone: the form carrying it joins their contact, and the VIP rule sends it to Anna.
    vip = create_contact(store, clara, "Ilze", phones=["+371 2000 0000"]).contact_id
    update_contact(store, vip, clara, ContactChanges(vip=True))
    known = form(store, "vip", Intake(phone="+37120000000", details=LeadDetails.checked("50000", "EUR")))
    assert lead(store, known).contact_id == vip
    assert (lead(store, known).manager_id, rule_of(store, known)) == (anna, "VIP customers to Anna")


def rule_of(store: EventStore, lead: UUID) -> str:
    """The rule that decided the lead's last assignment."""
    assigned = [e for e in store.history(lead) if type(e).__name__ == "Assigned"]
    return str(vars(assigned[-1])["reasons"]["rule"])


def test_details_a_manager_sets_route_the_lead_when_it_is_routed_again(store: EventStore, clock: Clock) -> None:
    anna = register_manager(store, "Anna", "anna@example.com", 5, "sales")
    boris = register_manager(store, "Boris", "boris@example.com", 5, "sales")
    routed(store, change_work_day, anna, "start")
    routed(store, change_work_day, boris, "start")
    rules = rules_on_amount_and_vip(anna, boris)
    idle = Rule(name="Everyone else", team="sales", strategy="in_order", order=(anna,), idle_timeout_seconds=60)  # type: ignore[arg-type]
    apply_rules(store, RuleSet(rules=(*rules.rules[:3], idle)), "ops@example.com")
    opened = form(store, "v1")
    assert lead(store, opened).manager_id == anna
    change_lead_details(store, opened, anna, LeadDetails.checked("20000", "EUR"))
    clock.now = T0.replace(minute=5)
    assert reroute_unanswered(store, opened)
    assert lead(store, opened).manager_id == boris
