"""Event store recorders that write deadlines and lookalike lists in the transaction that saves the events.

The same ``save(..., deadlines=[...], lookalikes=...)`` works on both backends: PostgreSQL (tables
beside the events) and memory (the unit tests'). A deadline whose ``due_at`` is None is removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from application.deadlines import Deadline
from application.lookalike_lists import LOOKALIKES, LookalikeChanges
from application.lookalike_tables import InMemoryLookalikeTable, PostgresLookalikeTable
from domain.timers import TimerKind

DEADLINES = "deadlines"  # the keyword argument of save() that carries them


class PostgresDeadlineRecorder(PostgresApplicationRecorder):
    """The PostgreSQL recorder, with a deadlines table and the lookalike lists written beside the events."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.lookalikes = PostgresLookalikeTable(datastore, events_table_name)
        self.sql_create_statements.extend(self.lookalikes.create_statements)
        table = Identifier(datastore.schema, events_table_name.removesuffix("_events") + "_timers")
        self._table = table
        self._insert_columns = SQL(
            "INSERT INTO {schema}.{events} (originator_id, originator_version, topic, state)"
            " SELECT * FROM unnest(%s::{id_type}[], %s::bigint[], %s::text[], %s::bytea[])"
            " RETURNING notification_id"
        ).format(
            schema=Identifier(datastore.schema),
            events=Identifier(events_table_name),
            id_type=SQL(datastore.originator_id_type),
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {table} (subject_id uuid NOT NULL, kind text NOT NULL,"
                " due_at timestamptz NOT NULL, PRIMARY KEY (subject_id, kind))"
            ).format(table=table)
        )
        self.sql_create_statements.append(
            SQL("CREATE INDEX IF NOT EXISTS {index} ON {table} (kind, due_at)").format(
                index=Identifier(events_table_name.removesuffix("_events") + "_timers_due"), table=table
            )
        )

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:  # noqa: ANN401 - the library's signature
        """Save the events and what goes with them in one transaction, a statement at a time.

        The library sends a save in pipeline mode. A large one (a batch of imported contacts who
        share a name suggests thousands of pairs) never returned there: the server waited to read the
        rest of a statement the driver had stopped sending. A small save is no slower this way
        (1,000 saves of a contact, alternated five times: 1.6 ms a save pipelined, 1.5 ms not).
        """
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                return None
            self._insert_stored_events(curs, stored_events, **kwargs)
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    def _insert_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:  # noqa: ANN401 - the library's signature
        deadlines: list[Deadline] = kwargs.get(DEADLINES) or []
        ended = [d for d in deadlines if d.due_at is None]
        running = [d for d in deadlines if d.due_at is not None]
        listings: LookalikeChanges | None = kwargs.get(LOOKALIKES)
        if deadlines or listings:
            # The events table first, then the deadlines, as the DDL every new store runs takes them:
            # a save that held the deadlines while waiting for the events deadlocked with it. The
            # lock also orders the lists' listings as their saves commit, which their check relies on.
            self._lock_table(curs)
        if listings:
            self.lookalikes.write(curs, listings)
        # One statement each, however many leads the transaction touched: a batch of inbound messages
        # saves hundreds of leads, and a statement per deadline would cost a round trip each.
        if ended:
            curs.execute(
                SQL(
                    "DELETE FROM {table} t USING unnest(%s::uuid[], %s::text[]) AS e(subject_id, kind)"
                    " WHERE t.subject_id = e.subject_id AND t.kind = e.kind"
                ).format(table=self._table),
                ([d.subject_id for d in ended], [d.kind.value for d in ended]),
            )
        if running:
            curs.execute(
                SQL(
                    "INSERT INTO {table} (subject_id, kind, due_at)"
                    " SELECT * FROM unnest(%s::uuid[], %s::text[], %s::timestamptz[])"
                    " ON CONFLICT (subject_id, kind) DO UPDATE SET due_at = EXCLUDED.due_at"
                ).format(table=self._table),
                ([d.subject_id for d in running], [d.kind.value for d in running], [d.due_at for d in running]),
            )
        super()._insert_events(curs, stored_events, **kwargs)

    def _insert_stored_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **_: Any) -> None:  # noqa: ANN401 - the library's signature
        # The library sends the events as one array of a composite type, which the driver writes
        # as text a field at a time (escaping every state's bytes); four arrays of plain columns,
        # sent in binary, carry the same rows at a fraction of the cost: an import saves thousands.
        self._lock_table(curs)
        self._notify_channel(curs)
        curs.execute(
            self._insert_columns,
            (
                [e.originator_id for e in stored_events],
                [e.originator_version for e in stored_events],
                [e.topic for e in stored_events],
                [e.state for e in stored_events],
            ),
            binary=True,
        )

    def due(self, kind: TimerKind, at: datetime, limit: int) -> list[UUID]:
        """Aggregates whose timer of ``kind`` is due at or before ``at``, the earliest first."""
        query = SQL("SELECT subject_id FROM {table} WHERE kind = %s AND due_at <= %s ORDER BY due_at LIMIT %s")
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(query.format(table=self._table), (kind.value, at, limit))
            return [UUID(str(row["subject_id"])) for row in curs.fetchall()]


class InMemoryDeadlineRecorder(POPOApplicationRecorder):
    """The in-memory recorder, with deadlines and the lookalike lists kept beside the events under the same lock."""

    def __init__(self) -> None:
        super().__init__()
        self._deadlines: dict[tuple[UUID, TimerKind], datetime] = {}
        self.lookalikes = InMemoryLookalikeTable(self._database_lock)

    def _assert_uniqueness(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:  # noqa: ANN401 - the library's signature
        super()._assert_uniqueness(stored_events, **kwargs)
        if listings := kwargs.get(LOOKALIKES):
            self.lookalikes.check(listings)

    def _update_table(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:  # noqa: ANN401 - the library's signature
        notification_ids = super()._update_table(stored_events, **kwargs)
        if listings := kwargs.get(LOOKALIKES):
            self.lookalikes.write(listings)
        for deadline in kwargs.get(DEADLINES) or []:
            if deadline.due_at is None:
                self._deadlines.pop((deadline.subject_id, deadline.kind), None)
            else:
                self._deadlines[deadline.subject_id, deadline.kind] = deadline.due_at
        return notification_ids

    def due(self, kind: TimerKind, at: datetime, limit: int) -> list[UUID]:
        """Aggregates whose timer of ``kind`` is due at or before ``at``, the earliest first."""
        with self._database_lock:
            due = sorted((when, lead) for (lead, k), when in self._deadlines.items() if k is kind and when <= at)
        return [lead for _, lead in due[:limit]]
