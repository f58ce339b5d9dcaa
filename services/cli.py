"""The ``switchboard`` command: run a service, or an ops task.

The local development system (``make run``) is ``switchboard-dev``, in the ``devstack`` package.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from domain.errors import DomainError
from services import account_commands, campaign_command, replay_command
from services.bootstrap import create_pool, run_service
from services.imports import command as import_command
from services.settings import ConfigurationError, Settings, load_settings

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
    from services.topics import TopicsNotReady, create_topics  # noqa: PLC0415

    try:
        topics = await create_topics(settings)
    except TopicsNotReady as refused:
        print(refused, file=sys.stderr)  # noqa: T201
        raise SystemExit(1) from None
    print(json.dumps(topics.__dict__))  # noqa: T201


def _dead_letters_parser(commands: Any) -> None:  # noqa: ANN401 - argparse's private subparsers type
    letters = commands.add_parser("dead-letters", help="records and events set aside: list them, re-drive them")
    actions = letters.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="the letters waiting, oldest first")
    listing.add_argument("--consumer", help="only this consumer's (router, projections, webchat-replies, mail-replies)")
    listing.add_argument("--json", action="store_true", help="one JSON object per line, value included")
    again = actions.add_parser("redrive", help="process letters again once the cause is fixed")
    which = again.add_mutually_exclusive_group(required=True)
    which.add_argument("letter_id", nargs="?", type=int, help="the letter's id, as listed")
    which.add_argument("--all", action="store_true", help="every waiting letter (of --consumer, if given)")
    again.add_argument("--consumer", help="with --all: only this consumer's")
    again.add_argument("--by", default=os.environ.get("USER", "ops"), help="who re-drives them (recorded)")


async def _dead_letters(settings: Settings, args: argparse.Namespace) -> int:
    from services.bootstrap import build_producer  # noqa: PLC0415
    from services.dead_letters import letters  # noqa: PLC0415
    from services.redrive import NoSuchLetter, redrive  # noqa: PLC0415

    pool = await create_pool(settings, size=2)
    try:
        if args.action == "list":
            for letter in await letters(pool, consumer=args.consumer):
                shown = letter.as_dict()
                if args.json:
                    print(json.dumps(shown))  # noqa: T201
                else:
                    print(  # noqa: T201
                        f"{letter.id}\t{letter.consumer}\t{letter.topic}[{letter.partition}]@{letter.offset}"
                        f"\tattempts {letter.attempts}\t{shown['last_failed_at']}\t{letter.error_type}: {letter.error}"
                    )
            return 0
        producer = build_producer(settings)
        await producer.start()
        try:
            outcomes = await redrive(
                pool, producer, args.by, letter_id=args.letter_id, consumer=args.consumer if args.all else None
            )
        except NoSuchLetter as error:
            print(error, file=sys.stderr)  # noqa: T201
            return 1
        finally:
            await producer.stop()
        for outcome in outcomes:
            print(f"{outcome.letter_id}\t{'redriven' if outcome.ok else 'failed again'}\t{outcome.detail}")  # noqa: T201
        return 0 if all(outcome.ok for outcome in outcomes) else 1
    finally:
        await pool.close()


def _route_parser(commands: Any) -> None:  # noqa: ANN401 - argparse's private subparsers type
    route = commands.add_parser("route", help="routing rules: apply, explain a lead, simulate")
    actions = route.add_subparsers(dest="action", required=True)
    apply = actions.add_parser("apply", help="validate a rules file and put it in force")
    apply.add_argument("rules", type=Path)
    apply.add_argument("--by", default=os.environ.get("USER", "ops"), help="who applies it (recorded)")
    explain = actions.add_parser("explain", help="why a lead went where it went")
    explain.add_argument("lead_id", type=UUID)
    simulate = actions.add_parser("simulate", help="replay recorded leads through proposed rules; writes nothing")
    simulate.add_argument("--rules", type=Path, required=True)
    simulate.add_argument("--since", type=_date, default=None, help="first day of the period (YYYY-MM-DD, UTC)")


def _date(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _route(settings: Settings, args: argparse.Namespace) -> int:
    from services.router.route_commands import apply_rules_file, explain_lead, simulate_rules  # noqa: PLC0415
    from services.router.rules_file import RulesFileError  # noqa: PLC0415

    try:
        if args.action == "apply":
            print(asyncio.run(apply_rules_file(settings, args.rules, args.by)))  # noqa: T201
        elif args.action == "explain":
            print(asyncio.run(explain_lead(settings, args.lead_id)))  # noqa: T201
        else:
            print(asyncio.run(simulate_rules(settings, args.rules, args.since)))  # noqa: T201
    except RulesFileError as error:
        print(f"{args.rules}: the rules file is not valid; nothing was applied", file=sys.stderr)  # noqa: T201
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)  # noqa: T201
        return 2
    except DomainError as error:
        print(str(error), file=sys.stderr)  # noqa: T201
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """The ``switchboard`` command; a configuration error is one line on stderr and exit status 2."""
    try:
        return _main(argv)
    except ConfigurationError as error:
        print(error, file=sys.stderr)  # noqa: T201 - the command's own output
        return 2


def _main(argv: list[str] | None = None) -> int:
    """Entry point of the ``switchboard`` command."""
    parser = argparse.ArgumentParser(prog="switchboard", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in SERVICES:
        commands.add_parser(name, help=f"run the {name} service")
    commands.add_parser("topics", help="create the Kafka topics with their partitions")
    _route_parser(commands)
    _dead_letters_parser(commands)
    account_commands.add_parser(commands)
    replay_command.add_parser(commands)
    import_command.add_parser(commands)
    campaign_command.add_parser(commands)
    asyncapi = commands.add_parser("asyncapi", help="write the topics' AsyncAPI document, generated from the code")
    asyncapi.add_argument(
        "--output", type=Path, default=None, help="where to write it (default docs/asyncapi.json; .yaml for YAML)"
    )
    args = parser.parse_args(argv)

    if args.command in SERVICES:
        run_service(args.command, _service_main(args.command))
        return 0
    if args.command == "asyncapi":
        from services.asyncapi import DOCUMENT, write  # noqa: PLC0415

        output = args.output or DOCUMENT
        write(output)
        print(f"wrote {output}")  # noqa: T201
        return 0
    settings = load_settings()
    if args.command == "topics":
        asyncio.run(_topics(settings))
        return 0
    tasks: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
        "route": _route,
        "dead-letters": lambda s, a: asyncio.run(_dead_letters(s, a)),
        "accounts": account_commands.run,
        "replay": replay_command.run,
        "import": import_command.run,
        "campaign": campaign_command.run,
    }
    return tasks[args.command](settings, args)


if __name__ == "__main__":
    sys.exit(main())
