"""A line's hours: open or not, and when it next opens, in the line's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime, time

from domain.call_lines import CallLine
from domain.presence import Shift, WorkingHours

WEEKDAYS_9_TO_18 = WorkingHours("Europe/Riga", tuple(Shift(day, time(9), time(18)) for day in range(5)))


def test_a_line_without_hours_is_always_open() -> None:
    at = datetime(2026, 3, 7, 3, 0, tzinfo=UTC)
    assert CallLine("shop").is_open(at)
    assert CallLine("shop").next_opening(at) == at


def test_inside_its_hours_the_next_opening_is_now() -> None:
    at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # Monday 12:00 in Riga
    assert CallLine("shop", WEEKDAYS_9_TO_18).next_opening(at) == at


def test_after_hours_it_opens_the_next_working_morning_local_time() -> None:
    friday_evening = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)  # 19:00 in Riga
    opening = CallLine("shop", WEEKDAYS_9_TO_18).next_opening(friday_evening)
    assert opening == datetime(2026, 3, 9, 7, 0, tzinfo=UTC)  # Monday 09:00 in Riga (UTC+2)


def test_before_hours_it_opens_the_same_morning_across_a_clock_change() -> None:
    # Riga moves to summer time on 29 March 2026: Monday 30 March opens at 09:00 UTC+3.
    sunday = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)
    assert CallLine("shop", WEEKDAYS_9_TO_18).next_opening(sunday) == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)


def test_a_calendar_with_no_shift_never_opens_and_leaves_the_time_as_is() -> None:
    at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    closed = CallLine("shop", WorkingHours("Europe/Riga", ()))
    assert not closed.is_open(at)
    assert closed.next_opening(at) == at
