"""A deal handed away leaves every console that could see it, not only those it was pushed to.

A board loads its deals over REST: the gateway never pushed them to that console. When the deal is
handed to someone the operator may not follow (another department, an observer taken off), the console
is told ``deal_removed`` all the same, by whose the deal was before; a console that could never see
it is told nothing.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import pytest

from application.change_deal_responsible import change_deal_responsible
from application.deal_observers import add_deal_observer, remove_deal_observer
from application.event_store import EventStore
from application.open_deal import DealOpening, open_deal
from domain.live_update import ReadModelsChanged
from services.bootstrap import create_pool
from services.console.accounts import Operator, Role
from services.console.sales_access import SalesAccess
from services.console.sales_live import Changed, SalesPushes
from services.settings import Settings
from tests.integration.crm_world import PEOPLE, people
from tests.projected import project

pytestmark = pytest.mark.integration


@dataclass
class Screen:
    """A console that keeps the deal frames it is sent, and has been pushed nothing before."""

    operator: Operator
    known_deals: set[str] = field(default_factory=set)
    known_people: set[str] = field(default_factory=set)
    told_gone: set[str] = field(default_factory=set)
    frames: list[tuple[str, str]] = field(default_factory=list)  # (type, the deal's id)

    def send(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind in ("deal", "deal_removed"):
            self.frames.append((kind, frame["id"] if kind == "deal_removed" else frame["deal"]["id"]))

    def send_text(self, text: str) -> None:
        self.send(json.loads(text))


def told(store: EventStore, settings: Settings, ids: dict[str, UUID], deal: UUID) -> dict[str, list[tuple[str, str]]]:
    """What each console is told of the deal's latest change, pushed twice, none of them pushed the deal before."""
    asyncio.run(project(settings, store))

    async def push() -> dict[str, list[tuple[str, str]]]:
        screens = {
            name: Screen(Operator(ids[name], name.title(), f"{name}@example.com", Role(PEOPLE[name][1].value)))
            for name in PEOPLE
        }
        changed = Changed()
        changed.add(ReadModelsChanged(deal_ids=(deal,)))
        pool = await create_pool(settings, size=2)
        try:
            pushes = SalesPushes(pool, SalesAccess(lambda: store))
            for _ in range(2):  # a later change of the deal: a console told it is gone is not told again
                await pushes.push(changed, list(screens.values()))
        finally:
            await pool.close()
        return {name: screen.frames for name, screen in screens.items()}

    return asyncio.run(push())


def test_a_deal_handed_to_another_department_leaves_the_consoles_that_could_see_it(
    store: EventStore, settings: Settings
) -> None:
    ids = people(store, settings)
    deal = open_deal(store, DealOpening("Fleet tyres", "EUR"), ids["anna"]).deal_id
    add_deal_observer(store, deal, ids["boris"], ids["anna"])
    change_deal_responsible(store, deal, ids["sam"], ids["anna"])
    frames = told(store, settings, ids, deal)
    gone, shown = [("deal_removed", str(deal))], [("deal", str(deal))] * 2
    # Anna and Hanna, her head, saw it by Anna; Boris still observes it; Sam, Sven and the board see it now.
    expected = {"anna": gone, "hanna": gone, "boris": shown, "sam": shown, "sven": shown, "dora": shown, "adam": shown}
    assert frames == expected

    remove_deal_observer(store, deal, ids["boris"], ids["sam"])
    frames = told(store, settings, ids, deal)
    assert (frames["boris"], frames["hanna"], frames["anna"]) == (gone, [], [])
    assert frames["sam"] == frames["sven"] == shown
