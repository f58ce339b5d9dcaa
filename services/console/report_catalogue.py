"""Every report the console and REST offer, by name: what it shows, and which filters it takes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

from services.console import (
    activity_reports,
    client_reports,
    deal_lists,
    deal_reports,
    funnel_report,
    operators_report,
    sales_analytics,
)
from services.console.paging import CursorShape
from services.console.report_filters import FILTERS, ON_PEOPLE, ReportFilter
from services.console.tabular_export import Table

Build = Callable[[asyncpg.Pool, ReportFilter], Awaitable[Table]]


@dataclass(frozen=True)
class Report:
    """One report: its name in the URL, how it is built, and the filters it takes."""

    name: str
    build: Build
    takes: tuple[str, ...] = FILTERS
    pages: CursorShape | None = None  # the shape of its cursor, for a report given a page at a time

    @property
    def about(self) -> str:
        """What the report shows, as its builder says."""
        return (self.build.__doc__ or "").strip()


REPORTS: dict[str, Report] = {
    report.name: report
    for report in (
        Report("deals-by-manager", deal_reports.deals_by_manager),
        Report("deals-by-contact", client_reports.deals_by_contact, pages=client_reports.BY_VOLUME),
        Report("company-profitability", client_reports.company_profitability, pages=client_reports.BY_INCOME),
        Report("deals-by-company", client_reports.deals_by_company, pages=client_reports.BY_VOLUME),
        Report("won-deals", deal_lists.won_deals, pages=deal_lists.BY_CLOSED),
        Report("overdue-deals", deal_lists.overdue_deals, pages=deal_lists.BY_CLOSING),
        Report("expected-sales", deal_lists.expected_sales, pages=deal_lists.BY_WEIGHT),
        Report("open-deals-by-stage", deal_reports.open_deals_by_stage),
        Report("product-income", deal_reports.product_income),
        Report("deal-board", sales_analytics.deal_board),
        Report("funnel", sales_analytics.deal_board),
        Report("funnel-conversion", funnel_report.funnel_conversion),
        Report("activities", activity_reports.activities_by_manager, ON_PEOPLE),
        Report("activities-by-department", activity_reports.activities_by_department, ON_PEOPLE),
        Report("operators", operators_report.operators, ON_PEOPLE),
    )
}
