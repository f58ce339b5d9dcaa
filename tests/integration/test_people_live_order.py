"""A console is told of contacts, companies and leads in the order they changed, whatever order their rows are read in.

Notifications that pile up while the gateway pushes go out as one push: the contact handed away
must still be told gone before the contact entered after it, and a lead changed before a contact
must be told first. Otherwise a console, or a test, that takes a later record's frame as proof
that every earlier change has been told is wrong by chance.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import UUID

import pytest

from application.create_contact import create_contact
from application.event_store import EventStore
from application.receive_messages import receive_messages
from application.record_holding import held
from application.update_contact import ContactChanges, update_contact
from domain.inbound import InboundMessage
from domain.live_update import ReadModelsChanged
from services.bootstrap import create_pool
from services.console.record_hands import Hands, lead_holdings
from services.settings import Settings
from tests.integration.crm_world import people, received_in_north
from tests.integration.live_screens import Screen, everyone, screen, told
from tests.projected import project

pytestmark = pytest.mark.integration


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

    def shown(name: str, *records: UUID) -> dict[str, Screen]:
        return {name: Screen(screen(ids, name).operator, known_people={f"contact:{r}" for r in records})}

    # Hanna was shown the contact; Anna hands it to Sam, of the other department, then enters another.
    hanna = shown("hanna", handed)
    gone_then_new = asyncio.run(
        told(store, settings, hanna, ReadModelsChanged(contact_ids=(handed,)), ReadModelsChanged(contact_ids=(later,)))
    )
    assert gone_then_new["hanna"] == [("contact_removed", str(handed)), ("contact", str(later))]
    # Either order the rows are in is told as changed, and a lead changed before contacts before them.
    for first, second in ((handed, later), (later, handed)):
        dora = shown("dora")
        each = asyncio.run(
            told(
                store,
                settings,
                dora,
                ReadModelsChanged(lead_ids=(lead,)),
                ReadModelsChanged(contact_ids=(first, second)),
            )
        )
        assert each["dora"] == [("lead", str(lead)), ("contact", str(first)), ("contact", str(second))]


def test_a_lead_waiting_in_a_queue_is_told_to_that_teams_head_as_the_rest_would_show_it(
    store: EventStore, settings: Settings
) -> None:
    ids = people(store, settings)
    # Nobody in the north has started work: the lead waits in its queue.
    [received] = received_in_north(settings, InboundMessage.from_visitor("v1", "m1", "Tyres?", datetime.now(UTC)))
    assert received.lead_id is not None
    lead = received.lead_id
    asyncio.run(project(settings, store))
    rule = held(store, "lead", lead)
    assert rule is not None
    assert rule.holding.teams == {"north"}

    async def holdings() -> Hands:
        pool = await create_pool(settings, size=1)
        try:
            return (await lead_holdings(pool, [lead], store.team))[lead]
        finally:
            await pool.close()

    frames = asyncio.run(told(store, settings, everyone(ids), ReadModelsChanged(lead_ids=(lead,))))
    hands = asyncio.run(holdings())
    assert hands.now == rule.holding  # the read model's answer is the rule's
    assert hands.before is None  # created and queued at once: it has had no other place anyone was shown
    assert {name for name, each in frames.items() if each == [("lead", str(lead))]} == {"hanna", "dora", "adam"}


def test_a_contact_handed_away_leaves_the_consoles_that_could_see_it_though_never_pushed_it(
    store: EventStore, settings: Settings
) -> None:
    ids = people(store, settings)
    handed = create_contact(store, ids["anna"], "Handed").contact_id
    update_contact(store, handed, ids["anna"], ContactChanges(responsible_manager_id=ids["anna"]))
    update_contact(store, handed, ids["anna"], ContactChanges(responsible_manager_id=ids["sam"]))
    asyncio.run(project(settings, store))

    # Each console loaded its contacts over REST (none was pushed): Anna's and her head's lose it.
    frames = asyncio.run(told(store, settings, everyone(ids), ReadModelsChanged(contact_ids=(handed,))))
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
