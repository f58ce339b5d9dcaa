"""The lookalike lists as the event store keeps them: a table beside the events, or a dict beside them in memory.

Both are written by the recorder in the transaction (or under the lock) that stores the events,
after checking that no key the unit of work lists under got a newer listing since it was read: if
one did, the save is refused as a conflict and redone on fresh state.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from contextlib import AbstractContextManager
from uuid import UUID

import orjson
from eventsourcing.persistence import IntegrityError
from eventsourcing.postgres import PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Composed, Identifier, Literal

from application.lookalike_lists import ListingsRead, LookalikeChanges
from domain.duplicates import ContactCard, most_listed

# A contact's e-mails in one column, one a line: a checked e-mail holds no line break.
_LINES = "\n"


class ListedSince(IntegrityError):
    """A key the save lists under got a newer listing after it was read: the command is redone."""


class PostgresLookalikeTable:
    """The lists in PostgreSQL: a row per key and contact, numbered in the order listed."""

    def __init__(self, datastore: PostgresDatastore, events_table_name: str) -> None:
        self.datastore = datastore
        prefix = events_table_name.removesuffix("_events")
        self._table = Identifier(datastore.schema, prefix + "_lookalikes")
        self._sequence = Identifier(datastore.schema, prefix + "_lookalikes_position")
        # nextval() takes the sequence's name as text: the same name, quoted as the identifier is.
        self._sequence_name = Literal(f'"{datastore.schema}"."{prefix}_lookalikes_position"')
        self.create_statements: list[Composed] = [
            SQL("CREATE SEQUENCE IF NOT EXISTS {sequence}").format(sequence=self._sequence),
            SQL(
                "CREATE TABLE IF NOT EXISTS {table} (key text NOT NULL, contact_id uuid NOT NULL,"
                " name text NOT NULL, emails text NOT NULL, position bigint NOT NULL,"
                " PRIMARY KEY (key, contact_id))"
            ).format(table=self._table),
            SQL("CREATE INDEX IF NOT EXISTS {index} ON {table} (key, position)").format(
                index=Identifier(prefix + "_lookalikes_newest"), table=self._table
            ),
        ]

    def listed(self, keys: Iterable[str]) -> ListingsRead:
        """The newest few contacts under each key, in one query."""
        query = SQL(
            "SELECT r.key, l.contact_id, l.name, l.emails, l.position"
            " FROM jsonb_to_recordset(%s::jsonb) AS r(key text, most int)"
            " CROSS JOIN LATERAL (SELECT contact_id, name, emails, position FROM {table} t WHERE t.key = r.key"
            " ORDER BY position DESC LIMIT r.most) l"
        ).format(table=self._table)
        # The keys as one JSON document: a batch of imported rows reads thousands (see ``write``).
        asked = orjson.dumps([{"key": k, "most": most_listed(k)} for k in keys]).decode()
        with self.datastore.transaction(commit=False) as curs:
            curs.row_factory = tuple_row  # type: ignore[assignment] # tuples: a batch reads tens of thousands
            curs.execute(query, (asked,), binary=True)
            rows: list[tuple[str, UUID, str, str, int]] = curs.fetchall()  # type: ignore[assignment]
        read = ListingsRead()
        made: dict[tuple[UUID, str, str], ContactCard] = {}  # a contact is listed under many of the keys
        cards, positions = read.cards, read.positions
        for key, contact_id, name, emails, position in reversed(rows):  # newest first: reversed, newest last
            if (card := made.get((contact_id, name, emails))) is None:
                listed_emails = tuple(emails.split(_LINES)) if emails else ()
                card = made[contact_id, name, emails] = ContactCard(contact_id, name, listed_emails)
            if key in positions:
                cards[key].append(card)
            else:
                cards[key] = [card]
            positions[key] = position  # a key's rows come oldest first: its last is its newest
        return read

    def write(self, curs: Cursor[DictRow], changes: LookalikeChanges) -> None:
        """Save the changes in the events' transaction (its table lock taken), or ListedSince."""
        if changes.read_at:
            # Where each key stood as one JSON object, for the reason ``listed`` sends its keys as one.
            curs.execute(
                SQL(
                    "SELECT r.key FROM jsonb_each_text(%s::jsonb) AS r(key, read_at) WHERE EXISTS"
                    " (SELECT 1 FROM {table} t WHERE t.key = r.key AND t.position > r.read_at::bigint) LIMIT 1"
                ).format(table=self._table),
                (orjson.dumps(changes.read_at).decode(),),
            )
            if (newer := curs.fetchone()) is not None:
                msg = f"contacts were listed under {newer['key']!r} since it was read"
                raise ListedSince(msg)
        gone = [listing for listing in changes.listings if listing.card is None]
        if gone:
            curs.execute(
                SQL(
                    "DELETE FROM {table} t USING unnest(%s::text[], %s::uuid[]) AS g(key, contact_id)"
                    " WHERE t.key = g.key AND t.contact_id = g.contact_id"
                ).format(table=self._table),
                ([g.key for g in gone], [g.contact_id for g in gone]),
            )
        cards = [
            (listing.key, listing.contact_id, listing.card.name, _LINES.join(listing.card.emails))
            for listing in changes.listings
            if listing.card is not None
        ]
        if cards:
            # One JSON document rather than four arrays: the driver writes an array an element at a
            # time in Python, and a batch of imported rows lists thousands of cards.
            curs.execute(
                SQL(
                    "INSERT INTO {table} (key, contact_id, name, emails, position)"
                    " SELECT c->>0, (c->>1)::uuid, c->>2, c->>3, nextval({sequence})"
                    " FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS l(c, n) ORDER BY n"
                    " ON CONFLICT (key, contact_id) DO UPDATE"
                    " SET name = EXCLUDED.name, emails = EXCLUDED.emails, position = EXCLUDED.position"
                ).format(table=self._table, sequence=self._sequence_name),
                (orjson.dumps(cards).decode(),),
            )


class InMemoryLookalikeTable:
    """The lists in memory, for the in-memory event store; its recorder's lock guards them."""

    def __init__(self, lock: AbstractContextManager[object]) -> None:
        self._lock = lock
        self._rows: dict[str, dict[UUID, tuple[int, ContactCard]]] = {}
        self._positions = itertools.count(1)

    def listed(self, keys: Iterable[str]) -> ListingsRead:
        """The newest few contacts under each key."""
        with self._lock:
            return self._listed(keys)

    def _listed(self, keys: Iterable[str]) -> ListingsRead:
        read = ListingsRead()
        for key in keys:
            rows = sorted(self._rows.get(key, {}).values(), key=lambda row: row[0])[-most_listed(key) :]
            if rows:
                read.cards[key] = [card for _, card in rows]
                read.positions[key] = rows[-1][0]
        return read

    def check(self, changes: LookalikeChanges) -> None:
        """ListedSince if a key the changes list under got a newer listing after it was read."""
        for key, read_at in changes.read_at.items():
            if any(position > read_at for position, _ in self._rows.get(key, {}).values()):
                msg = f"contacts were listed under {key!r} since it was read"
                raise ListedSince(msg)

    def write(self, changes: LookalikeChanges) -> None:
        """Save the changes (checked already)."""
        for listing in changes.listings:
            rows = self._rows.setdefault(listing.key, {})
            if listing.card is None:
                rows.pop(listing.contact_id, None)
            else:
                rows[listing.contact_id] = (next(self._positions), listing.card)
