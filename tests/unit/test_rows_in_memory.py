"""Rows held in memory as a replay holds them: what is taken to be written, what an undone event leaves."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import pytest

from services.projections.rows import Changed, Rows, UnknownColumns

A, B, C = UUID(int=1), UUID(int=2), UUID(int=3)


def _taken(rows: Rows) -> dict[str, tuple[list[Any], list[Any], list[Any]]]:
    return {c.name: (c.fresh, c.known, c.gone) for c in rows.take()}


@pytest.mark.asyncio
async def test_a_row_new_since_the_last_write_is_copied_a_changed_one_upserted_a_removed_one_deleted() -> None:
    rows = Rows("s", complete=True)
    assert await rows.insert("teams", {"id": A, "name": "Sales"})
    assert not await rows.insert("teams", {"id": A, "name": "Again"})
    await rows.update("teams", A, name="Sales EU")
    await rows.insert("teams", {"id": B, "name": "Support"})
    await rows.delete("teams", B)  # added and removed before a write: nothing to write
    entry = {"subject_kind": "deal", "subject_id": A, "notification_id": 7, "at": None, "kind": "k", "summary": "{}"}
    assert rows.insert_fresh("timeline", entry)
    assert not rows.insert_fresh("timeline", {**entry, "summary": "[]"})  # the same record named twice
    assert _taken(rows) == {"teams": ([{"id": A, "name": "Sales EU"}], [], []), "timeline": ([entry], [], [])}

    await rows.insert("teams", {"id": C, "name": "Field"})
    await rows.update("teams", A, name="Sales")
    await rows.delete("teams", A)
    await rows.update("teams", C, name="Field EU")
    assert _taken(rows) == {"teams": ([{"id": C, "name": "Field EU"}], [], [(A,)])}
    assert await rows.get("teams", C) == {"id": C, "name": "Field EU"}


@pytest.mark.asyncio
async def test_an_undone_event_leaves_the_rows_and_what_is_to_be_written_as_they_were() -> None:
    rows = Rows("s", complete=True)
    await rows.insert("teams", {"id": A, "name": "Sales"})
    rows.take()
    await rows.update("teams", A, name="Sales EU")
    mark = rows.mark()
    await rows.update("teams", A, name="Sales US")
    await rows.insert("teams", {"id": B, "name": "Support"})
    await rows.delete("teams", A)
    rows.undo(mark)
    assert await rows.get("teams", A) == {"id": A, "name": "Sales EU"}
    assert await rows.get("teams", B) is None
    assert _taken(rows) == {"teams": ([], [{"id": A, "name": "Sales EU"}], [])}


class _Database:
    """A connection that knows the teams table's columns and records what would be written."""

    def __init__(self) -> None:
        self.copied: list[Any] = []

    async def fetch(self, *_: object) -> list[dict[str, Any]]:
        return [{"table_name": "teams", "columns": ["id", "name"]}]

    async def copy_records_to_table(self, _: str, **kwargs: Any) -> None:
        self.copied += kwargs["records"]


@pytest.mark.parametrize("row", [{"id": B, "name": "x", "colour": "red"}, {"id": B}, {"id": B, "colour": "red"}])
@pytest.mark.asyncio
async def test_a_row_with_other_columns_than_its_tables_is_refused_naming_them_before_anything_is_written(
    row: dict[str, Any],
) -> None:
    database = _Database()
    changed = Changed("teams", fresh=[{"id": A, "name": "Sales"}, row])
    with pytest.raises(UnknownColumns, match=re.escape(f"teams has columns ['id', 'name'], a row has {sorted(row)}")):
        await Rows("s").write_out(database, [changed])  # type: ignore[arg-type]
    assert database.copied == []
    assert await Rows("s").write_out(database, [Changed("teams", fresh=[{"id": A, "name": "Sales"}])]) == 1  # type: ignore[arg-type]
    assert database.copied == [(A, "Sales")]
