"""A generated sales history, written straight into the read models, for timing the reports at size.

Its shape: managers in departments of ten (the first heads it), two pipelines of six stages, deals
that went some stages on and were won, lost or are still open, their stage history and product lines,
activities on them (due, overdue and done), leads handled by the managers, and the contacts and
companies the deals are with (named, as the reports per client name them; one contact in fifty merged
into another). Rows go in with COPY: the reports read the read models, so how they were filled does
not matter to what is timed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

import asyncpg

from services.projections.schema import LIVE_SCHEMA

S = LIVE_SCHEMA
DEPARTMENT_SIZE = 10
KINDS = ("in_progress",) * 4 + ("won", "lost")
SOURCES = ("website", "telegram", "vk", "mail", "referral")
YEAR = timedelta(days=365)
CONTACTS, COMPANIES = 3000, 800  # the deals' contacts are UUID(10_000 + n), their companies UUID(1 + n)
MERGED = 50  # one contact in this many was merged into another
OFFERED, NOT_BY_HAND, NOT_CALL_BACK = True, False, False  # the flags every generated row has


@dataclass
class Size:
    """How much history to make."""

    deals: int = 10_000
    activities: int = 100_000
    managers: int = 50
    leads: int = 20_000


@dataclass
class Made:
    """What was made: the managers by department (the head first), and the rows per table."""

    departments: dict[str, list[UUID]] = field(default_factory=dict)
    rows: dict[str, list[tuple[object, ...]]] = field(default_factory=dict)

    def add(self, table: str, *row: object) -> None:
        """One row of ``table``."""
        self.rows.setdefault(table, []).append(row)


def _uuid(rng: random.Random) -> UUID:
    return UUID(int=rng.getrandbits(128), version=4)


def make(size: Size, seed: int, now: datetime) -> Made:
    """The rows of a history of ``size``, the same for the same ``seed`` and ``now``."""
    rng, made = random.Random(seed), Made()
    managers = [_uuid(rng) for _ in range(size.managers)]
    for n, manager in enumerate(managers):
        team = f"team-{n // DEPARTMENT_SIZE}"
        if team not in made.departments:
            made.departments[team] = []
            made.add("teams", UUID(int=n // DEPARTMENT_SIZE + 1), team)
        made.departments[team].append(manager)
        made.add("team_members", UUID(int=n // DEPARTMENT_SIZE + 1), manager)
        made.add("managers", manager, f"Manager {n}", f"m{n}@example.com", "ended", 5, 0)
    pipelines = []
    for p in range(2):
        pipeline = _uuid(rng)
        made.add("pipelines", pipeline, f"Pipeline {p}", now - 2 * YEAR, 1)
        stages = [(_uuid(rng), kind, place) for place, kind in enumerate(KINDS)]
        for stage, kind, place in stages:
            made.add("stages", stage, pipeline, f"Stage {place}", kind, [10, 20, 50, 80, 100, 0][place], place)
        pipelines.append((pipeline, stages))
    products = [_uuid(rng) for _ in range(100)]
    for n, product in enumerate(products):
        made.add("products", product, f"Product {n}", f"P{n}", "", Decimal(10 + n), "EUR", OFFERED, now - YEAR, 1)
    deals = [_deal(rng, made, now, managers, pipelines, products) for _ in range(size.deals)]
    for _ in range(size.activities):
        _activity(rng, made, now, managers, deals)
    for _ in range(size.leads):
        _lead(rng, made, now, managers, list(made.departments))
    _clients(rng, made, now)
    return made


def _clients(rng: random.Random, made: Made, now: datetime) -> None:
    for n in range(COMPANIES):
        made.add("companies", UUID(int=n + 1), f"Company {n}", now - YEAR, 1)
    for n in range(CONTACTS):
        contact = UUID(int=n + 10_000)
        survivor = UUID(int=rng.randrange(CONTACTS) + 10_000) if rng.random() < 1 / MERGED else None
        made.add("contacts", contact, f"Contact {n}", None if survivor == contact else survivor, now - YEAR, 1)


def _deal(  # noqa: PLR0913 - the history it is part of
    rng: random.Random,
    made: Made,
    now: datetime,
    managers: list[UUID],
    pipelines: list[tuple[UUID, list[tuple[UUID, str, int]]]],
    products: list[UUID],
) -> UUID:
    deal, responsible = _uuid(rng), rng.choice(managers)
    pipeline, stages = rng.choice(pipelines)
    opened = now - YEAR * rng.random()
    currency = "EUR" if rng.random() < 0.8 else "USD"
    lines = [(rng.choice(products), Decimal(rng.randint(1, 5)), Decimal(rng.randint(10, 500))) for _ in range(3)]
    amount = sum((q * p for _, q, p in lines), Decimal(0))
    path = stages[: rng.randint(1, 4)]
    ending = rng.random()
    if ending < 0.6:
        path = [*path, stages[4 if ending < 0.3 else 5]]
    at, entered = opened, []
    for stage, kind, place in path:
        entered.append((stage, kind, place, at))
        at += timedelta(hours=rng.expovariate(1 / 72))
    for n, (stage, kind, _, when) in enumerate(entered):
        left = entered[n + 1][3] if n + 1 < len(entered) else None
        previous = entered[n - 1][0] if n else None
        made.add(
            "deal_stage_history",
            deal,
            n + 1,
            pipeline,
            previous,
            stage,
            "",
            kind,
            when,
            left,
            amount,
            currency,
            responsible,
        )
    stage, kind, place, last = entered[-1]
    closed = last if kind != "in_progress" else None
    lead = _uuid(rng) if rng.random() < 0.5 else None
    if lead is not None:
        made.add("lead_sources", lead, _uuid(rng), rng.choice(SOURCES), opened)
    company = UUID(int=rng.randrange(COMPANIES) + 1) if rng.random() < 0.7 else None
    made.add(
        "deals",
        deal,
        f"Deal {deal.hex[:6]}",
        pipeline,
        stage,
        kind,
        amount,
        currency,
        NOT_BY_HAND,
        amount,
        [10, 20, 50, 80, 100, 0][place],
        (opened + timedelta(days=rng.randint(14, 120))).date(),
        UUID(int=rng.randrange(CONTACTS) + 10_000),
        company,
        lead,
        responsible,
        [],
        opened,
        last,
        closed,
        None if closed is None else kind,
        "",
        len(entered),
    )
    for n, (product, quantity, price) in enumerate(lines):
        made.add(
            "deal_lines",
            deal,
            _uuid(rng),
            product,
            "line",
            price,
            quantity,
            Decimal(0),
            Decimal(0),
            quantity * price,
            n,
        )
    return deal


def _activity(rng: random.Random, made: Made, now: datetime, managers: list[UUID], deals: list[UUID]) -> None:
    due = now + timedelta(days=rng.uniform(-180, 60))
    done = rng.random() < 0.6
    made.add(
        "scheduled_activities",
        _uuid(rng),
        "task",
        NOT_CALL_BACK,
        "Call",
        "",
        "deal",
        rng.choice(deals),
        rng.choice(managers),
        due,
        None,
        None,
        done,
        due if done else None,
        "",
        due - timedelta(days=3),
        managers[0],
        1,
    )


def _lead(rng: random.Random, made: Made, now: datetime, managers: list[UUID], queues: list[str]) -> None:
    waited_from = now - YEAR * rng.random()
    assigned = waited_from + timedelta(seconds=rng.expovariate(1 / 120))
    answered = assigned + timedelta(seconds=rng.expovariate(1 / 300)) if rng.random() < 0.9 else None
    resolved = assigned + timedelta(hours=rng.expovariate(1 / 8)) if rng.random() < 0.7 else None
    made.add(
        "lead_handling",
        _uuid(rng),
        1,
        _uuid(rng),
        rng.choice(managers),
        rng.choice(["", *queues]),
        waited_from,
        assigned,
        answered,
        resolved,
    )


COLUMNS = {
    "teams": ("id", "name"),
    "team_members": ("team_id", "manager_id"),
    "managers": ("id", "name", "email", "work_day", "capacity", "open_leads"),
    "pipelines": ("id", "name", "created_at", "version"),
    "stages": ("id", "pipeline_id", "name", "kind", "probability", "position"),
    "products": ("id", "name", "sku", "category", "price", "currency", "active", "created_at", "version"),
    "deal_stage_history": (
        "deal_id",
        "notification_id",
        "pipeline_id",
        "from_stage_id",
        "stage_id",
        "stage_name",
        "stage_kind",
        "entered_at",
        "left_at",
        "amount",
        "currency",
        "responsible_id",
    ),
    "lead_sources": ("lead_id", "conversation_id", "source", "created_at"),
    "companies": ("id", "name", "created_at", "version"),
    "contacts": ("id", "name", "merged_into", "created_at", "version"),
    "deals": (
        "id",
        "title",
        "pipeline_id",
        "stage_id",
        "stage_kind",
        "amount",
        "currency",
        "amount_set_by_hand",
        "lines_total",
        "probability",
        "expected_close",
        "contact_id",
        "company_id",
        "lead_id",
        "responsible_id",
        "observers",
        "opened_at",
        "stage_entered_at",
        "closed_at",
        "outcome",
        "lost_reason",
        "version",
    ),
    "deal_lines": (
        "deal_id",
        "line_id",
        "product_id",
        "name",
        "price",
        "quantity",
        "discount_percent",
        "tax_percent",
        "total",
        "added_at",
    ),
    "scheduled_activities": (
        "id",
        "kind",
        "call_back",
        "title",
        "description",
        "subject_kind",
        "subject_id",
        "responsible_id",
        "due_at",
        "remind_at",
        "reminder_fired_at",
        "done",
        "done_at",
        "result",
        "scheduled_at",
        "scheduled_by",
        "version",
    ),
    "lead_handling": (
        "lead_id",
        "notification_id",
        "conversation_id",
        "manager_id",
        "queue",
        "waited_from",
        "assigned_at",
        "first_answer_at",
        "resolved_at",
    ),
}


async def copy_in(pool: asyncpg.Pool, made: Made) -> dict[str, int]:
    """COPY every table's rows into the live read models, then ANALYZE; the rows per table."""
    async with pool.acquire() as conn:
        for table, columns in COLUMNS.items():
            await conn.copy_records_to_table(table, schema_name=S, columns=columns, records=made.rows.get(table, []))
        await conn.execute("ANALYZE")
    return {table: len(made.rows.get(table, [])) for table in COLUMNS}
