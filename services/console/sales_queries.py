"""Reading the sales read models for REST and the console: filtered by who may see what, in SQL, a page at a time."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from domain.permissions import Action, Actor, Entity, Permissions, Scope
from services.console.paging import CursorShape, Page
from services.projections.schema import LIVE_SCHEMA

S = LIVE_SCHEMA
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BY_TIME: CursorShape = ("at", "id")
BY_NAME: CursorShape = ("text", "id")
BY_DUE: CursorShape = ("int", "at", "id")  # no due time last, then by due time, then by id
BY_PLACE: CursorShape = ("at", "int")

_DEAL = (
    "SELECT d.id, d.title, d.pipeline_id, d.stage_id, s.name AS stage_name, d.stage_kind, d.amount, d.currency,"  # noqa: S608 - fixed schema
    " d.amount_set_by_hand, d.lines_total, d.probability, d.expected_close, d.contact_id, d.company_id, d.lead_id,"
    " d.responsible_id, d.observers, d.opened_at, d.stage_entered_at, d.closed_at, d.outcome, d.lost_reason,"
    f" d.version FROM {S}.deals d LEFT JOIN {S}.stages s ON s.id = d.stage_id"
)
_PIPELINE = (
    "SELECT p.id, p.name, p.created_at, p.version, coalesce(json_agg(json_build_object('id', s.id, 'name', s.name,"  # noqa: S608
    " 'kind', s.kind, 'probability', s.probability) ORDER BY s.position) FILTER (WHERE s.id IS NOT NULL), '[]')"
    f" AS stages FROM {S}.pipelines p LEFT JOIN {S}.stages s ON s.pipeline_id = p.id"
)
_PRODUCT = f"SELECT id, name, sku, category, price, currency, active, created_at, version FROM {S}.products"  # noqa: S608


@dataclass(frozen=True)
class Visible:
    """Whose records of one entity a user may see: everyone's (``holders`` None), or held by ``holders``.

    Records the user observes are theirs too (``observed``); none at all when the role's scope is none.
    """

    me: UUID
    holders: tuple[UUID, ...] | None
    observed: bool
    looking: bool = False  # whether leads on offer to ``holders`` and in ``teams``' queues are seen too
    teams: tuple[str, ...] = ()

    @classmethod
    def of(cls, permissions: Permissions, who: Actor, entity: Entity, action: Action = Action.VIEW) -> Visible:
        """What ``who`` may see (or ``action``, such as export) of ``entity``, by the rule."""
        scope = permissions.scope(who.role, entity, action)
        if scope is Scope.NONE:
            return cls(who.user_id, (), observed=False)
        holders = permissions.visible_holders(who, entity, action)
        teams = tuple(sorted(who.departments)) if scope is Scope.DEPARTMENT else ()
        shown = None if holders is None else tuple(sorted(holders))
        return cls(who.user_id, shown, observed=True, looking=action is Action.VIEW, teams=teams)

    @property
    def nothing(self) -> bool:
        """Whether nothing at all is visible."""
        return self.holders == () and not self.observed


class Query:
    """A SELECT's conditions and their arguments, numbered as they are added."""

    def __init__(self) -> None:
        self.args: list[object] = []
        self.conditions: list[str] = []

    def arg(self, value: object) -> str:
        """The placeholder for ``value``."""
        self.args.append(value)
        return f"${len(self.args)}"

    def where(self, condition: str) -> None:
        """Add a condition (all must hold)."""
        self.conditions.append(condition)

    def visible(self, seen: Visible, responsible: str, observers: str | None = None) -> str:
        """The condition that a row is one ``seen`` covers ("true" for everyone's)."""
        if seen.holders is None:
            return "true"
        held = f"{responsible} = ANY({self.arg(list(seen.holders))}::uuid[])"
        if observers is None or not seen.observed:
            return f"({held})"
        return f"({held} OR {self.arg(seen.me)}::uuid = ANY({observers}))"

    def visible_lead(self, seen: Visible, default_team: str) -> str:
        """The condition that a lead (alias ``l``) is one ``seen`` covers: held, on offer, or in a team seen.

        The same rule as ``Permissions.allows`` over a lead's holding, in SQL.
        """
        held = self.visible(seen, "l.manager_id")
        if seen.holders is None or not seen.looking:
            return held
        offered = f"l.offered_to && {self.arg(list({*seen.holders, seen.me}))}::uuid[]"
        if not seen.teams:
            return f"({held} OR {offered})"
        teams = f"{self.arg(list(seen.teams))}::text[]"
        unplaced = "l.manager_id IS NULL AND cardinality(l.offered_to) = 0"
        waiting = f"coalesce(l.queue, CASE WHEN {unplaced} THEN {self.arg(default_team)} END) = ANY({teams})"
        worked = (
            f"EXISTS (SELECT 1 FROM {S}.team_members tm JOIN {S}.teams t ON t.id = tm.team_id"  # noqa: S608
            f" WHERE t.name = ANY({teams}) AND tm.manager_id = ANY(array_append(l.offered_to, l.manager_id)))"
        )
        return f"({held} OR {offered} OR {waiting} OR {worked})"

    @property
    def clause(self) -> str:
        """WHERE and the conditions, or nothing."""
        return f" WHERE {' AND '.join(self.conditions)}" if self.conditions else ""


