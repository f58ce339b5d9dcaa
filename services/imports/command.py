"""``switchboard import contacts FILE``: import (or preview) a file from the command line, with a progress bar."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from connectors.imports import UnreadableFile
from domain.identities import manager_id
from services.bootstrap import build_event_store, create_pool
from services.imports.runner import ImportRequest, run_import
from services.settings import Settings

BAR_WIDTH = 30


def add_parser(commands: Any) -> None:  # noqa: ANN401 - argparse's private subparsers type
    """The ``import`` command and its options."""
    imports = commands.add_parser("import", help="import contacts from a CSV file or a vCard address book")
    what = imports.add_subparsers(dest="what", required=True)
    contacts = what.add_parser("contacts", help="contacts (and the companies they name), with a report of bad rows")
    contacts.add_argument("file", type=Path)
    contacts.add_argument("--dry-run", action="store_true", help="report what would happen; change nothing")
    contacts.add_argument(
        "--mapping", default="", help="column=field,... (fields: name, first_name, middle_name, last_name, phone,"
        " email, company, title, note, address, or skip)",
    )  # fmt: skip
    contacts.add_argument("--by", required=True, help="the e-mail of the manager the import is recorded as made by")


def mapping_of(text: str) -> dict[str, str]:
    """``--mapping`` as column -> field; ValueError naming a pair without ``=``."""
    pairs = [p for p in text.split(",") if p.strip()]
    if bad := [p for p in pairs if "=" not in p]:
        msg = f"--mapping takes column=field pairs; {bad[0]!r} has no '='"
        raise ValueError(msg)
    return {c.strip(): f.strip() for c, _, f in (p.partition("=") for p in pairs)}


class ProgressBar:
    """Rows done and rows per second, redrawn on one line of stderr."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        """Redraw the bar."""
        filled = BAR_WIDTH * done // max(total, 1)
        rate = done / max(time.monotonic() - self.started, 1e-9)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        print(f"\r[{bar}] {done}/{total} rows {rate:,.0f} rows/s", end="", file=sys.stderr, flush=True)  # noqa: T201


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Import the file; the report is JSON on stdout. Exit 1 when it cannot be read at all, 0 otherwise."""
    try:
        request = ImportRequest(
            args.file.read_bytes(), args.file.name, manager_id(args.by), args.dry_run, mapping_of(args.mapping)
        )
    except (OSError, ValueError) as error:
        print(error, file=sys.stderr)  # noqa: T201
        return 1
    try:
        report = asyncio.run(_run(settings, request))
    except UnreadableFile as error:
        print(f"{args.file}: {error}; nothing was imported", file=sys.stderr)  # noqa: T201
        return 1
    print(file=sys.stderr)  # noqa: T201 - end the progress bar's line
    print(json.dumps(report, ensure_ascii=False))  # noqa: T201 - one line, the last: after any log lines
    return 0


async def _run(settings: Settings, request: ImportRequest) -> dict[str, Any]:
    store = build_event_store(settings)
    pool = await create_pool(settings, size=2)
    try:
        report = await run_import(
            store, pool, request, batch_size=settings.import_batch_rows,
            default_region=settings.default_phone_region, progress=ProgressBar(),
        )  # fmt: skip
        return report.as_dict()
    finally:
        await pool.close()
        store.close()
