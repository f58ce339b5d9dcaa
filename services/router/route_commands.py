"""The ``switchboard route`` commands: apply a rules file, explain a lead, simulate rules."""

from __future__ import annotations

import asyncio
import functools
from datetime import datetime
from pathlib import Path
from uuid import UUID

from application.managers import registered_manager
from application.routing_history import routing_history
from application.rule_simulation import simulate
from application.rules import apply_rules
from services.bootstrap import build_event_store
from services.router.explain import explain
from services.router.rules_file import load_rules
from services.settings import Settings


async def apply_rules_file(settings: Settings, path: Path, author: str) -> str:
    """Validate and apply a rules file; returns the diff, or raises RulesFileError."""
    text = await asyncio.to_thread(path.read_text)
    store = await asyncio.to_thread(build_event_store, settings)
    try:
        rules = await asyncio.to_thread(load_rules, text, functools.partial(registered_manager, store))
        changes = await asyncio.to_thread(apply_rules, store, rules, author)
    finally:
        store.close()
    return "\n".join(changes) if changes else "no change: these rules are already in force"


async def explain_lead(settings: Settings, lead: UUID) -> str:
    """A lead's routing history in words."""
    store = await asyncio.to_thread(build_event_store, settings)
    try:
        return explain(await asyncio.to_thread(routing_history, store, lead))
    finally:
        store.close()


async def simulate_rules(settings: Settings, path: Path, since: datetime | None) -> str:
    """What the proposed rules would have done with the recorded leads."""
    text = await asyncio.to_thread(path.read_text)
    store = await asyncio.to_thread(build_event_store, settings)
    try:
        rules = await asyncio.to_thread(load_rules, text, functools.partial(registered_manager, store))
        report = await asyncio.to_thread(simulate, store, rules, since)
    finally:
        store.close()
    return report.render()
