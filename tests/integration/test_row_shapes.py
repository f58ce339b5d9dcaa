"""The projectors' picture of each table (its key, its defaults) is the table's own DDL.

The projectors build whole rows in memory, so a column's default written in ``schema.py`` must be the
one ``row_shapes.py`` gives a new row, or a replay and the live projection would both store another.
"""

from __future__ import annotations

import asyncpg
import pytest

from services.projections.row_shapes import SHAPES
from services.projections.schema import READ_MODEL_TABLES, create_read_models

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(60)]

SCHEMA = "shapes_checked"


async def test_every_table_has_its_shape_with_the_ddls_keys_and_defaults(pool: asyncpg.Pool) -> None:
    await create_read_models(pool, SCHEMA)
    assert set(SHAPES) == set(READ_MODEL_TABLES)
    for table, shape in SHAPES.items():
        keys = await pool.fetchval(
            "SELECT array_agg(a.attname::text ORDER BY k.n) FROM pg_index i"
            " CROSS JOIN unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)"
            " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
            " WHERE i.indrelid = $1::regclass AND i.indisunique"
            # A table with no primary key (its key is an index a replay makes last): its one unique index.
            " GROUP BY i.indexrelid, i.indisprimary ORDER BY i.indisprimary DESC LIMIT 1",
            f"{SCHEMA}.{table}",
        )
        assert keys is not None, f"{table} has no key"
        assert tuple(keys) == shape.key, table
        columns = await pool.fetch(
            "SELECT column_name, column_default, is_nullable = 'YES' AS nullable FROM information_schema.columns"
            " WHERE table_schema = $1 AND table_name = $2",
            SCHEMA,
            table,
        )
        for column in columns:
            name = column["column_name"]
            if column["column_default"] is not None:
                expected = await pool.fetchval(f"SELECT {column['column_default']}")
                assert name in shape.defaults, f"{table}.{name} has a default in the DDL only"
                assert shape.defaults[name] == expected, f"{table}.{name}"
            elif name in shape.defaults:
                assert column["nullable"], f"{table}.{name} is NOT NULL without a default"
                assert shape.defaults[name] is None, f"{table}.{name}"
        assert set(shape.defaults) <= {c["column_name"] for c in columns}, table
