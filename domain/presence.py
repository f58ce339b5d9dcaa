"""When a manager works: weekly shifts in their time zone, and days away."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import DomainError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_SHIFTS = 7 * 8  # eight working windows a day, every day of the week


class InvalidSchedule(DomainError):
    """Working hours or an absence that cannot be right (unknown zone, end before start)."""


@dataclass(frozen=True)
class Shift:
    """One working window on a weekday, in local time; ``end`` is exclusive."""

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday < len(WEEKDAYS):
            msg = f"weekday must be 0 (Monday) to 6 (Sunday), not {self.weekday}"
            raise InvalidSchedule(msg)
        if self.end <= self.start:
            msg = f"a shift on {WEEKDAYS[self.weekday]} must end after it starts ({self.start}-{self.end})"
            raise InvalidSchedule(msg)


@dataclass(frozen=True)
class WorkingHours:
    """A weekly calendar in one time zone."""

    timezone: str
    shifts: tuple[Shift, ...]

    def __post_init__(self) -> None:
        zone(self.timezone)

    def covers(self, at: datetime) -> bool:
        """Whether ``at`` falls inside one of the shifts, in this calendar's zone."""
        local = at.astimezone(zone(self.timezone))
        moment = local.time().replace(tzinfo=None)
        return any(s.weekday == local.weekday() and s.start <= moment < s.end for s in self.shifts)

    def to_plain(self) -> dict[str, Any]:
        """JSON-ready form, as stored in events."""
        return {
            "timezone": self.timezone,
            "shifts": [[s.weekday, s.start.isoformat("minutes"), s.end.isoformat("minutes")] for s in self.shifts],
        }

    @classmethod
    def from_plain(cls, data: dict[str, Any]) -> WorkingHours:
        """Read the JSON-ready form back."""
        shifts = tuple(Shift(int(d), time.fromisoformat(s), time.fromisoformat(e)) for d, s, e in data["shifts"])
        return cls(timezone=str(data["timezone"]), shifts=shifts)


@dataclass(frozen=True)
class Absence:
    """Days away (vacation, sick leave), both days included, in the manager's calendar."""

    first_day: date
    last_day: date
    reason: str = ""

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            msg = f"an absence must end on or after its first day ({self.first_day} to {self.last_day})"
            raise InvalidSchedule(msg)

    def covers(self, day: date) -> bool:
        """Whether ``day`` is one of the days away."""
        return self.first_day <= day <= self.last_day

    def to_plain(self) -> dict[str, str]:
        """JSON-ready form, as stored in events."""
        return {"first_day": self.first_day.isoformat(), "last_day": self.last_day.isoformat(), "reason": self.reason}

    @classmethod
    def from_plain(cls, data: dict[str, str]) -> Absence:
        """Read the JSON-ready form back."""
        return cls(date.fromisoformat(data["first_day"]), date.fromisoformat(data["last_day"]), data.get("reason", ""))


@cache
def zone(name: str) -> ZoneInfo:
    """The IANA time zone of that name, or InvalidSchedule."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder of zones, a name too long for a file
        msg = f"unknown time zone {name!r}; use an IANA name such as 'Europe/Riga'"
        raise InvalidSchedule(msg) from None
