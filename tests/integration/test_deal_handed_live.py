"""A deal handed away leaves every console that could see it, not only those it was pushed to.

A board loads its deals over REST: the gateway never pushed them to that console. When the deal is
handed to someone the operator may not follow (another department, an observer taken off), the console
is told ``deal_removed`` all the same, by whose the deal was before; a console that could never see
it is told nothing.
"""

from __future__ import annotations

import asyncio
from uuid import UUID

import pytest

from application.change_deal_responsible import change_deal_responsible
from application.deal_observers import add_deal_observer, remove_deal_observer
from application.event_store import EventStore
from application.open_deal import DealOpening, open_deal
from domain.live_update import ReadModelsChanged
from services.settings import Settings
from tests.integration.crm_world import people
from tests.integration.live_screens import Frames, everyone, told
from tests.projected import project

pytestmark = pytest.mark.integration


def told_twice(store: EventStore, settings: Settings, ids: dict[str, UUID], deal: UUID) -> dict[str, Frames]:
    """The deal frames each console is sent for the deal's latest change, pushed twice, never pushed the deal before."""
    asyncio.run(project(settings, store))
    # Pushed twice, as for a later change of the deal: a console told it is gone is not told again.
    frames = asyncio.run(told(store, settings, everyone(ids), ReadModelsChanged(deal_ids=(deal,)), times=2))
    return {name: [f for f in each if f[0] in ("deal", "deal_removed")] for name, each in frames.items()}


def test_a_deal_handed_to_another_department_leaves_the_consoles_that_could_see_it(
    store: EventStore, settings: Settings
) -> None:
    ids = people(store, settings)
    deal = open_deal(store, DealOpening("Fleet tyres", "EUR"), ids["anna"]).deal_id
    add_deal_observer(store, deal, ids["boris"], ids["anna"])
    change_deal_responsible(store, deal, ids["sam"], ids["anna"])
    frames = told_twice(store, settings, ids, deal)
    gone, shown = [("deal_removed", str(deal))], [("deal", str(deal))] * 2
    # Anna and Hanna, her head, saw it by Anna; Boris still observes it; Sam, Sven and the board see it now.
    expected = {"anna": gone, "hanna": gone, "boris": shown, "sam": shown, "sven": shown, "dora": shown, "adam": shown}
    assert frames == expected

    remove_deal_observer(store, deal, ids["boris"], ids["sam"])
    frames = told_twice(store, settings, ids, deal)
    assert (frames["boris"], frames["hanna"], frames["anna"]) == (gone, [], [])
    assert frames["sam"] == frames["sven"] == shown
