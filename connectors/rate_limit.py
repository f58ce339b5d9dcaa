"""Rate limits for what strangers can do: a token bucket per key, in bounded memory.

Used wherever the public reaches Switchboard (the widget's socket and session
endpoint, logins, webhooks): each key (a client address, a visitor) may act
``burst`` times at once and then ``per_second`` times a second.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets keyed by who acts; the least recently seen keys are forgotten past ``max_keys``."""

    def __init__(
        self,
        per_second: float,
        burst: int,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_second <= 0 or burst < 1:
            raise ValueError("a rate limit needs per_second > 0 and burst >= 1")
        self.per_second = per_second
        self.burst = burst
        self._max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def allow(self, key: str, cost: float = 1.0) -> bool:
        """Take ``cost`` tokens from ``key``'s bucket; False (and nothing taken) when it has too few."""
        bucket = self._refilled(key)
        if bucket.tokens < cost:
            return False
        bucket.tokens -= cost
        return True

    def retry_after(self, key: str, cost: float = 1.0) -> int:
        """Whole seconds until ``key`` may act again (0 when it may now)."""
        bucket = self._refilled(key)
        missing = cost - bucket.tokens
        return 0 if missing <= 0 else math.ceil(missing / self.per_second)

    def _refilled(self, key: str) -> _Bucket:
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(tokens=float(self.burst), updated=now)
            self._buckets[key] = bucket
            if len(self._buckets) > self._max_keys:
                # The oldest key has been idle longest: its bucket is full again, so forgetting it loses nothing
                # it would not have regained (a flood of fresh keys is bounded by the address limits in front).
                self._buckets.popitem(last=False)
        else:
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.per_second)
            bucket.updated = now
            self._buckets.move_to_end(key)
        return bucket


def address_key(address: str) -> str:
    """The key per-address limits count a client under: an IPv6 client by its /64.

    One subscriber is given a whole /64 (or more), so counting each IPv6 address apart would give
    anyone millions of fresh addresses; an IPv4 address, or an IPv4-mapped IPv6 one, counts alone.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)
