"""The rows of a schema's read models, held in memory while events are applied, then written together.

Every projector reads and changes rows only through ``Rows``: one set of rules, applied two ways. The
live projection makes a ``Rows`` per batch, which reads each row it lacks from PostgreSQL when a rule
asks for it and writes what changed at the end of the batch. A replay keeps one ``Rows`` for the
whole run, beside tables that start empty: it knows every row, so rules never wait on the database,
and each page of events is written with COPY (rows new to the table) and one upsert per table.

Rows are treated as values: a change puts a new dict in place of the old one, so the journal of
what each event replaced is enough to undo an event that fails on its own.
"""

from __future__ import annotations

import asyncio
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from services.projections.row_shapes import SHAPES, Shape
from services.tables import Connection

Row = dict[str, Any]
Key = tuple[Any, ...]
# Up to this many rows of a table are upserted with one executemany; more go through a COPY.
_FEW = 200


class UnknownColumns(KeyError):
    """A row given to a table with columns the table does not have, or lacking some it has."""


class UnwritableRow(ValueError):
    """A row with a value out of its column's range (a date past year 9999)."""


class _Table:
    """One table's rows in memory: None for a row known to be absent."""

    def __init__(self, name: str, shape: Shape, *, complete: bool) -> None:
        self.name = name
        self.shape = shape
        self.complete = complete  # every row of the table is here: a key not here has no row
        self.rows: dict[Key, Row | None] = {}
        # The keys changed since the last write, each with whether the database has no row of it (new).
        self.changed: dict[Key, bool] = {}
        # The lookups' indexes, each made when first used (most tables are never looked up in a replay).
        self.found: dict[tuple[str, ...], dict[Key, set[Key]]] = {}
        self.looked_up: dict[tuple[str, ...], set[Key]] = {cols: set() for cols in shape.lookups}
        self.key: Callable[[Row], Key] = _values_of(shape.key)
        self._lookup_values = {cols: _values_of(cols) for cols in shape.lookups}
        # Defaults that are lists are copied into each new row, which may change its own.
        self.lists = tuple(k for k, v in shape.defaults.items() if isinstance(v, list))

    def index(self, key: Key, row: Row | None, *, add: bool) -> None:
        if row is None or not self.found:
            return
        for cols, found in self.found.items():
            value = self._lookup_values[cols](row)
            if add:
                found.setdefault(value, set()).add(key)
            else:
                keys = found.get(value)
                if keys is not None:
                    keys.discard(key)

    def indexed(self, cols: tuple[str, ...]) -> dict[Key, set[Key]]:
        found = self.found.get(cols)
        if found is None:
            found = self.found[cols] = {}
            values = self._lookup_values[cols]
            for key, row in self.rows.items():
                if row is not None:
                    found.setdefault(values(row), set()).add(key)
        return found

    def forget(self) -> None:
        self.rows.clear()
        self.found.clear()
        for looked_up in self.looked_up.values():
            looked_up.clear()
        self.complete = False


@dataclass
class Changed:
    """One table's changes since the last write: rows new to it, rows changed, and keys of rows removed."""

    name: str
    fresh: list[Row] = field(default_factory=list)
    known: list[Row] = field(default_factory=list)
    gone: list[Key] = field(default_factory=list)


_ABSENT = object()  # a journal's note that a key was not in memory before


