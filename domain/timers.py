"""Timers an aggregate keeps: when something must happen if nothing else does first.

A lead has two (its holder must answer by a time; its offer expires); an activity has its reminder.
An aggregate with timers says, by ``timers()``, when each is now due (None: not running). The
event store saves them beside the events that set them, and the router acts on those past due.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Protocol, runtime_checkable


class TimerKind(enum.StrEnum):
    """What happens when a timer runs out."""

    ANSWER = "answer"  # the holder has not answered: the lead goes to the next eligible manager
    OFFER = "offer"  # nobody accepted the offer: the lead is assigned evenly
    REMINDER = "reminder"  # an activity's reminder fires, once


@runtime_checkable
class Timed(Protocol):
    """An aggregate with timers."""

    def timers(self) -> dict[TimerKind, datetime | None]:
        """Each of its timers and when it is due; None when it does not run."""
