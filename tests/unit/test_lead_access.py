"""Who may look into a lead: by where it stands now and the operator's role, never by its past."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from application.close_conversation import close_conversation
from application.event_store import EventStore
from application.managers import register_manager
from application.receive_messages import receive_messages
from application.rules import apply_rules
from application.work_day import change_work_day
from domain.identities import conversation_id, lead_id
from domain.inbound import InboundMessage
from domain.rules import Conditions, Rule, RuleSet
from services.console.accounts import Operator, Role
from services.console.lead_access import lead_visible
from tests.router_reactions import routed

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Office:
    """Two teams: sales (Anna, Boris, their head Hanna) and support (Sven, their head Harald)."""

    def __init__(self) -> None:
        self.store = EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, team="sales", clock=lambda: AT)
        self.ids: dict[str, UUID] = {}
        for name, team in (("anna", "sales"), ("boris", "sales"), ("hanna", "sales"), ("sven", "support")):
            self.ids[name] = register_manager(
                self.store, name, f"{name}@example.com", 0 if name == "hanna" else 5, team
            )
        self.ids["harald"] = register_manager(self.store, "harald", "harald@example.com", 0, "support")
        support = Rule("support", Conditions(sources=frozenset({"support"})), team="support")
        routed(self.store, apply_rules, RuleSet((support, Rule("default", team="sales"))), "test")

    def operator(self, name: str, role: Role = Role.MANAGER) -> Operator:
        manager = self.ids.get(name, uuid4())
        return Operator(manager_id=manager, name=name, email=f"{name}@example.com", role=role)

    def writes(self, visitor: str, source: str = "") -> UUID:
        message = InboundMessage.from_visitor(visitor, str(uuid4()), "hello", AT, source=source)
        routed(self.store, receive_messages, [message])
        return lead_id(conversation_id("webchat", visitor))

    def sees(self, who: Operator, lead: UUID) -> bool:
        return lead_visible(self.store, who, lead)


@pytest.fixture
def office() -> Office:
    return Office()


def test_a_manager_sees_the_lead_they_hold_and_not_once_they_no_longer_hold_it(office: Office) -> None:
    routed(office.store, change_work_day, office.ids["anna"], "start")
    lead = office.writes("v1")
    anna, boris = office.operator("anna"), office.operator("boris")
    assert (office.sees(anna, lead), office.sees(boris, lead)) == (True, False)
    routed(office.store, change_work_day, office.ids["anna"], "end")
    routed(office.store, change_work_day, office.ids["boris"], "start")
    routed(office.store, close_conversation, conversation_id("webchat", "v1"), office.ids["anna"])
    assert office.writes("v1") == lead
    assert (office.sees(anna, lead), office.sees(boris, lead)) == (False, True)


def test_heads_see_their_teams_leads_only(office: Office) -> None:
    routed(office.store, change_work_day, office.ids["anna"], "start")
    routed(office.store, change_work_day, office.ids["sven"], "start")
    sales, support = office.writes("v1"), office.writes("v2", source="support")
    sven_too = office.writes("v3", source="support")
    hanna, harald = office.operator("hanna", Role.HEAD), office.operator("harald", Role.HEAD)
    assert (office.sees(hanna, sales), office.sees(hanna, support), office.sees(hanna, sven_too)) == (
        True,
        False,
        False,
    )
    assert (office.sees(harald, sales), office.sees(harald, support), office.sees(harald, sven_too)) == (
        False,
        True,
        True,
    )
    # A closed lead has no holder and no queue: it is the default team's.
    routed(office.store, close_conversation, conversation_id("webchat", "v2"), office.ids["sven"])
    assert (office.sees(hanna, support), office.sees(harald, support)) == (True, False)


def test_a_lead_waiting_in_a_queue_is_its_teams_heads(office: Office) -> None:
    lead = office.writes("v1", source="support")  # nobody in support works today: it waits
    hanna, harald = office.operator("hanna", Role.HEAD), office.operator("harald", Role.HEAD)
    assert (office.sees(hanna, lead), office.sees(harald, lead)) == (False, True)


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.ADMIN])
def test_directors_and_admins_see_every_lead(office: Office, role: Role) -> None:
    lead = office.writes("v1", source="support")
    assert office.sees(office.operator("clara", role), lead)


@pytest.mark.parametrize("role", list(Role))
def test_nobody_sees_what_is_no_lead(office: Office, role: Role) -> None:
    missing = uuid4()
    assert not office.sees(office.operator("clara", role), missing)
    # Nor a manager's id passed off as a lead's.
    assert not office.sees(office.operator("clara", role), office.ids["anna"])