def plain(row: asyncpg.Record | dict[str, Any]) -> dict[str, Any]:
    """A row as JSON-ready data: amounts as decimal text, times and days as ISO text, ids as text."""
    return {key: _ready(value) for key, value in row.items()}


def _ready(value: object) -> object:
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, list):
        return [_ready(v) for v in value]
    return value


async def pipelines(pool: asyncpg.Pool, page: Page) -> tuple[list[dict[str, Any]], str | None]:
    """Pipelines with their stages in order, the oldest first."""
    query = Query()
    if page.after is not None:
        query.where(f"(p.created_at, p.id) > ({query.arg(page.after[0])}, {query.arg(page.after[1])})")
    rows = await pool.fetch(
        f"{_PIPELINE}{query.clause} GROUP BY p.id ORDER BY p.created_at, p.id LIMIT {page.limit + 1}", *query.args
    )
    given, cursor = page.of(rows, lambda r: (r["created_at"], r["id"]))
    return [_pipeline(r) for r in given], cursor


async def pipeline(pool: asyncpg.Pool, pipeline_id: UUID) -> dict[str, Any] | None:
    """One pipeline with its stages, or None."""
    row = await pool.fetchrow(f"{_PIPELINE} WHERE p.id = $1 GROUP BY p.id", pipeline_id)
    return None if row is None else _pipeline(row)


def _pipeline(row: asyncpg.Record) -> dict[str, Any]:
    return {**plain({k: v for k, v in row.items() if k != "stages"}), "stages": json.loads(row["stages"])}


async def products(pool: asyncpg.Pool, page: Page, active: bool | None) -> tuple[list[dict[str, Any]], str | None]:
    """Catalogue products by name; only those offered (or not) when ``active`` is given."""
    query = Query()
    if active is not None:
        query.where(f"active = {query.arg(active)}")
    if page.after is not None:
        query.where(f"(name, id) > ({query.arg(page.after[0])}, {query.arg(page.after[1])})")
    rows = await pool.fetch(f"{_PRODUCT}{query.clause} ORDER BY name, id LIMIT {page.limit + 1}", *query.args)
    given, cursor = page.of(rows, lambda r: (r["name"], r["id"]))
    return [plain(r) for r in given], cursor


async def product(pool: asyncpg.Pool, product_id: UUID) -> dict[str, Any] | None:
    """One product, or None."""
    row = await pool.fetchrow(f"{_PRODUCT} WHERE id = $1", product_id)
    return None if row is None else plain(row)


@dataclass(frozen=True)
class DealFilter:
    """Which deals a list shows besides the role's scope (None: any)."""

    pipeline_id: UUID | None = None
    stage_id: UUID | None = None
    responsible_id: UUID | None = None


async def deals(
    pool: asyncpg.Pool, seen: Visible, page: Page, only: DealFilter
) -> tuple[list[dict[str, Any]], str | None]:
    """The deals ``seen`` covers that match ``only``, the latest opened first."""
    query = Query()
    query.where(query.visible(seen, "d.responsible_id", "d.observers"))
    for column, value in (("pipeline_id", only.pipeline_id), ("stage_id", only.stage_id)):
        if value is not None:
            query.where(f"d.{column} = {query.arg(value)}")
    if only.responsible_id is not None:
        query.where(f"d.responsible_id = {query.arg(only.responsible_id)}")
    if page.after is not None:
        query.where(f"(d.opened_at, d.id) < ({query.arg(page.after[0])}, {query.arg(page.after[1])})")
    rows = await pool.fetch(
        f"{_DEAL}{query.clause} ORDER BY d.opened_at DESC, d.id DESC LIMIT {page.limit + 1}", *query.args
    )
    given, cursor = page.of(rows, lambda r: (r["opened_at"], r["id"]))
    return [plain(r) for r in given], cursor


async def deal(pool: asyncpg.Pool, deal_id: UUID) -> dict[str, Any] | None:
    """One deal with its product lines in the order they were added, or None (callers check who may see it)."""
    row = await pool.fetchrow(f"{_DEAL} WHERE d.id = $1", deal_id)
    if row is None:
        return None
    lines = await pool.fetch(
        "SELECT line_id, product_id, name, price, quantity, discount_percent, tax_percent, total"  # noqa: S608
        f" FROM {S}.deal_lines WHERE deal_id = $1 ORDER BY added_at",
        deal_id,
    )
    return {**plain(row), "lines": [plain(line) for line in lines]}


async def deals_by_id(pool: asyncpg.Pool, ids: list[UUID]) -> list[dict[str, Any]]:
    """Deals by id, unfiltered: callers filter per user."""
    return [plain(r) for r in await pool.fetch(f"{_DEAL} WHERE d.id = ANY($1::uuid[])", ids)]
