"""The read models: each one's name, the tables it fills, what it reads of others, and its projector.

The live projection applies every read model to each event in this order; a replay builds any of
them into a new version beside the live one. Both apply the same projectors to a ``rows.Rows``, which
holds the rows in memory: the live projection reads each row it needs from PostgreSQL, a replay has
them all already. A new read model is one more entry here (its tables in
``schema.py``); ``switchboard replay NAME`` then fills it from the whole history.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from domain.published_event import PublishedEvent
from services.projections import forms_view, inbox_view, people_view, sales_view
from services.projections.forms_view import FORM_TABLES
from services.projections.inbox_view import Changes
from services.projections.report_tables import REPORT_TABLES
from services.projections.rows import Rows

Projector = Callable[[Rows, PublishedEvent, Changes], Awaitable[None]]


@dataclass(frozen=True)
class ReadModel:
    """One read model: the ``tables`` its ``projector`` writes, the event types it ``handles``, what it reads."""

    name: str
    tables: tuple[str, ...]
    projector: Projector
    handles: Callable[[str], bool]
    reads: tuple[str, ...] = ()


READ_MODELS: tuple[ReadModel, ...] = (
    ReadModel(
        "inbox",
        ("conversations", "messages", "assignments", "managers", "activities", "pins", "canned_replies"),
        inbox_view.apply,
        inbox_view.handles,
    ),
    ReadModel(
        "sales",
        (
            *("pipelines", "stages", "products", "deals", "deal_lines", "deal_stage_history"),
            *("scheduled_activities", "timeline", "lead_conversions"),
            *REPORT_TABLES,
        ),
        sales_view.apply,
        sales_view.handles,
    ),
    ReadModel(
        "people", ("contacts", "companies", "leads", "duplicate_suggestions"), people_view.apply, people_view.handles
    ),
    ReadModel("forms", FORM_TABLES, forms_view.apply, forms_view.handles),
)


class UnknownReadModel(ValueError):
    """A read model asked for by a name that none has."""


def named(names: Iterable[str]) -> tuple[ReadModel, ...]:
    """The read models of ``names`` in the order they are applied (every one when ``names`` is empty)."""
    wanted = list(names)
    known = {model.name for model in READ_MODELS}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        msg = f"no read model named {', '.join(map(repr, unknown))}; there are {', '.join(sorted(known))}"
        raise UnknownReadModel(msg)
    return tuple(model for model in READ_MODELS if not wanted or model.name in wanted)


def wanted_by(models: Iterable[ReadModel]) -> Callable[[str], bool]:
    """Whether an event type changes any of ``models``."""
    chosen = tuple(models)
    return lambda event_type: any(model.handles(event_type) for model in chosen)


def with_what_they_read(
    models: Iterable[ReadModel], among: tuple[ReadModel, ...] = READ_MODELS
) -> tuple[ReadModel, ...]:
    """``models`` and every read model they read, in the order ``among`` applies them."""
    needed = {model.name for model in models}
    for model in reversed(among):
        if model.name in needed:
            needed.update(model.reads)
    return tuple(model for model in among if model.name in needed)


async def apply_to(rows: Rows, models: Iterable[ReadModel], event: PublishedEvent, changes: Changes) -> None:
    """Apply one event to ``models``, in order, in memory; ``rows.write()`` then stores what changed."""
    for projector in projectors(models, event.type):
        await projector(rows, event, changes)


# The projectors an event type changes, per tuple of read models (kept here, so its id stays its own).
_BY_TYPE: dict[tuple[int, str], tuple[tuple[ReadModel, ...], tuple[Projector, ...]]] = {}


def projectors(models: Iterable[ReadModel], event_type: str) -> tuple[Projector, ...]:
    """The projectors of ``models`` that an event of ``event_type`` changes, asked once per type."""
    if not isinstance(models, tuple):
        return tuple(model.projector for model in models if model.handles(event_type))
    key = (id(models), event_type)
    found = _BY_TYPE.get(key)
    if found is None or found[0] is not models:
        found = _BY_TYPE[key] = (models, tuple(model.projector for model in models if model.handles(event_type)))
    return found[1]
