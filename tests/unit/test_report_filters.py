"""A report's filters read from the query string: days and times, amounts, ids, names; each wrong one named."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from domain.errors import InvalidField
from domain.text import InvalidText
from services.console.report_filters import FILTERS, ON_PEOPLE, report_filter
from services.console.sales_queries import Query

ME = UUID(int=7)


def test_days_cover_whole_days_and_times_keep_their_zone() -> None:
    f = report_filter({"from": "2026-03-01", "to": "2026-03-31"}, FILTERS, ME, None)
    assert (f.since, f.until) == (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    f = report_filter({"from": "2026-03-01T09:30:00+02:00"}, FILTERS, ME, None)
    assert f.since == datetime(2026, 3, 1, 7, 30, tzinfo=UTC)
    assert f.until is None


def test_every_filter_is_read_and_me_is_the_caller() -> None:
    params = {
        "min_amount": "10.5",
        "max_amount": "99",
        "pipeline": str(UUID(int=1)),
        "responsible": "me",
        "department": "north",
        "company": str(UUID(int=2)),
        "source": "website",
    }
    f = report_filter(params, FILTERS, ME, (ME,))
    assert (f.min_amount, f.max_amount) == (Decimal("10.5"), Decimal(99))
    assert (f.pipeline_id, f.company_id, f.responsible_id) == (UUID(int=1), UUID(int=2), ME)
    assert (f.department, f.source, f.holders) == ("north", "website", (ME,))
    q = Query()
    f.deals(q, "d.opened_at")
    assert len(q.conditions) == len(q.args) == 8  # scope, responsible, department, amounts, pipeline, company, source


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-02-30"}, "from"),
        ({"to": "2026-03-01T09:30:00"}, "to"),  # no zone
        ({"from": "0001-01-01T00:00:00+00:00"}, "from"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),
        ({"min_amount": "Infinity"}, "min_amount"),
        ({"max_amount": "1" * 41}, "max_amount"),
        ({"min_amount": "5", "max_amount": "4"}, "max_amount"),
        ({"pipeline": "x" * 37}, "pipeline"),
        ({"responsible": "you"}, "responsible"),
        ({"company": ""}, "company"),
    ],
)
def test_a_wrong_filter_is_refused_naming_it(params: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidField) as refused:
        report_filter(params, FILTERS, ME, None)
    assert refused.value.field == field


def test_a_name_with_control_characters_is_refused() -> None:
    with pytest.raises(InvalidText) as refused:
        report_filter({"department": "north\x00"}, FILTERS, ME, None)
    assert refused.value.field == "department"


def test_a_filter_the_report_does_not_take_is_refused_not_ignored() -> None:
    with pytest.raises(InvalidField) as refused:
        report_filter({"company": str(UUID(int=2))}, ON_PEOPLE, ME, None)
    assert refused.value.field == "company"
    assert report_filter({"limit": "5"}, ON_PEOPLE, ME, None).holders is None  # not a filter: left to others
