"""The ``switchboard route`` commands: apply a rules file, explain a lead, simulate rules."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from uuid import UUID

from services.bootstrap import build_inbox, create_pool
from services.projections.schema import LIVE_SCHEMA
from services.router.explain import explain
from services.router.rules_file import load_rules
from services.router.simulation import simulate
from services.settings import Settings


async def managers_by_email(settings: Settings) -> dict[str, UUID]:
    """Every manager's id by e-mail address, from the read models."""
    pool = await create_pool(settings, size=1)
    try:
        rows = await pool.fetch(f"SELECT id, email FROM {LIVE_SCHEMA}.managers")  # noqa: S608
    finally:
        await pool.close()
    return {str(r["email"]).lower(): UUID(str(r["id"])) for r in rows}


async def apply_rules_file(settings: Settings, path: Path, author: str) -> str:
    """Validate and apply a rules file; returns the diff, or raises RulesFileError."""
    rules = load_rules(await asyncio.to_thread(path.read_text), await managers_by_email(settings))
    inbox = await asyncio.to_thread(build_inbox, settings)
    try:
        changes = await asyncio.to_thread(inbox.apply_rules, rules, author)
    finally:
        inbox.close()
    return "\n".join(changes) if changes else "no change: these rules are already in force"


async def explain_lead(settings: Settings, lead: UUID) -> str:
    """A lead's routing history in words."""
    inbox = await asyncio.to_thread(build_inbox, settings)
    try:
        return explain(await asyncio.to_thread(inbox.routing_history, lead))
    finally:
        inbox.close()


async def simulate_rules(settings: Settings, path: Path, since: datetime | None) -> str:
    """What the proposed rules would have done with the recorded leads."""
    rules = load_rules(await asyncio.to_thread(path.read_text), await managers_by_email(settings))
    inbox = await asyncio.to_thread(build_inbox, settings)
    try:
        report = await asyncio.to_thread(simulate, inbox, rules, since)
    finally:
        inbox.close()
    return report.render()
