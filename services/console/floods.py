"""How much strangers and operators may ask of the gateway, per client address, e-mail or operator.

Every limit is a token bucket (``connectors.rate_limit.RateLimiter``) kept in this
gateway's memory: with several gateways each applies it on its own.

- New widget visitors (each one a new conversation, a new lead): per address,
  ``widget_new_visitor_burst`` at once, then one every ``widget_new_visitor_seconds``.
  A visitor coming back with a still-valid token is not new and is not counted.
- Widget history: per address, 20 at once, then one every ``widget_history_seconds`` (1).
- Logins: per address, 20 attempts at once, then one every ``login_seconds`` (5); per e-mail,
  5 failed attempts, then one every minute (a right password is never counted).
- Console commands: per operator, 20 at once, then 5 a second.
- Console sockets waiting to authenticate: ``console_max_pending_sockets`` per address.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator

from starlette.responses import JSONResponse

from connectors.rate_limit import RateLimiter
from services.settings import Settings

HISTORY_BURST = 20
LOGIN_BURST = 20
FAILED_LOGIN_BURST, FAILED_LOGIN_PER_SECOND = 5, 1 / 60
COMMAND_BURST, COMMAND_PER_SECOND = 20, 5.0


class Floods:
    """The gateway's rate limits, built from the settings."""

    def __init__(self, settings: Settings) -> None:
        self.new_visitors = RateLimiter(1 / settings.widget_new_visitor_seconds, settings.widget_new_visitor_burst)
        self.history = RateLimiter(1 / settings.widget_history_seconds, HISTORY_BURST)
        self.logins = RateLimiter(1 / settings.login_seconds, LOGIN_BURST)
        self.failed_logins = RateLimiter(FAILED_LOGIN_PER_SECOND, FAILED_LOGIN_BURST)
        self.commands = RateLimiter(COMMAND_PER_SECOND, COMMAND_BURST)
        self.pending_sockets = PendingSockets(settings.console_max_pending_sockets)


def too_many(limiter: RateLimiter, key: str, what: str) -> JSONResponse:
    """A 429 saying what was limited, with the seconds to wait in ``Retry-After``."""
    seconds = max(1, limiter.retry_after(key))
    return JSONResponse(
        {"error": f"too many {what}; try again in {seconds} s", "retry_after": seconds},
        status_code=429,
        headers={"Retry-After": str(seconds)},
    )


class PendingSockets:
    """Counts the sockets each address holds open before authenticating, up to a cap."""

    def __init__(self, cap: int) -> None:
        self._cap = cap
        self._open: Counter[str] = Counter()

    @contextlib.contextmanager
    def waiting(self, address: str) -> Iterator[bool]:
        """While inside, one more socket of ``address`` waits; yields False (and counts nothing) over the cap."""
        if self._open[address] >= self._cap:
            yield False
            return
        self._open[address] += 1
        try:
            yield True
        finally:
            self._open[address] -= 1
            if not self._open[address]:
                del self._open[address]