class Rows:
    """The read models of ``schema`` as rules see them; ``conn`` is the connection of the current transaction."""

    def __init__(self, schema: str, *, complete: bool = False) -> None:
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
            msg = f"schema name {schema!r} must be lower-case letters, digits and underscores"
            raise ValueError(msg)
        self.schema = schema
        # Where rows missing from memory are read: the current transaction, or a pool between them.
        self.conn: Connection | asyncpg.Pool | None = None
        # A write of earlier changes going on on another connection: reads wait for it to end first.
        self.pending: asyncio.Future[Any] | None = None
        # The report totals are counted afresh once all events are in (``report_totals.refill``), not
        # event by event: a replay sets this while it applies pages.
        self.totals_later = False
        self._tables = {name: _Table(name, shape, complete=complete) for name, shape in SHAPES.items()}
        # Each change: the table, the key, the row before (or _ABSENT), and whether it was new (None: unchanged).
        self._journal: list[tuple[_Table, Key, object, bool | None]] = []
        self._columns: dict[str, tuple[str, ...]] = {}

    # Reading

    async def get(self, table: str, *key: Any) -> Row | None:  # noqa: ANN401 - a key's values
        """The row of ``table`` with primary key ``key``, or None."""
        t = self._tables[table]
        found = t.rows.get(key, _ABSENT)
        if found is not _ABSENT:
            return found  # type: ignore[return-value]
        if t.complete:
            return None
        where = " AND ".join(f"{c} = ${n}" for n, c in enumerate(t.shape.key, 1))
        record = await (await self._reader()).fetchrow(f"SELECT * FROM {self.schema}.{table} WHERE {where}", *key)  # noqa: S608
        row = None if record is None else dict(record)
        t.rows[key] = row
        t.index(key, row, add=True)
        return row

    async def where(self, table: str, columns: tuple[str, ...], *value: Any) -> list[Row]:  # noqa: ANN401
        """The rows of ``table`` whose ``columns`` hold ``value`` (a lookup its shape declares)."""
        t = self._tables[table]
        if not t.complete and value not in t.looked_up[columns]:
            where = " AND ".join(f"{c} = ${n}" for n, c in enumerate(columns, 1))
            reader = await self._reader()
            for record in await reader.fetch(f"SELECT * FROM {self.schema}.{table} WHERE {where}", *value):  # noqa: S608
                row = dict(record)
                key = t.key(row)
                if key not in t.rows:  # what is in memory is newer than the database
                    t.rows[key] = row
                    t.index(key, row, add=True)
            t.looked_up[columns].add(value)
        keys = t.indexed(columns).get(value, ())
        found = (t.rows[key] for key in (sorted(keys, key=_order) if len(keys) > 1 else keys))
        return [row for row in found if row is not None]

    # Changing

    def new_row(self, table: str, **values: Any) -> Row:  # noqa: ANN401
        """A whole row of ``table``: ``values`` over the table's defaults."""
        t = self._tables[table]
        row = {**t.shape.defaults, **values}
        for k in t.lists:
            if k not in values:
                row[k] = list(row[k])
        return row

    async def insert(self, table: str, row: Row, *, fresh: bool = False) -> bool:
        """Add ``row`` unless its key has one (ON CONFLICT DO NOTHING); whether it was added.

        ``fresh``: the key holds the current event's notification id, so no row of the database can
        have it: it is not looked for there.
        """
        if fresh:
            return self.insert_fresh(table, row)
        t = self._tables[table]
        key = t.key(row)
        before = t.rows.get(key, _ABSENT)
        if before is _ABSENT and not t.complete:
            before = await self.get(table, *key)
        if before is not None and before is not _ABSENT:
            return False
        self._put(t, key, row, before)
        return True

    def insert_fresh(self, table: str, row: Row) -> bool:
        """``insert(table, row, fresh=True)``, which never reads the database, so needs no waiting."""
        t = self._tables[table]
        key = t.key(row)
        rows = t.rows
        before = rows.get(key, _ABSENT)
        if before is _ABSENT:  # ``_put`` in line, for a row new to the database: most events add a few
            changed = t.changed
            was = changed.get(key)
            self._journal.append((t, key, before, was))
            if was is None:
                changed[key] = True
            rows[key] = row
            if t.found:
                t.index(key, row, add=True)
            return True
        if before is not None:
            return False
        self._put(t, key, row, before)
        return True

    async def put(self, table: str, row: Row) -> None:
        """Add ``row``, or put it in place of the row with its key (ON CONFLICT DO UPDATE)."""
        t = self._tables[table]
        key = t.key(row)
        if key not in t.rows:
            await self.get(table, *key)
        self._put(t, key, row, t.rows.get(key, _ABSENT))

    async def update(self, table: str, *key: Any, **changes: Any) -> Row | None:  # noqa: ANN401
        """Change columns of the row with ``key``; the row after it, or None when there is no such row."""
        t = self._tables[table]
        row = t.rows.get(key, _ABSENT)
        if row is _ABSENT:
            row = await self.get(table, *key)
        if row is None:
            return None
        changed = {**row, **changes}  # type: ignore[dict-item] # a row: neither _ABSENT nor None
        self._put(t, key, changed, row)
        return changed

    def replace(self, table: str, row: Row, **changes: Any) -> Row:  # noqa: ANN401
        """Change columns of ``row``, a row just read from ``table``; the row after it."""
        t = self._tables[table]
        changed = {**row, **changes}
        key = t.key(row)
        self._put(t, key, changed, t.rows.get(key, _ABSENT))
        return changed

    async def delete(self, table: str, *key: Any) -> Row | None:  # noqa: ANN401
        """Remove the row with ``key``; the row it was, or None."""
        t = self._tables[table]
        row = t.rows.get(key, _ABSENT)
        if row is _ABSENT:
            row = await self.get(table, *key)
        if row is not None:
            self._put(t, key, None, row)
        return row  # type: ignore[return-value]

    def _put(self, t: _Table, key: Key, row: Row | None, before: object) -> None:
        """Put ``row`` at ``key`` in place of ``before`` (what ``t.rows`` holds there, or _ABSENT)."""
        was = t.changed.get(key)
        self._journal.append((t, key, before, was))
        if was is None:
            # A row is new to the database if none was there when the last write ended.
            t.changed[key] = before is None or (before is _ABSENT and t.complete)
        t.rows[key] = row
        if t.found:
            if before is not _ABSENT:
                t.index(key, before, add=False)  # type: ignore[arg-type]
            t.index(key, row, add=True)

    # Events: a mark before each, undone when it fails

    def mark(self) -> int:
        """A point to undo to."""
        return len(self._journal)

    def undo(self, mark: int = 0) -> None:
        """Put back every row as it was at ``mark`` (the last write when none is given)."""
        while len(self._journal) > mark:
            t, key, before, was = self._journal.pop()
            t.index(key, t.rows.get(key), add=False)
            if before is _ABSENT:
                t.rows.pop(key, None)
            else:
                t.rows[key] = before  # type: ignore[assignment]
                t.index(key, before, add=True)  # type: ignore[arg-type]
            if was is None:
                t.changed.pop(key, None)
            else:
                t.changed[key] = was

    # Writing

    async def load_whole(self, tables: Iterable[str]) -> None:
        """Read every row of ``tables`` (of the kept ones): from then on a key not here has no row."""
        for name in tables:
            t = self._tables[name]
            if t.shape.evicted:
                continue
            t.forget()
            for record in await (await self._reader()).fetch(f"SELECT * FROM {self.schema}.{name}"):  # noqa: S608
                row = dict(record)
                key = t.key(row)
                t.rows[key] = row
                t.index(key, row, add=True)
            t.complete = True

    def forget(self, tables: Iterable[str]) -> None:
        """Let go of the rows of ``tables`` in memory: from then on each is read when asked for."""
        for name in tables:
            self._tables[name].forget()

    async def write(self) -> int:
        """Write every change since the last write; the rows written. Memory is left as it was if it fails."""
        return await self.write_out(self._db, self._changed())

    def take(self) -> list[Changed]:
        """Every change since the last write, to write with ``write_out`` while more events are applied.

        From here on the changes are no longer undone, and rows a replay does not keep are forgotten.
        """
        changed = self._changed()
        self.written()
        return changed

    async def write_out(self, conn: Connection, changed: list[Changed]) -> int:
        """Write ``changed`` (new rows with COPY, changed ones upserted, removed ones deleted); the rows written."""
        written = 0
        for table in changed:
            t = self._tables[table.name]
            columns = await self._columns_of(conn, t.name)
            fresh, known = _records(table, columns)
            await self._delete(conn, t, table.gone)
            try:
                if fresh:
                    await conn.copy_records_to_table(t.name, schema_name=self.schema, records=fresh, columns=columns)
                await self._upsert(conn, t, columns, known)
            except OverflowError as error:
                # COPY hands on the encoder's error where a statement would have said DataError.
                msg = f"a row of {t.name} holds a value PostgreSQL cannot store: {error}"
                raise UnwritableRow(msg) from error
            written += len(table.fresh) + len(table.known) + len(table.gone)
        return written

    def _changed(self) -> list[Changed]:
        changed = []
        for t in self._tables.values():
            if not t.changed:
                continue
            table = Changed(t.name)
            rows, fresh, known, gone = t.rows, table.fresh, table.known, table.gone
            for key, new in t.changed.items():
                row = rows.get(key)
                if row is None:
                    if not new:
                        gone.append(key)
                elif new:
                    fresh.append(row)
                else:
                    known.append(row)
            changed.append(table)
        return changed

    def written(self) -> None:
        """The last write committed: forget what it wrote, and the rows a replay does not keep."""
        self._journal.clear()
        for t in self._tables.values():
            t.changed.clear()
            if t.shape.evicted:
                t.forget()

    async def _delete(self, conn: Connection, t: _Table, keys: list[Key]) -> None:
        if keys:
            where = " AND ".join(f"{c} = ${n}" for n, c in enumerate(t.shape.key, 1))
            await conn.executemany(f"DELETE FROM {self.schema}.{t.name} WHERE {where}", keys)  # noqa: S608

    async def _upsert(self, conn: Connection, t: _Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        names = ", ".join(columns)
        target = f"{self.schema}.{t.name}"
        sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in t.shape.key)
        conflict = f"ON CONFLICT ({', '.join(t.shape.key)}) DO UPDATE SET {sets}"
        if len(rows) <= _FEW:
            values = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
            await conn.executemany(f"INSERT INTO {target} ({names}) VALUES ({values}) {conflict}", rows)  # noqa: S608
            return
        held = f"upserted_{t.name}"
        await conn.execute(f"CREATE TEMP TABLE {held} (LIKE {target}) ON COMMIT DROP")
        await conn.copy_records_to_table(held, records=rows, columns=columns)
        await conn.execute(f"INSERT INTO {target} ({names}) SELECT {names} FROM {held} {conflict}")  # noqa: S608
        await conn.execute(f"DROP TABLE {held}")

    async def _columns_of(self, conn: Connection, table: str) -> tuple[str, ...]:
        if not self._columns:
            records = await conn.fetch(
                "SELECT table_name, array_agg(column_name::text ORDER BY ordinal_position) AS columns"
                " FROM information_schema.columns WHERE table_schema = $1 GROUP BY table_name",
                self.schema,
            )
            self._columns = {r["table_name"]: tuple(r["columns"]) for r in records}
        return self._columns[table]

    async def _reader(self) -> Connection | asyncpg.Pool:
        if self.pending is not None and not self.pending.done():
            await asyncio.wait([self.pending])
        if self.conn is None:
            msg = "rows are read inside a transaction or from a pool: set Rows.conn first"
            raise RuntimeError(msg)
        return self.conn

    @property
    def _db(self) -> Connection:
        if self.conn is None or isinstance(self.conn, asyncpg.Pool):
            msg = "rows are read and written inside a transaction: set Rows.conn first"
            raise RuntimeError(msg)
        return self.conn


def _values_of(columns: tuple[str, ...]) -> Callable[[Row], tuple[Any, ...]]:
    """A row's values in the order of ``columns``, read at C speed."""
    if len(columns) == 1:
        return lambda row: (row[columns[0]],)
    return operator.itemgetter(*columns)


def _records(table: Changed, columns: tuple[str, ...]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The values of ``table``'s new rows and changed rows in the order of ``columns``.

    UnknownColumns if a row has other columns: a row lacking one is found as its values are read, a row
    with one more by its length (comparing each row's columns as a set took longer than the rest).
    """
    values, n = _values_of(columns), len(columns)
    if all(len(row) == n for row in table.fresh) and all(len(row) == n for row in table.known):
        try:
            return [values(row) for row in table.fresh], [values(row) for row in table.known]
        except KeyError:
            pass
    whole = set(columns)
    row = next(row for row in (*table.fresh, *table.known) if row.keys() != whole)
    msg = f"{table.name} has columns {sorted(columns)}, a row has {sorted(row)}"
    raise UnknownColumns(msg)


def _order(key: Key) -> Key:
    # Rows found by a lookup come in key order (notification ids ascending), as an ORDER BY would give them.
    return tuple(str(v) if v is not None and not isinstance(v, int) else v for v in key)
