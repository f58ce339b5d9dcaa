"""The sales read models: pipelines with their stages, the product catalogue, deals and activities.

``apply`` dispatches each event by its type; deals and activities (with the timelines) have modules
of their own. Stages keep their ids for ever, so a deal's row holds its stage's id and kind, and
reads its current name from ``stages``; the stage history keeps the name as it was then.
"""

from __future__ import annotations

from uuid import UUID

from domain.published_event import PublishedEvent
from services.projections import activities_view, conversions_view, deals_view, report_totals, reports_view
from services.projections.inbox_view import Changes
from services.projections.sales_rows import Handler, clean, money
from services.tables import Connection


async def apply(conn: Connection, schema: str, event: PublishedEvent, changes: Changes) -> None:
    """Apply one public domain event to the sales read models in ``schema``."""
    handler = HANDLERS.get(event.type)
    await report_totals.before(conn, schema, event)
    if handler is not None:
        await handler(conn, schema, event, changes)
    await reports_view.apply(conn, schema, event, changes)
    await report_totals.after(conn, schema, event)


async def _versioned(conn: Connection, s: str, table: str, e: PublishedEvent) -> None:
    await conn.execute(f"UPDATE {s}.{table} SET version = $2 WHERE id = $1", e.aggregate_id, e.version)  # noqa: S608


async def _pipeline_created(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    await conn.execute(
        f"INSERT INTO {s}.pipelines (id, name, created_at, version) VALUES ($1, $2, $3, $4)"  # noqa: S608
        " ON CONFLICT (id) DO NOTHING",
        e.aggregate_id,
        clean(d["name"]),
        e.occurred_at,
        e.version,
    )
    await conn.executemany(
        f"INSERT INTO {s}.stages (id, pipeline_id, name, kind, probability, position)"  # noqa: S608
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
        [
            (UUID(stage["id"]), e.aggregate_id, clean(stage["name"]), stage["kind"], stage["probability"], place)
            for place, stage in enumerate(d["stages"])
        ],
    )


async def _stage_added(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    stage = d["stage"]
    await conn.execute(
        f"UPDATE {s}.stages SET position = position + 1 WHERE pipeline_id = $1 AND position >= $2",  # noqa: S608
        e.aggregate_id,
        d["position"],
    )
    await conn.execute(
        f"INSERT INTO {s}.stages (id, pipeline_id, name, kind, probability, position)"  # noqa: S608
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
        UUID(stage["id"]),
        e.aggregate_id,
        clean(stage["name"]),
        stage["kind"],
        stage["probability"],
        d["position"],
    )
    await _versioned(conn, s, "pipelines", e)


def _stage(column: str) -> Handler:
    async def handle(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
        value = e.data["name" if column == "name" else "probability"]
        await conn.execute(
            f"UPDATE {s}.stages SET {column} = $2 WHERE id = $1",  # noqa: S608 - fixed column
            UUID(e.data["stage_id"]),
            clean(value),
        )
        await _versioned(conn, s, "pipelines", e)

    return handle


async def _stages_reordered(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    await conn.execute(
        f"UPDATE {s}.stages SET position = o.n - 1 FROM unnest($2::uuid[]) WITH ORDINALITY AS o(id, n)"  # noqa: S608
        " WHERE stages.id = o.id AND stages.pipeline_id = $1",
        e.aggregate_id,
        [UUID(stage) for stage in e.data["order"]],
    )
    await _versioned(conn, s, "pipelines", e)


async def _product_created(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    await conn.execute(
        f"INSERT INTO {s}.products (id, name, sku, category, price, currency, active, created_at, version)"  # noqa: S608
        " VALUES ($1, $2, $3, $4, $5, $6, true, $7, $8) ON CONFLICT (id) DO NOTHING",
        e.aggregate_id,
        clean(d["name"]),
        clean(d["sku"]),
        clean(d["category"]),
        money(d["price"]),
        d["currency"],
        e.occurred_at,
        e.version,
    )


def _product(sets: str, *fields: str) -> Handler:
    """A product's change: ``sets`` with $3... taken from the event's ``fields``."""

    async def handle(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
        values = [money(e.data[f]) if f == "price" else clean(e.data[f]) for f in fields]
        await conn.execute(
            f"UPDATE {s}.products SET version = $2, {sets} WHERE id = $1",  # noqa: S608 - fixed SQL
            e.aggregate_id,
            e.version,
            *values,
        )

    return handle


HANDLERS: dict[str, Handler] = {
    "Pipeline.Created": _pipeline_created,
    "Pipeline.StageAdded": _stage_added,
    "Pipeline.StageRenamed": _stage("name"),
    "Pipeline.StageProbabilityChanged": _stage("probability"),
    "Pipeline.StagesReordered": _stages_reordered,
    "Product.Created": _product_created,
    "Product.DetailsChanged": _product("name = $3, sku = $4, category = $5", "name", "sku", "category"),
    "Product.PriceChanged": _product("price = $3, currency = $4", "price", "currency"),
    "Product.Deactivated": _product("active = false"),
    "Product.Reactivated": _product("active = true"),
    **deals_view.HANDLERS,
    **activities_view.HANDLERS,
    **conversions_view.HANDLERS,
}
