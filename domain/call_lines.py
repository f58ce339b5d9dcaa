"""A telephone line as the router sees it: when it is open, and who answers at which extension."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from domain.presence import WorkingHours, zone

# A week ahead covers every weekly calendar; a calendar with no shift at all never opens.
_DAYS_AHEAD = 8


@dataclass(frozen=True)
class CallLine:
    """One line: its opening hours (None: always open), its extensions' managers, and who takes what is left.

    ``fallback_manager_id`` is responsible for a call nobody else can take (a new customer's lead
    waiting in a queue); without one such a call is recorded and waits for routing.
    """

    name: str
    hours: WorkingHours | None = None
    extensions: dict[str, UUID] = field(default_factory=dict)
    fallback_manager_id: UUID | None = None

    def is_open(self, at: datetime) -> bool:
        """Whether the line is open at ``at``."""
        return self.hours is None or self.hours.covers(at)

    def next_opening(self, at: datetime) -> datetime:
        """``at`` itself when the line is open then; otherwise when it next opens (``at`` if it never does)."""
        if self.is_open(at) or self.hours is None:
            return at
        hours = self.hours
        local = at.astimezone(zone(hours.timezone))
        openings = []
        for ahead in range(_DAYS_AHEAD):
            day = (local + timedelta(days=ahead)).date()
            for shift in hours.shifts:
                if shift.weekday == day.weekday():
                    start = datetime.combine(day, shift.start, tzinfo=local.tzinfo)
                    if start > local:
                        openings.append(start)
        return min(openings).astimezone(at.tzinfo) if openings else at

    def manager_at(self, extension: str) -> UUID | None:
        """The manager who answers at ``extension``, if the line names one."""
        return self.extensions.get(extension)
