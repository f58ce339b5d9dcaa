"""``switchboard replay``: rebuild read models from the event store and switch to them without downtime."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Any, TextIO

from services.bootstrap import create_pool
from services.projections.read_models import READ_MODELS, UnknownReadModel
from services.projections.replay import Replayed, replay
from services.projections.versions import PREVIOUS_SCHEMA, ReplayUnderWay, drop
from services.settings import Settings

WIDTH = 30


def add_parser(commands: Any) -> None:  # noqa: ANN401 - argparse's private subparsers type
    """The ``replay`` command's arguments."""
    names = ", ".join(model.name for model in READ_MODELS)
    command = commands.add_parser(
        "replay",
        help="build read models afresh from the event store beside the live ones, then switch to them",
        description=(
            "Reads the event store (not the domain-events topic), builds a new version of the read models,"
            " catches up with the head of the log and switches readers to it in one transaction. The old"
            " version is kept (in the schema ending _previous) until --drop-old. A stopped replay goes on"
            f" from where it was. Read models: {names}."
        ),
    )
    command.add_argument("read_models", nargs="*", metavar="READ_MODEL", help=f"which ones (default all): {names}")
    command.add_argument(
        "--verify",
        action="store_true",
        help="compare with the live version; print rows that differ, switch only if none",
    )
    command.add_argument("--drop-old", action="store_true", help="drop the previous version (after the switch)")
    command.add_argument("--restart", action="store_true", help="discard a stopped replay's work and start over")


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run ``switchboard replay``; exit status 1 when --verify found differences, 2 for a bad request."""
    return asyncio.run(_run(settings, args))


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    # The replay's lock, the next page read while one is applied, the page before written, the messages of
    # this page and of the next.
    pool = await create_pool(settings, size=5)
    bar = ProgressBar(sys.stderr)
    try:
        try:
            done = await replay(pool, args.read_models, verify=args.verify, restart=args.restart, on_progress=bar.show)
        except (UnknownReadModel, ReplayUnderWay) as error:
            print(error, file=sys.stderr)  # noqa: T201 - the command's own output
            return 2
        bar.close()
        _report(done)
        if done.differences:
            return 1
        if args.drop_old and await drop(pool, PREVIOUS_SCHEMA):
            print(f"dropped the previous version ({PREVIOUS_SCHEMA})")  # noqa: T201
    finally:
        await pool.close()
    return 0


def _report(done: Replayed) -> None:
    print(  # noqa: T201
        f"replayed {', '.join(done.read_models)}: {done.events} events in {done.seconds:.1f}s"
        f" ({done.events_per_second:,.0f} events/s), up to notification {done.notification_id}"
    )
    if done.switched:
        print(f"switched: the new version is live; the old one is kept in {PREVIOUS_SCHEMA}")  # noqa: T201
        return
    for table, (count, rows) in done.differences.items():
        print(f"{table}: {count} rows differ")  # noqa: T201
        for row in rows:
            print(f"  {row.version}: {', '.join(f'{k}={v}' for k, v in row.row.items())}")  # noqa: T201
    if done.differences:
        print("not switched: the live version stays; the new one waits to be checked")  # noqa: T201


class ProgressBar:
    """A one-line bar with events per second and the time left (plain lines when not on a terminal)."""

    def __init__(self, out: TextIO, every_seconds: float = 0.2) -> None:
        self._out = out
        self._tty = out.isatty()
        self._every = every_seconds if self._tty else 5.0
        self._shown_at = 0.0
        self._drawn = False

    def show(self, at: int, head: int, events_per_second: float) -> None:
        """Draw the bar for notification ``at`` of ``head``."""
        now = time.monotonic()
        if now - self._shown_at < self._every and at < head:
            return
        self._shown_at = now
        self._out.write(
            ("\r" if self._tty else "") + line(at, head, events_per_second) + ("\x1b[K" if self._tty else "\n")
        )
        self._out.flush()
        self._drawn = True

    def close(self) -> None:
        """End the bar's line."""
        if self._drawn and self._tty:
            self._out.write("\n")
            self._out.flush()


def line(at: int, head: int, events_per_second: float) -> str:
    """The progress line: a bar, the events reached of the head, the rate and the time left."""
    share = min(at / head, 1.0) if head else 1.0
    filled = int(WIDTH * share)
    left = (head - at) / events_per_second if events_per_second > 0 else 0.0
    return (
        f"[{'#' * filled}{'.' * (WIDTH - filled)}] {at:,}/{head:,} events"
        f" {events_per_second:,.0f}/s {_duration(left)} left"
    )


def _duration(seconds: float) -> str:
    whole = int(seconds + 0.5)
    return f"{whole // 3600}h{whole // 60 % 60:02d}m" if whole >= 3600 else f"{whole // 60}m{whole % 60:02d}s"  # noqa: PLR2004
