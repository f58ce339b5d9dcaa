"""Consoles that keep what the gateway pushes them, for tests of who is told what, without a websocket.

``told`` pushes a change to a screen for everyone of ``crm_world.PEOPLE`` with the gateway's own
``SalesPushes`` over the live read models, and answers what each was sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from application.event_store import EventStore
from domain.live_update import ReadModelsChanged
from services.bootstrap import create_pool
from services.console.accounts import Operator, Role
from services.console.sales_access import SalesAccess
from services.console.sales_live import Changed, SalesPushes
from services.settings import Settings
from tests.integration.crm_world import PEOPLE

Frames = list[tuple[str, str]]  # (type, the record's id), in the order sent


@dataclass
class Screen:
    """A console that keeps what it is sent."""

    operator: Operator
    known_deals: set[str] = field(default_factory=set)
    known_people: set[str] = field(default_factory=set)
    told_gone: set[str] = field(default_factory=set)
    frames: Frames = field(default_factory=list)

    def send(self, frame: dict[str, Any]) -> None:
        """Keep the frame's type and record; one about no record (``reports_changed``) is not kept."""
        kind = frame["type"]
        if kind.endswith("_removed"):
            self.frames.append((kind, frame["id"]))
        elif isinstance(record := frame.get(kind), dict):
            self.frames.append((kind, record["id"]))

    def send_text(self, text: str) -> None:
        self.send(json.loads(text))


def screen(ids: dict[str, UUID], name: str) -> Screen:
    """The console of ``name``, one of ``PEOPLE``, shown nothing yet."""
    return Screen(Operator(ids[name], name.title(), f"{name}@example.com", Role(PEOPLE[name][1].value)))


async def told(
    store: EventStore, settings: Settings, screens: dict[str, Screen], *notifications: ReadModelsChanged, times: int = 1
) -> dict[str, Frames]:
    """Push ``notifications`` (piled up: one push) ``times`` times to ``screens``; what each has been sent."""
    changed = Changed()
    for notification in notifications:
        changed.add(notification)
    pool = await create_pool(settings, size=2)
    try:
        pushes = SalesPushes(pool, SalesAccess(lambda: store))
        for _ in range(times):
            await pushes.push(changed, list(screens.values()))
    finally:
        await pool.close()
    return {name: each.frames for name, each in screens.items()}


def everyone(ids: dict[str, UUID]) -> dict[str, Screen]:
    """A console for each of ``PEOPLE``, shown nothing yet."""
    return {name: screen(ids, name) for name in PEOPLE}
