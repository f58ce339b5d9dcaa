"""A console is told of contacts, companies and leads in the order they changed, whatever order their rows are read in.

Notifications that pile up while the gateway pushes go out as one push: the contact handed away
must still be told gone before the contact entered after it, and a lead changed before a contact
must be told first. Otherwise a console, or a test, that takes a later record's frame as proof
that every earlier change has been told is wrong by chance.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from application.create_contact import create_contact
from application.event_store import EventStore
from application.receive_messages import receive_messages
from application.record_holding import held
from application.update_contact import ContactChanges, update_contact
from domain.inbound import InboundMessage
from domain.live_update import ReadModelsChanged
from services.bootstrap import build_event_store, create_pool
from services.console.accounts import Operator, Role
from services.console.record_hands import Hands, lead_holdings
from services.console.sales_access import SalesAccess
from services.console.sales_live import Changed, SalesPushes
from services.settings import Settings
from tests.integration.crm_world import PEOPLE, people
from tests.projected import project

pytestmark = pytest.mark.integration


@dataclass
class Screen:
    """A console that keeps what it is sent."""

    operator: Operator
    known_deals: set[str] = field(default_factory=set)
    known_people: set[str] = field(default_factory=set)
    told_gone: set[str] = field(default_factory=set)
    frames: list[tuple[str, str]] = field(default_factory=list)  # (type, the record's id)

    def send(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        self.frames.append((kind, frame["id"] if kind.endswith("_removed") else frame[kind]["id"]))

    def send_text(self, text: str) -> None:
        self.send(json.loads(text))


def test_people_are_told_in_the_order_they_changed_not_the_order_their_rows_are_read(
    store: EventStore, settings: Settings
) -> None:
    ids = people(store, settings)
    handed = create_contact(store, ids["anna"], "Handed").contact_id
    update_contact(store, handed, ids["anna"], ContactChanges(responsible_manager_id=ids["sam"]))
    later = create_contact(store, ids["anna"], "Later").contact_id
    update_contact(store, later, ids["anna"], ContactChanges(responsible_manager_id=ids["anna"]))
    [received] = receive_messages(store, [InboundMessage.from_visitor("v1", "m1", "Tyres?", datetime.now(UTC))])
    assert received.lead_id is not None
    lead = received.lead_id
    asyncio.run(project(settings, store))

    def screen(name: str, *shown: UUID) -> Screen:
        operator = Operator(ids[name], name.title(), f"{name}@example.com", Role(PEOPLE[name][1].value))
        return Screen(operator, known_people={f"contact:{record}" for record in shown})

    async def told(who: Screen, *notifications: ReadModelsChanged) -> list[tuple[str, str]]:
        changed = Changed()
        for notification in notifications:  # piled up while the gateway pushed: one push
            changed.add(notification)
        pool = await create_pool(settings, size=2)
        try:
            await SalesPushes(pool, SalesAccess(lambda: store)).push(changed, [who])
        finally:
            await pool.close()
        return who.frames

    # Hanna was shown the contact; Anna hands it to Sam, of the other department, then enters another.
    hanna = screen("hanna", handed)
    gone_then_new = asyncio.run(
        told(hanna, ReadModelsChanged(contact_ids=(handed,)), ReadModelsChanged(contact_ids=(later,)))
    )
    assert gone_then_new == [("contact_removed", str(handed)), ("contact", str(later))]
    # Either order the rows are in is told as changed, and a lead changed before contacts before them.
    for first, second in ((handed, later), (later, handed)):
        dora = screen("dora")
        each = asyncio.run(
            told(dora, ReadModelsChanged(lead_ids=(lead,)), ReadModelsChanged(contact_ids=(first, second)))
        )
        assert each == [("lead", str(lead)), ("contact", str(first)), ("contact", str(second))]


def test_a_lead_waiting_in_a_queue_is_told_to_that_teams_head_as_the_rest_would_show_it(
    store: EventStore, settings: Settings
) -> None:
    ids = people(store, settings)
    north = build_event_store(settings.model_copy(update={"team": "north"}))
    try:  # nobody in the north has started work: the lead waits in its queue
        [received] = receive_messages(north, [InboundMessage.from_visitor("v1", "m1", "Tyres?", datetime.now(UTC))])
    finally:
        north.close()
    assert received.lead_id is not None
    lead = received.lead_id
    asyncio.run(project(settings, store))
    rule = held(store, "lead", lead)
    assert rule is not None
    assert rule.holding.teams == {"north"}

    async def pushed() -> tuple[dict[str, list[tuple[str, str]]], Hands]:
        screens = {
            name: Screen(Operator(ids[name], name.title(), f"{name}@example.com", Role(PEOPLE[name][1].value)))
            for name in PEOPLE
        }
        pool = await create_pool(settings, size=2)
        try:
            changed = Changed()
            changed.add(ReadModelsChanged(lead_ids=(lead,)))
            await SalesPushes(pool, SalesAccess(lambda: store)).push(changed, list(screens.values()))
            hands = (await lead_holdings(pool, [lead], store.team))[lead]
        finally:
            await pool.close()
        return {name: screen.frames for name, screen in screens.items()}, hands

    frames, hands = asyncio.run(pushed())
    assert hands.now == rule.holding  # the read model's answer is the rule's
    assert hands.before is None  # created and queued at once: it has had no other place anyone was shown
    told = {name for name, each in frames.items() if each == [("lead", str(lead))]}
    assert told == {"hanna", "dora", "adam"}


def test_a_contact_handed_away_leaves_the_consoles_that_could_see_it_though_never_pushed_it(
    store: EventStore, settings: Settings
) -> None:
    ids = people(store, settings)
    handed = create_contact(store, ids["anna"], "Handed").contact_id
    update_contact(store, handed, ids["anna"], ContactChanges(responsible_manager_id=ids["anna"]))
    update_contact(store, handed, ids["anna"], ContactChanges(responsible_manager_id=ids["sam"]))
    asyncio.run(project(settings, store))

    async def pushed() -> dict[str, list[tuple[str, str]]]:
        screens = {
            name: Screen(Operator(ids[name], name.title(), f"{name}@example.com", Role(PEOPLE[name][1].value)))
            for name in PEOPLE
        }
        pool = await create_pool(settings, size=2)
        try:
            changed = Changed()
            changed.add(ReadModelsChanged(contact_ids=(handed,)))
            await SalesPushes(pool, SalesAccess(lambda: store)).push(changed, list(screens.values()))
        finally:
            await pool.close()
        return {name: screen.frames for name, screen in screens.items()}

    # Each console loaded its contacts over REST (none was pushed): Anna's and her head's lose it.
    frames = asyncio.run(pushed())
    gone, shown = [("contact_removed", str(handed))], [("contact", str(handed))]
    assert frames == {
        "anna": gone,
        "hanna": gone,
        "boris": [],
        "sam": shown,
        "sven": shown,
        "dora": shown,
        "adam": shown,
    }
