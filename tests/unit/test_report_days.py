"""A report's period cut into whole days, counted ahead, and the part-days read row by row."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.console.report_days import split

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)
# Hypothesis takes naive bounds and adds the zone itself.
moments = st.datetimes(
    min_value=datetime(2026, 1, 1),  # noqa: DTZ001
    max_value=datetime(2026, 6, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)


def test_days_from_the_filters_are_whole_days_but_today() -> None:
    cut = split(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC), NOW)
    assert (cut.first, cut.end, cut.whole_days) == (date(2026, 3, 1), date(2026, 4, 1), True)
    assert cut.spans == ((datetime(2026, 3, 10, tzinfo=UTC), datetime(2026, 3, 11, tzinfo=UTC)),)


def test_part_days_at_either_end_are_read_row_by_row() -> None:
    since, until = datetime(2026, 3, 1, 9, tzinfo=UTC), datetime(2026, 3, 5, 12, tzinfo=UTC)
    cut = split(since, until)
    assert (cut.first, cut.end) == (date(2026, 3, 2), date(2026, 3, 5))
    assert cut.spans == ((since, datetime(2026, 3, 2, tzinfo=UTC)), (datetime(2026, 3, 5, tzinfo=UTC), until))


def test_a_period_within_a_day_has_no_whole_day() -> None:
    since, until = datetime(2026, 3, 1, 9, tzinfo=UTC), datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert split(since, until, NOW) == split(since, until)
    assert not split(since, until).whole_days
    assert split(since, until).spans == ((since, until),)


@given(since=st.none() | moments, length=st.timedeltas(timedelta(seconds=1), timedelta(days=90)), now=moments)
def test_every_moment_of_the_period_is_counted_once(since: datetime | None, length: timedelta, now: datetime) -> None:
    until = (since or NOW) + length
    cut = split(since, until, now)
    probes = [until - length * n / 7 for n in range(1, 8)] + [
        since or until - length,
        until - timedelta(microseconds=1),
    ]
    for at in probes:
        in_days = (
            cut.whole_days
            and (cut.first is None or cut.first <= at.date())
            and (cut.end is None or at.date() < cut.end)
            and at.date() != cut.today
        )
        in_spans = sum(start <= at < stop for start, stop in cut.spans)
        assert int(in_days) + in_spans == 1, at
