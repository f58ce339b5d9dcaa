"""The ``switchboard`` command: run a service, the whole local system, or an ops task."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from services.bootstrap import build_inbox, create_pool, run_service
from services.settings import Settings

SERVICES = ("ingest", "router", "projections", "gateway")


def _service_main(name: str) -> Callable[[Settings, asyncio.Event], Awaitable[None]]:
    if name == "ingest":
        from services.ingest.service import run as ingest  # noqa: PLC0415 - load one service only

        return ingest
    if name == "router":
        from services.router.service import run as router  # noqa: PLC0415

        return router
    if name == "projections":
        from services.projections.runner import run as projections  # noqa: PLC0415

        return projections
    from services.console.service import run as gateway  # noqa: PLC0415

    return gateway


async def _topics(settings: Settings) -> None:
    from services.topics import create_topics  # noqa: PLC0415

    topics = await create_topics(settings)
    print(json.dumps(topics.__dict__))  # noqa: T201


async def _demo(settings: Settings) -> None:
    from services.demo import DEMO_PASSWORD, load_demo  # noqa: PLC0415

    inbox = await asyncio.to_thread(build_inbox, settings)
    pool = await create_pool(settings)
    try:
        loaded = await load_demo(inbox, pool, settings.team)
    finally:
        await pool.close()
        inbox.close()
    print(f"demo managers loaded: {', '.join(loaded) or 'already there'}; password: {DEMO_PASSWORD}")  # noqa: T201


async def _rebuild(settings: Settings, *, verify: bool) -> int:
    from services.projections.rebuild import differences, rebuild  # noqa: PLC0415
    from services.projections.schema import LIVE_SCHEMA  # noqa: PLC0415

    pool = await create_pool(settings)
    try:
        position = await rebuild(settings, pool)
        print(f"rebuilt read models up to notification {position.notification_id}")  # noqa: T201
        if verify:
            diff = await differences(pool, LIVE_SCHEMA, "read_models_rebuild")
            print("equal to the live read models" if not diff else f"differs from live: {diff}")  # noqa: T201
            return 1 if diff else 0
    finally:
        await pool.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``switchboard`` command."""
    parser = argparse.ArgumentParser(prog="switchboard", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in SERVICES:
        commands.add_parser(name, help=f"run the {name} service")
    commands.add_parser("topics", help="create the Kafka topics with their partitions")
    commands.add_parser("demo", help="load demo managers and their console accounts")
    rebuild = commands.add_parser("rebuild", help="rebuild the read models from the log into a scratch schema")
    rebuild.add_argument(
        "--verify", action="store_true", help="compare with the live read models; exit 1 if they differ"
    )
    run = commands.add_parser("run", help="start local Postgres and Kafka, every service and demo data")
    run.add_argument("--data-dir", type=Path, default=Path(".local"), help="where local data and logs live")
    args = parser.parse_args(argv)

    if args.command in SERVICES:
        run_service(args.command, _service_main(args.command))
        return 0
    if args.command == "run":
        from services.local.stack import run_local  # noqa: PLC0415

        return run_local(args.data_dir)
    settings = Settings()
    if args.command == "topics":
        asyncio.run(_topics(settings))
        return 0
    if args.command == "demo":
        asyncio.run(_demo(settings))
        return 0
    return asyncio.run(_rebuild(settings, verify=args.verify))


if __name__ == "__main__":
    sys.exit(main())
