"""What a report is asked for: its filters as query parameters, checked, and the SQL conditions they make.

``from`` and ``to`` are days (``2026-03-01``, ``to`` included) or times with their zone; ``min_amount``
and ``max_amount`` decimal text; ``pipeline``, ``company`` ids; ``responsible`` an id or ``me``;
``department`` a team's name; ``source`` a lead's source (or channel). A report says which filters it
takes: any other is refused naming it, rather than silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from uuid import UUID

from domain.errors import InvalidField
from domain.text import TextKind, checked_text
from services.console.paging import Page
from services.console.sales_queries import Query, S

MAX_NAME = 200
MAX_AMOUNT_TEXT = 40
FILTERS = ("from", "to", "min_amount", "max_amount", "pipeline", "responsible", "department", "company", "source")
PERIOD = ("from", "to")
ON_DEALS = (*FILTERS,)
ON_PEOPLE = ("from", "to", "responsible", "department")


@dataclass(frozen=True)
class ReportFilter:
    """A report's filters; None is any. ``holders`` is the role's scope: None for everyone's records."""

    holders: tuple[UUID, ...] | None = None
    since: datetime | None = None
    until: datetime | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    pipeline_id: UUID | None = None
    responsible_id: UUID | None = None
    department: str | None = None
    company_id: UUID | None = None
    source: str | None = None
    today: date = field(default_factory=lambda: datetime.now(UTC).date())
    page: Page | None = None  # which page of a list report (None: the first, of its usual size)

    def deals(self, q: Query, period: str | None, d: str = "d") -> None:
        """Add the conditions on deals (alias ``d``), the period on column ``period`` of them (if any)."""
        self.people(q, f"{d}.responsible_id", period)
        if self.min_amount is not None:
            q.where(f"{d}.amount >= {q.arg(self.min_amount)}")
        if self.max_amount is not None:
            q.where(f"{d}.amount <= {q.arg(self.max_amount)}")
        if self.pipeline_id is not None:
            q.where(f"{d}.pipeline_id = {q.arg(self.pipeline_id)}")
        if self.company_id is not None:
            q.where(f"{d}.company_id = {q.arg(self.company_id)}")
        if self.source is not None:
            q.where(
                f"EXISTS (SELECT 1 FROM {S}.lead_sources l WHERE l.lead_id = {d}.lead_id"  # noqa: S608 - fixed schema
                f" AND l.source = {q.arg(self.source)})"
            )

    def people(self, q: Query, manager: str, period: str | None) -> None:
        """Add the role's scope, responsible, department and period conditions on column ``manager``."""
        if self.holders is not None:
            q.where(f"{manager} = ANY({q.arg(list(self.holders))}::uuid[])")
        if self.responsible_id is not None:
            q.where(f"{manager} = {q.arg(self.responsible_id)}")
        if self.department is not None:
            q.where(
                f"{manager} IN (SELECT tm.manager_id FROM {S}.team_members tm JOIN {S}.teams t"  # noqa: S608
                f" ON t.id = tm.team_id WHERE t.name = {q.arg(self.department)})"
            )
        if period is not None:
            self.period(q, period)

    def period(self, q: Query, column: str) -> None:
        """Add the period's conditions on ``column`` (``to`` included)."""
        if self.since is not None:
            q.where(f"{column} >= {q.arg(self.since)}")
        if self.until is not None:
            q.where(f"{column} < {q.arg(self.until)}")


def report_filter(
    params: Mapping[str, str], takes: tuple[str, ...], me: UUID, holders: tuple[UUID, ...] | None
) -> ReportFilter:
    """The filters of the query string, for a report that ``takes`` those named; InvalidField naming a bad one."""
    for name in params:
        if name in FILTERS and name not in takes:
            raise InvalidField(name, "is not a filter of this report")
    since, until = _moment(params, "from", end=False), _moment(params, "to", end=True)
    if since is not None and until is not None and until <= since:
        raise InvalidField("to", "must be after 'from'")
    low, high = _amount(params, "min_amount"), _amount(params, "max_amount")
    if low is not None and high is not None and high < low:
        raise InvalidField("max_amount", "must not be less than 'min_amount'")
    responsible = params.get("responsible")
    return ReportFilter(
        holders=holders,
        since=since,
        until=until,
        min_amount=low,
        max_amount=high,
        pipeline_id=_id(params, "pipeline"),
        responsible_id=me if responsible == "me" else _id(params, "responsible"),
        department=_name(params, "department"),
        company_id=_id(params, "company"),
        source=_name(params, "source"),
    )


def _moment(params: Mapping[str, str], name: str, *, end: bool) -> datetime | None:
    value = params.get(name)
    if value is None:
        return None
    if len(value) <= 40:  # noqa: PLR2004 - longer than any ISO time
        try:
            if len(value) == len("2026-03-01"):
                day = date.fromisoformat(value)
                return datetime.combine(day + timedelta(days=1 if end else 0), time(), UTC)
            at = datetime.fromisoformat(value)
        except (ValueError, OverflowError):
            pass
        else:
            if at.utcoffset() is not None and 1900 <= at.year <= 9998:  # noqa: PLR2004 - what UTC can hold
                return at
    msg = "must be a day (2026-03-01) or a time with its zone (2026-03-01T09:30:00+02:00)"
    raise InvalidField(name, msg)


def _amount(params: Mapping[str, str], name: str) -> Decimal | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        amount = Decimal(value) if len(value) <= MAX_AMOUNT_TEXT else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise InvalidField(name, "must be an amount in decimal text, such as 1500.00")
    return amount


def _id(params: Mapping[str, str], name: str) -> UUID | None:
    value = params.get(name)
    if value is None:
        return None
    if len(value) <= 36:  # noqa: PLR2004 - a written UUID's length
        try:
            return UUID(value)
        except ValueError:
            pass
    raise InvalidField(name, f"must be an id (a UUID), not {value[:40]!r}")


def _name(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    return None if value is None else checked_text(name, value, max_length=MAX_NAME, kind=TextKind.LINE)
