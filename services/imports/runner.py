"""Run an import of contacts from a file, or its dry run, and report what became of every row.

The import goes a batch of rows at a time, each batch one transaction of the event store, and
records its checkpoint after each; the same file again continues after the last batch recorded.
The dry run decides every row the same way in memory and saves nothing, checkpoint included.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from uuid import UUID

import asyncpg
import structlog

from application.event_store import EventStore
from application.import_contacts import REFUSED, RowOutcome, import_contacts, preview_contacts
from application.unit_of_work import UnitOfWork
from domain.import_rows import ImportedContact, RefusedRow, import_id
from services.imports import checkpoints
from services.imports.reading import read_file

log = structlog.get_logger()
Progress = Callable[[int, int], None]  # rows done, rows in all


@dataclass
class ImportReport:
    """What an import did (or its dry run would do): counts, and every refused row with its line and reason."""

    import_id: str
    file_sha256: str
    kind: str
    dry_run: bool
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[dict[str, Any]] = field(default_factory=list)
    resumed_at_row: int = 0
    encoding: str = ""
    delimiter: str = ""
    ignored_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return asdict(self)


@dataclass(frozen=True)
class ImportRequest:
    """A file to import and how: its bytes and name, a header mapping, who imports, dry run or not."""

    data: bytes
    filename: str
    by: UUID
    dry_run: bool = False
    mapping: Mapping[str, str] = field(default_factory=dict)


async def run_import(  # noqa: PLR0913 - the file, and where and how fast it goes
    store: EventStore,
    pool: asyncpg.Pool,
    request: ImportRequest,
    *,
    batch_size: int = 500,
    default_region: str = "",
    progress: Progress | None = None,
) -> ImportReport:
    """Import (or preview) the file; UnreadableFile when the file or its mapping cannot be used at all."""
    started = time.monotonic()
    sha256 = hashlib.sha256(request.data).hexdigest()
    read = await asyncio.to_thread(read_file, request.data, request.filename, request.mapping, default_region)
    of = import_id(sha256)
    report = ImportReport(
        str(of), sha256, read.kind, request.dry_run, len(read.rows), encoding=read.encoding,
        delimiter=read.delimiter, ignored_columns=list(read.ignored_columns),
    )  # fmt: skip
    done = 0
    work = UnitOfWork(store.load)
    if not request.dry_run:
        point = await checkpoints.begin(pool, sha256, of, request.filename, len(read.rows))
        done = report.resumed_at_row = point.rows_done
        report.created, report.updated, report.unchanged = (
            point.counts[k] for k in ("created", "updated", "unchanged")
        )
        report.refused = point.refused
    log.info("import_started", import_id=str(of), rows=len(read.rows), resumed_at_row=done, dry_run=request.dry_run)
    while done < len(read.rows):
        batch = read.rows[done : done + batch_size]
        saving = [r for r in batch if isinstance(r, ImportedContact)]
        if request.dry_run:
            outcomes = await asyncio.to_thread(preview_contacts, work, store.load_many, of, saving, request.by)
        else:
            outcomes = await asyncio.to_thread(import_contacts, store, of, saving, request.by, request.filename)
        counts, refused = _tally(batch, outcomes)
        done += len(batch)
        if not request.dry_run:
            await checkpoints.advance(pool, sha256, done, counts, refused)
        report.created += counts["created"]
        report.updated += counts["updated"]
        report.unchanged += counts["unchanged"]
        report.refused.extend(refused)
        if progress is not None:
            progress(done, len(read.rows))
    report.refused.sort(key=lambda r: int(r["line"]))
    report.seconds = round(time.monotonic() - started, 3)
    log.info(
        "import_finished", import_id=str(of), created=report.created, updated=report.updated,
        refused=len(report.refused), dry_run=request.dry_run, seconds=report.seconds,
    )  # fmt: skip
    return report


def _tally(
    batch: list[ImportedContact | RefusedRow], outcomes: list[RowOutcome]
) -> tuple[Counter[str], list[dict[str, Any]]]:
    counts: Counter[str] = Counter(o.verdict for o in outcomes if o.verdict != REFUSED)
    refused = [{"line": r.line, "column": r.column, "reason": r.reason} for r in batch if isinstance(r, RefusedRow)]
    refused += [{"line": o.line, "column": o.column, "reason": o.reason} for o in outcomes if o.verdict == REFUSED]
    return counts, refused
