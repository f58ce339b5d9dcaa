"""The sales read models: pipelines with their stages, the product catalogue, deals and activities.

``apply`` dispatches each event by its type; deals and activities (with the timelines) have modules
of their own. Stages keep their ids for ever, so a deal's row holds its stage's id and kind, and
reads its current name from ``stages``; the stage history keeps the name as it was then.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.published_event import PublishedEvent
from services.projections import activities_view, conversions_view, deals_view, report_totals, reports_view
from services.projections.inbox_view import Changes
from services.projections.rows import Rows
from services.projections.sales_rows import Handler, clean, money


async def apply(rows: Rows, event: PublishedEvent, changes: Changes) -> None:
    """Apply one public domain event to the sales read models."""
    event_type = event.type
    handler = HANDLERS.get(event_type)
    if not rows.totals_later:
        await report_totals.before(rows, event)
    if handler is not None:
        await handler(rows, event, changes)
    report = reports_view.HANDLERS.get(event_type)  # ``reports_view.apply``, without a coroutine of its own
    if report is not None:
        await report(rows, event, changes)
    if not rows.totals_later:
        await report_totals.after(rows, event)


def handles(event_type: str) -> bool:
    """Whether events of ``event_type`` change the sales read models."""
    return event_type in HANDLERS or event_type in reports_view.HANDLERS or event_type in report_totals.EVENTS


async def _versioned(rows: Rows, table: str, e: PublishedEvent) -> None:
    await rows.update(table, e.aggregate_id, version=e.version)


def _stage_row(rows: Rows, pipeline_id: UUID, stage: dict[str, Any], position: int) -> dict[str, Any]:
    return rows.new_row(
        "stages",
        id=UUID(stage["id"]),
        pipeline_id=pipeline_id,
        name=clean(stage["name"]),
        kind=stage["kind"],
        probability=stage["probability"],
        position=position,
    )


async def _pipeline_created(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    pipeline = rows.new_row(
        "pipelines", id=e.aggregate_id, name=clean(d["name"]), created_at=e.occurred_at, version=e.version
    )
    await rows.insert("pipelines", pipeline)
    for place, stage in enumerate(d["stages"]):
        await rows.insert("stages", _stage_row(rows, e.aggregate_id, stage, place))


async def _stage_added(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    position = d["position"]
    for stage in await rows.where("stages", ("pipeline_id",), e.aggregate_id):
        if stage["position"] >= position:
            rows.replace("stages", stage, position=stage["position"] + 1)
    await rows.insert("stages", _stage_row(rows, e.aggregate_id, d["stage"], position))
    await _versioned(rows, "pipelines", e)


def _stage(column: str) -> Handler:
    async def handle(rows: Rows, e: PublishedEvent, _: Changes) -> None:
        value = e.data["name" if column == "name" else "probability"]
        await rows.update("stages", UUID(e.data["stage_id"]), **{column: clean(value)})
        await _versioned(rows, "pipelines", e)

    return handle


async def _stages_reordered(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    order = [UUID(stage) for stage in e.data["order"]]
    for stage in await rows.where("stages", ("pipeline_id",), e.aggregate_id):
        if stage["id"] in order:
            rows.replace("stages", stage, position=order.index(stage["id"]))
    await _versioned(rows, "pipelines", e)


async def _product_created(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    product = rows.new_row(
        "products",
        id=e.aggregate_id,
        name=clean(d["name"]),
        sku=clean(d["sku"]),
        category=clean(d["category"]),
        price=money(d["price"]),
        currency=d["currency"],
        active=True,
        created_at=e.occurred_at,
        version=e.version,
    )
    await rows.insert("products", product)


def _product(*fields: str, **sets: object) -> Handler:
    """A product's change: its ``fields`` taken from the event, and ``sets``."""

    async def handle(rows: Rows, e: PublishedEvent, _: Changes) -> None:
        values = {f: money(e.data[f]) if f == "price" else clean(e.data[f]) for f in fields}
        await rows.update("products", e.aggregate_id, version=e.version, **values, **sets)

    return handle


HANDLERS: dict[str, Handler] = {
    "Pipeline.Created": _pipeline_created,
    "Pipeline.StageAdded": _stage_added,
    "Pipeline.StageRenamed": _stage("name"),
    "Pipeline.StageProbabilityChanged": _stage("probability"),
    "Pipeline.StagesReordered": _stages_reordered,
    "Product.Created": _product_created,
    "Product.DetailsChanged": _product("name", "sku", "category"),
    "Product.PriceChanged": _product("price", "currency"),
    "Product.Deactivated": _product(active=False),
    "Product.Reactivated": _product(active=True),
    **deals_view.HANDLERS,
    **activities_view.HANDLERS,
    **conversions_view.HANDLERS,
}
