"""Synthetic customers: who writes what, and when, from a seed.

A plan mixes new customers and returning ones, bursts (several messages sent
back to back) and a few long conversations. With a rate, turns arrive as a
Poisson process whose mean is that many messages a second; without one, the
plan is sent as fast as possible in its order.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

WORDS = [
    "hello",
    "delivery",
    "order",
    "price",
    "invoice",
    "riga",
    "tallinn",
    "vilnius",
    "tomorrow",
    "today",
    "refund",
    "size",
    "colour",
    "warranty",
    "discount",
    "shipping",
    "pickup",
    "courier",
    "payment",
    "card",
    "cash",
    "contract",
    "quote",
    "bulk",
    "sample",
    "catalogue",
    "return",
    "please",
    "thanks",
    "urgent",
    "question",
    "status",
    "tracking",
    "number",
    "address",
    "office",
    "warehouse",
    "manager",
    "call",
]


@dataclass(frozen=True)
class Mix:
    """Shares of the kinds of customer behaviour in a plan."""

    new_customers: float = 0.3  # turns that start a new conversation
    long_conversations: float = 0.1  # new customers who keep writing for a long time
    bursts: float = 0.2  # turns sent as several messages at once
    burst_size: tuple[int, int] = (3, 8)
    text_words: tuple[int, int] = (3, 40)


@dataclass(frozen=True)
class Touch:
    """One message a customer sends: who, its client id, its text, and when (seconds from the start)."""

    visitor: str
    message_id: str
    text: str
    at: float

    @property
    def channel_message_id(self) -> str:
        """The id the web-chat connector gives this message."""
        return f"{self.visitor}/{self.message_id}"


@dataclass
class Plan:
    """The touches in sending order, with what kinds of behaviour they hold."""

    touches: list[Touch]
    kinds: Counter[str] = field(default_factory=Counter)

    @property
    def visitors(self) -> list[str]:
        """Every visitor in the plan, in order of first appearance."""
        return list(dict.fromkeys(t.visitor for t in self.touches))


def plan(seed: int, count: int, rate: float | None, prefix: str, mix: Mix | None = None) -> Plan:
    """``count`` messages from synthetic customers; ``rate`` messages/s, or None for as fast as possible."""
    mix = mix or Mix()
    rng = random.Random(seed)
    visitors: list[str] = []
    long_talkers: list[str] = []
    sent: Counter[str] = Counter()
    result = Plan([])
    clock = 0.0
    while len(result.touches) < count:
        if not visitors or rng.random() < mix.new_customers:
            visitor = f"{prefix}{len(visitors)}"
            visitors.append(visitor)
            result.kinds["new customers"] += 1
            if rng.random() < mix.long_conversations:
                long_talkers.append(visitor)
        else:
            pool = long_talkers if long_talkers and rng.random() < 0.5 else visitors
            visitor = rng.choice(pool)
            result.kinds["returning turns"] += 1
        size = rng.randint(*mix.burst_size) if rng.random() < mix.bursts else 1
        size = min(size, count - len(result.touches))
        if size > 1:
            result.kinds["bursts"] += 1
        for _ in range(size):
            sent[visitor] += 1
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(*mix.text_words)))
            result.touches.append(Touch(visitor, f"m{sent[visitor]}", text, clock))
        if rate:
            clock += rng.expovariate(rate / size)
    result.kinds["longest conversation"] = max(sent.values(), default=0)
    return result
