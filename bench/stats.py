"""Summaries of repeated measurements: median with min and max, and percentiles."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One benchmark figure over several runs."""

    median: float
    low: float
    high: float
    runs: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Figure:
        """The median, min and max of ``values`` (at least one)."""
        if not values:
            msg = "a figure needs at least one measured value"
            raise ValueError(msg)
        return cls(statistics.median(values), min(values), max(values), len(values))

    def as_dict(self) -> dict[str, float]:
        """JSON-ready form."""
        return {"median": self.median, "min": self.low, "max": self.high, "runs": self.runs}


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` in 0..1) of ``values``."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]
