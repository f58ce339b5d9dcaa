"""Token buckets per key: a burst, then a steady rate, in bounded memory."""

from __future__ import annotations

import pytest

from connectors.rate_limit import RateLimiter, address_key


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_refused_then_refilled() -> None:
    clock = Clock()
    limiter = RateLimiter(per_second=2, burst=3, clock=clock)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.retry_after("a") == 1
    clock.now = 0.5
    assert limiter.allow("a")
    assert not limiter.allow("a")


def test_keys_are_independent() -> None:
    limiter = RateLimiter(per_second=1, burst=1, clock=Clock())
    assert limiter.allow("a")
    assert not limiter.allow("a")
    assert limiter.allow("b")


def test_refill_never_exceeds_burst() -> None:
    clock = Clock()
    limiter = RateLimiter(per_second=100, burst=2, clock=clock)
    clock.now = 3600
    assert [limiter.allow("a") for _ in range(3)] == [True, True, False]


def test_memory_is_bounded() -> None:
    limiter = RateLimiter(per_second=1, burst=1, max_keys=10, clock=Clock())
    for n in range(1000):
        limiter.allow(str(n))
    assert len(limiter._buckets) == 10


def test_a_refused_request_takes_nothing() -> None:
    clock = Clock()
    limiter = RateLimiter(per_second=1, burst=2, clock=clock)
    assert not limiter.allow("a", cost=3)
    assert limiter.allow("a", cost=2)


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="per_second"):
        RateLimiter(per_second=0, burst=1)


def test_an_ipv6_client_counts_by_its_slash_64() -> None:
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:198.51.100.7") == "198.51.100.7"
    assert address_key("198.51.100.7") == "198.51.100.7"
    assert address_key("fe80::1%eth0") == "fe80::/64"
    assert address_key("not an address") == "not an address"
