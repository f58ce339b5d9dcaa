"""A small progress bar on stderr for long runs (plain lines when stderr is not a terminal)."""

from __future__ import annotations

import sys
import time

WIDTH = 28


class Progress:
    """Counts work done out of a total and redraws at most ten times a second."""

    def __init__(self, label: str, total: int) -> None:
        self.label = label
        self.total = max(total, 1)
        self.done = 0
        self._tty = sys.stderr.isatty()
        self._drawn_at = 0.0
        self._started = time.monotonic()

    def advance(self, step: int = 1) -> None:
        """Record ``step`` more units done."""
        self.set(self.done + step)

    def set(self, done: int) -> None:
        """Record the units done so far."""
        self.done = min(done, self.total)
        now = time.monotonic()
        if self._tty and (now - self._drawn_at > 0.1 or self.done == self.total):
            self._drawn_at = now
            filled = WIDTH * self.done // self.total
            bar = "#" * filled + "." * (WIDTH - filled)
            sys.stderr.write(f"\r  [{bar}] {self.done}/{self.total} {self.label} ({now - self._started:.0f}s)\x1b[K")
            sys.stderr.flush()

    def close(self) -> None:
        """Finish the bar's line."""
        elapsed = time.monotonic() - self._started
        if self._tty:
            sys.stderr.write("\r\x1b[K")
        sys.stderr.write(f"  {self.label}: {self.done}/{self.total} in {elapsed:.1f}s\n")
        sys.stderr.flush()
