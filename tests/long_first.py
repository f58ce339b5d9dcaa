"""The suite's longest tests start first, each on a worker of its own, so none of them ends the run alone.

pytest-xdist's ``worksteal`` hands each worker an equal run of the collected tests, in order, and
lets an idle worker take the back half of another's queue; the front of each run stays where it was
sent. A test marked ``runs_long(seconds)`` is placed at the front of a run, the longest first, on
the run whose long tests add up to the least so far: they begin at once, side by side, instead of
wherever their file falls in the order, which could leave a seven-minute test to begin near the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

Item = TypeVar("Item")


def runs(count: int, workers: int) -> list[int]:
    """How many tests worksteal first sends each worker: ``count`` split as evenly as it splits it."""
    sizes = []
    left = count
    for i in range(workers):
        sizes.append(left // (workers - i))
        left -= sizes[-1]
    return sizes


def long_first(items: Sequence[Item], seconds: Sequence[float | None], workers: int) -> list[Item]:
    """``items`` reordered: those with ``seconds`` at the fronts of the workers' runs, the rest in order between."""
    sizes = runs(len(items), max(workers, 1))
    fronts: list[list[Item]] = [[] for _ in sizes]
    loads = [0.0 for _ in sizes]
    long = [(s, i) for i, s in enumerate(seconds) if s is not None]
    for taken, index in sorted(long, key=lambda pair: (-pair[0], pair[1])):
        # The run with the least long work so far and still room at its front takes it.
        room = [w for w, size in enumerate(sizes) if len(fronts[w]) < size]
        worker = min(room, key=lambda w: (loads[w], w))
        fronts[worker].append(items[index])
        loads[worker] += taken
    rest = iter(item for item, s in zip(items, seconds, strict=True) if s is None)
    ordered: list[Item] = []
    for front, size in zip(fronts, sizes, strict=True):
        ordered += front
        ordered += [next(rest) for _ in range(size - len(front))]
    return ordered
