"""Contacts imported per second from a generated spreadsheet, beside asyncpg COPY of the same rows in the same run.

The import is the product's whole path (decoding, sniffing, checking every row, matching duplicates,
events, checkpoints); COPY is what PostgreSQL takes when nothing is checked and nothing is an event,
the ceiling the ratio is measured against.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import asyncpg

from bench.cluster import Cluster
from bench.contact_files import contact_csv
from domain.identities import manager_id
from domain.import_rows import ImportedContact
from services.bootstrap import build_event_store
from services.imports.reading import read_file
from services.imports.runner import ImportRequest, run_import
from services.logs import configure_logging
from services.settings import Settings


def run_imports_bench(*, rows: int, batch: int, output: Path) -> int:
    """Run the benchmark, print the figures and their ratio, write JSON to ``output``."""
    configure_logging("bench-imports", "warning")
    made = contact_csv(rows)
    print(f"switchboard-bench imports: {rows:,} rows ({len(made.data) / 1e6:.1f} MB, cp1251, ';'), batches of {batch}")
    cluster = Cluster("importbench")
    try:
        cluster.start()
        result = asyncio.run(_measure(cluster, made.data, batch))
    finally:
        cluster.stop()
    cluster.remove()
    result["rows"] = rows
    print(f"  import: {result['import_rows_per_second']:,.0f} rows/s ({result['import_seconds']:.1f}s,"
          f" {result['created']:,} created, {result['refused']:,} refused)")  # fmt: skip
    cpu = result["import_cpu_seconds"]
    print(f"  import's own CPU: {cpu:.1f}s ({rows / cpu:,.0f} rows/s)")
    print(f"  COPY:   {result['copy_rows_per_second']:,.0f} rows/s ({result['copy_seconds']:.2f}s)")
    print(f"  import / COPY = {result['ratio']:.4f} (COPY is {1 / result['ratio']:,.0f}x faster)")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=1))
    print(f"results written to {output}")
    return 0


async def _measure(cluster: Cluster, data: bytes, batch: int) -> dict[str, Any]:
    settings = await _fresh(cluster, "imports_bench")
    store = build_event_store(settings)
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
    assert pool is not None
    try:
        started, cpu = time.monotonic(), time.process_time()
        report = await run_import(
            store, pool, ImportRequest(data, "contacts.csv", manager_id("bench@example.com")), batch_size=batch
        )
        imported, cpu = time.monotonic() - started, time.process_time() - cpu
        copied = await _copy(pool, data)
    finally:
        await pool.close()
        store.close()
    return {
        "import_seconds": imported,
        "import_rows_per_second": report.rows / imported,
        # This process's CPU time: what the import itself costs, which other work on the machine shifts less.
        "import_cpu_seconds": cpu,
        "created": report.created,
        "refused": len(report.refused),
        "copy_seconds": copied,
        "copy_rows_per_second": report.rows / copied,
        "ratio": (report.rows / imported) / (report.rows / copied),
    }


async def _copy(pool: asyncpg.Pool, data: bytes) -> float:
    """Seconds to COPY the file's good rows, as read, into a table of plain columns."""
    rows = [r for r in read_file(data, "contacts.csv").rows if isinstance(r, ImportedContact)]
    records = [
        (r.line, r.name, [p.number for p in r.phones], list(r.emails), r.company, json.dumps(dict(r.details)))
        for r in rows
    ]
    await pool.execute(
        "CREATE TABLE copied_contacts (line int, name text, phones text[], emails text[], company text, details jsonb)"
    )
    started = time.monotonic()
    await pool.copy_records_to_table("copied_contacts", records=records)
    return time.monotonic() - started


async def _fresh(cluster: Cluster, database: str) -> Settings:
    conn = await asyncpg.connect(cluster.postgres.url)
    try:
        await conn.execute(f"CREATE DATABASE {database}")
    finally:
        await conn.close()
    return cluster.settings.model_copy(update={"database_url": cluster.database_url(database)})
