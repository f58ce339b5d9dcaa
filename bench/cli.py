"""``switchboard-bench``: the benchmarks and the fault-injection run, apart from the product's own command.

Each starts its own PostgreSQL and Kafka in a scratch directory and drives the services from outside;
it needs the ``bench`` extra (``pip install 'switchboard[bench]'``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

RESULTS = Path(".local") / "bench"


def main(argv: list[str] | None = None) -> int:
    """The ``switchboard-bench`` command."""
    parser = argparse.ArgumentParser(prog="switchboard-bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    pipeline = commands.add_parser("pipeline", help="every figure of the pipeline and its ceilings, in one run")
    pipeline.add_argument("--quick", action="store_true", help="a short run (under a minute) for a smoke check")
    pipeline.add_argument("--output", type=Path, help="JSON results (default .local/bench/full.json or quick.json)")
    pipeline.add_argument("--seed", type=int, help="seed of the synthetic customers (default: random, printed)")
    mail = commands.add_parser("mail", help="mails/s from a backlog on a local Dovecot into the event store")
    mail.add_argument("--runs", type=int, default=3, help="runs of each figure; the median is reported")
    mail.add_argument("--mails", type=int, default=5_000, help="mails in the backlog")
    mail.add_argument("--output", type=Path, help="JSON results (default .local/bench/mail.json)")
    mail.add_argument("--seed", type=int, help="seed of the generated mail (default: random)")
    telegram = commands.add_parser(
        "telegram", help="updates/s through a bot's webhook into the event store, beside the inbound topic's rate"
    )
    telegram.add_argument("--updates", type=int, default=5_000, help="updates posted to the webhook")
    telegram.add_argument("--concurrency", type=int, default=32, help="updates in flight at once (Telegram: up to 40)")
    telegram.add_argument("--customers", type=int, default=500, help="private chats the updates come from")
    telegram.add_argument("--output", type=Path, help="JSON results (default .local/bench/telegram.json)")
    vk = commands.add_parser("vk", help="events/s through a VK community's Callback API into the event store")
    vk.add_argument("--runs", type=int, default=3, help="runs; the median is reported")
    vk.add_argument("--events", type=int, default=5_000, help="message_new events posted in each run")
    vk.add_argument("--concurrency", type=int, default=32, help="events posted at once, as VK's senders would")
    vk.add_argument("--customers", type=int, default=50, help="distinct customers writing (users.get once each)")
    vk.add_argument("--output", type=Path, help="JSON results (default .local/bench/vk.json)")
    replay = commands.add_parser(
        "replay", help="events/s replayed from the event store into every read model, beside asyncpg COPY"
    )
    replay.add_argument("--quick", action="store_true", help="a small history for a smoke check")
    replay.add_argument("--deals", type=int, help="deals in the history (default 10,000; 164 events each)")
    routing = commands.add_parser("routing", help="routing decisions/s, routed leads/s, the event store's ceiling")
    routing.add_argument("--quick", action="store_true", help="a short run for a smoke check")
    routers = commands.add_parser("routers", help="sustained msg/s with one router, then two in one consumer group")
    routers.add_argument("--messages", type=int, default=4_000, help="messages published in each phase")
    routers.add_argument("--rounds", type=int, default=2, help="phases of each: one router, two, one, two, ...")
    routers.add_argument("--seed", type=int, help="seed of the synthetic customers (default: random)")
    chaos = commands.add_parser("chaos", help="kill services, Kafka and Postgres under load; check nothing is lost")
    chaos.add_argument("--seed", type=int, help="seed of the load and the kill moments (default: random, printed)")
    chaos.add_argument("--messages", type=int, default=100_000, help="messages sent through the widget")
    chaos.add_argument("--rate", type=float, default=100.0, help="messages per second; the load lasts messages/rate")
    chaos.add_argument("--kills", type=int, default=10, help="SIGKILLs spread over the services during the load")
    imports = commands.add_parser("imports", help="contacts imported per second from a CSV, beside asyncpg COPY")
    imports.add_argument("--rows", type=int, default=50_000, help="rows of the generated spreadsheet")
    imports.add_argument("--batch", type=int, default=500, help="rows per transaction")
    imports.add_argument("--output", type=Path, help="JSON results (default .local/bench/imports.json)")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except ModuleNotFoundError as missing:
        print(f"{missing}: install the benchmark's dependencies with pip install 'switchboard[bench]'", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:  # noqa: PLR0911 - one return per suite
    # Each suite is imported only when asked for, with just its own dependencies.
    if args.command == "mail":
        from bench.mail import run_mail_bench  # noqa: PLC0415

        output = args.output or RESULTS / "mail.json"
        return run_mail_bench(runs=args.runs, mails=args.mails, output=output, seed=args.seed)
    if args.command == "telegram":
        from bench.telegram import run_telegram_bench  # noqa: PLC0415

        output = args.output or RESULTS / "telegram.json"
        return run_telegram_bench(
            updates=args.updates, concurrency=args.concurrency, customers=args.customers, output=output
        )
    if args.command == "vk":
        from bench.vk import run_vk_bench  # noqa: PLC0415

        return run_vk_bench(
            runs=args.runs,
            events=args.events,
            concurrency=args.concurrency,
            customers=args.customers,
            output=args.output or RESULTS / "vk.json",
        )
    if args.command == "replay":
        from bench.replay_bench import run_replay_bench  # noqa: PLC0415

        return run_replay_bench(quick=args.quick, deals=args.deals)
    if args.command == "routing":
        from bench.routing import run_routing_bench  # noqa: PLC0415

        print(run_routing_bench(quick=args.quick))
        return 0
    if args.command == "routers":
        from bench.routers import run_routers_bench  # noqa: PLC0415

        return run_routers_bench(messages=args.messages, rounds=args.rounds, seed=args.seed)
    if args.command == "imports":
        from bench.imports import run_imports_bench  # noqa: PLC0415

        return run_imports_bench(rows=args.rows, batch=args.batch, output=args.output or RESULTS / "imports.json")
    if args.command == "chaos":
        from bench.chaos import run_chaos  # noqa: PLC0415

        return run_chaos(seed=args.seed, messages=args.messages, rate=args.rate, kills=args.kills)
    from bench.runner import run_bench  # noqa: PLC0415

    output = args.output or RESULTS / ("quick.json" if args.quick else "full.json")
    return run_bench(quick=args.quick, output=output, seed=args.seed)


if __name__ == "__main__":
    sys.exit(main())
