"""Decoding rate: each stored event of a generated history read as the domain-events topic carries it.

``python -m bench.decode [--deals 200] [--rounds 5]`` generates the replay benchmark's history in
memory (fresh ids for each deal, as ``switchboard-bench replay`` writes it), then reads every row's
columns into a ``PublishedEvent`` with the replay's own decoder, without PostgreSQL. It prints the
CPU time per event of each event type and of the whole history, and of the events a replay of every
read model decodes (the others are left out of its query), the best of ``rounds`` rounds: the figure
the machine's load changes least.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Sequence

from bench.replay_history import QUICK, Size, history, managers_of, record_template
from services.projections.event_log import stored_event
from services.projections.read_models import READ_MODELS, wanted_by

Columns = tuple[int, object, int, str, bytes]  # notification_id, originator_id, originator_version, topic, state


def main() -> None:
    """Generate the history, decode it ``rounds`` times, print the best figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=200, help="deals in the history (164 events each)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of decoding; the best is reported")
    args = parser.parse_args()
    size = Size(args.deals, QUICK.activities_per_deal, QUICK.managers, QUICK.messages)
    template = record_template(size)
    rows: list[Columns] = [
        (n, originator, version, topic, state)
        for n, (originator, version, topic, state) in enumerate(
            (row for chunk in history(template, size, managers_of(template)) for row in chunk), 1
        )
    ]
    by_type: dict[str, list[Columns]] = defaultdict(list)
    for row in rows:
        by_type[row[3].rpartition(":")[2]].append(row)
    wanted = wanted_by(READ_MODELS)
    decoded = [row for event_type, some in by_type.items() if wanted(event_type) for row in some]
    decoded.sort()
    print(f"decoding benchmark: {len(rows):,} events ({args.deals:,} deals), best of {args.rounds} rounds")
    print(f"  every event                              {_best(rows, args.rounds):>8.2f} µs of CPU per event")
    print(f"  the events a replay decodes ({len(decoded) / len(rows):.0%})     {_best(decoded, args.rounds):>8.2f} µs")
    for event_type, some in sorted(by_type.items(), key=lambda item: -len(item[1])):
        print(f"    {event_type:<38} {_best(some, args.rounds):>8.2f} µs  ({len(some):,} events)")


def _best(rows: Sequence[Columns], rounds: int) -> float:
    """The least CPU time per event, in µs, of ``rounds`` rounds of decoding ``rows``."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for notification_id, originator, version, topic, state in rows:
            stored_event(notification_id, originator, version, topic, state)  # type: ignore[arg-type]
        best = min(best, time.process_time() - started)
    return best / len(rows) * 1e6


if __name__ == "__main__":
    main()
