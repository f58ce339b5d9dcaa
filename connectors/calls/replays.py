"""Replayed call requests: the same signed request sent again while its signature is still fresh.

A signature is accepted for ``window`` seconds either side of its time, so whoever copies a signed
request can send it again until then. Each accepted request's signature is kept that long (twice the
window, to cover one signed ahead); a request bearing one already taken is a replay and answered 409.
A provider's own retry is signed anew (a new timestamp in our format) and passes; Twilio signs the
same callback the same way, so its retry of a callback already taken is a 409 too, which tells it to
stop. The record is the process's: behind several ingest processes a replay may reach another, whose
event the router still records once.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

# Past this many signatures kept, the oldest go first: a flood shortens the memory, never grows it.
MOST_KEPT = 100_000


class RecentRequests:
    """The signatures of the requests taken lately, each kept until it could no longer be accepted."""

    def __init__(self, window_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._kept_for = 2 * window_seconds
        self._clock = clock
        self._taken: OrderedDict[str, float] = OrderedDict()

    def take(self, signature: str) -> bool:
        """Record ``signature`` as taken; False when it was taken already (a replay)."""
        now = self._clock()
        self._forget_before(now - self._kept_for)
        if signature in self._taken:
            return False
        self._taken[signature] = now
        if len(self._taken) > MOST_KEPT:
            self._taken.popitem(last=False)
        return True

    def give_back(self, signature: str) -> None:
        """Forget ``signature``: its request was not taken after all (it may be sent again)."""
        self._taken.pop(signature, None)

    def _forget_before(self, oldest: float) -> None:
        while self._taken:
            signature, at = next(iter(self._taken.items()))
            if at >= oldest:
                return
            del self._taken[signature]
