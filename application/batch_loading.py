"""Loading many aggregates at once: one query for all of them instead of one per aggregate.

Receiving a batch of messages touches hundreds of aggregates; loading them one by one was most of
its cost. Aggregates the cache holds are brought up to date with only their newer events.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, project_aggregate
from eventsourcing.domain import Aggregate, DomainEvent
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from psycopg.sql import SQL, Identifier

from application.aggregate_copies import copy_of


def load_many(app: Application[UUID], ids: set[UUID]) -> dict[UUID, Aggregate | None]:
    """Aggregates by id (None: no events); in one query on PostgreSQL, one by one elsewhere."""
    recorder = app.recorder
    if not isinstance(recorder, PostgresAggregateRecorder):
        return {i: _get(app, i) for i in ids}
    if not ids:
        return {}
    cache = app.repository.cache
    cached: dict[UUID, Aggregate] = {}
    if cache is not None:
        for aggregate_id in ids:
            with contextlib.suppress(KeyError):
                hit = cache.get(aggregate_id)
                if isinstance(hit, Aggregate):
                    cached[aggregate_id] = hit
    order = list(ids)
    query = SQL(
        "SELECT e.originator_id, e.originator_version, e.topic, e.state FROM {schema}.{table} e"
        " JOIN unnest(%s::uuid[], %s::bigint[]) AS k(id, after)"
        " ON e.originator_id = k.id AND e.originator_version > k.after"
        " ORDER BY e.originator_id, e.originator_version"
    ).format(schema=Identifier(recorder.datastore.schema), table=Identifier(recorder.events_table_name))
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(query, (order, [cached[i].version if i in cached else 0 for i in order]))
        rows = cursor.fetchall()
    newer: dict[UUID, list[DomainEvent]] = defaultdict(list)
    for row in rows:
        stored = StoredEvent(row["originator_id"], row["originator_version"], row["topic"], bytes(row["state"]))
        event = app.mapper.to_domain_event(stored)
        assert isinstance(event, DomainEvent)  # every event of our aggregates is one
        newer[UUID(str(row["originator_id"]))].append(event)
    found: dict[UUID, Aggregate | None] = {}
    for aggregate_id in order:
        base, events = cached.get(aggregate_id), newer.get(aggregate_id, [])
        if base is None and not events:
            found[aggregate_id] = None
            continue
        aggregate = project_aggregate(copy_of(base) if events and base is not None else base, events)
        assert isinstance(aggregate, Aggregate)
        if cache is not None:
            cache.put(aggregate_id, aggregate)
            aggregate = copy_of(aggregate)  # commands change their own copy, never the cached one
        found[aggregate_id] = aggregate
    return found


def _get(app: Application[UUID], aggregate_id: UUID) -> Aggregate | None:
    try:
        found: Aggregate = app.repository.get(aggregate_id)
    except AggregateNotFoundError:
        return None
    return found
