# Each event's apply() is what its docstring says happened, done to the deal.
# ruff: noqa: D102
"""A deal: a sale worked through a pipeline's stages, with its amount, its product lines and its people.

Every event of a deal says who did it (``by``) and carries the contact, company and lead the deal
belongs to as they stand after it, so any of their timelines can place it without a lookup.
Amounts travel as decimal text; a date as ISO text ("2025-03-01").
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidField
from domain.money import MAX_AMOUNT, Money, currency_code
from domain.pipeline import Stage, StageKind, probability_of
from domain.product_line import ProductLine
from domain.text import TextKind, checked_text

MAX_TITLE = 200
MAX_REASON = 1000
MAX_OBSERVERS = 100
MAX_LINES = 500


class Deal(Aggregate):
    """A deal in one pipeline, at one stage; closed while at a won or lost stage."""

    @staticmethod
    def create_id(deal_id: UUID) -> UUID:
        """The id the opener chose (a converted lead's deal derives it from the lead)."""
        return deal_id

    @event("Opened")
    def __init__(  # noqa: PLR0913 - everything a deal starts with, recorded in one event
        self,
        deal_id: UUID,
        title: str,
        pipeline_id: UUID,
        stage: dict[str, Any],
        probability: int,
        currency: str,
        amount: str,
        amount_set_by_hand: bool,
        expected_close: str | None,
        responsible_id: UUID,
        observers: list[UUID],
        contact_id: UUID | None,
        company_id: UUID | None,
        lead_id: UUID | None,
        by: UUID,
        at: datetime,
    ) -> None:
        self.title = title
        self.pipeline_id = pipeline_id
        self.stage = Stage.from_dict(stage)
        self.stage_entered_at = at
        self.lost_reason = ""
        self.probability = probability
        self.probability_set_by_hand = False
        self.currency = currency
        self.amount = Decimal(amount)
        self.amount_set_by_hand = amount_set_by_hand
        self.lines: dict[UUID, ProductLine] = {}
        self.expected_close = date.fromisoformat(expected_close) if expected_close else None
        self.responsible_id = responsible_id
        self.observers = list(observers)
        self.contact_id = contact_id
        self.company_id = company_id
        self.lead_id = lead_id

    @classmethod
    def open(  # noqa: PLR0913 - what a new deal may be given
        cls,
        deal_id: UUID,
        title: str,
        pipeline_id: UUID,
        stage: Stage,
        by: UUID,
        at: datetime,
        *,
        currency: str,
        amount: Money | None = None,
        expected_close: date | None = None,
        responsible_id: UUID | None = None,
        observers: tuple[UUID, ...] = (),
        contact_id: UUID | None = None,
        company_id: UUID | None = None,
        lead_id: UUID | None = None,
    ) -> Deal:
        """A new deal at ``stage`` (one in progress); its amount is ``amount`` set by hand, else its lines'."""
        if stage.closes:
            raise InvalidField("stage_id", f"a deal opens at a stage in progress, not at {stage.name!r}")
        code = currency_code(currency)
        if amount is not None and amount.currency != code:
            raise InvalidField("amount", f"is in {amount.currency}, but the deal is in {code}")
        if len(set(observers)) > MAX_OBSERVERS:
            raise InvalidField("observers", f"a deal has at most {MAX_OBSERVERS} observers")
        return cls(
            deal_id=deal_id,
            title=deal_title(title),
            pipeline_id=pipeline_id,
            stage=stage.to_dict(),
            probability=stage.probability,
            currency=code,
            amount=(amount or Money.zero(code)).text,
            amount_set_by_hand=amount is not None,
            expected_close=expected_close.isoformat() if expected_close else None,
            responsible_id=responsible_id or by,
            observers=list(dict.fromkeys(observers)),
            contact_id=contact_id,
            company_id=company_id,
            lead_id=lead_id,
            by=by,
            at=at,
        )

    @property
    def closed(self) -> bool:
        """Whether the deal is won or lost."""
        return self.stage.closes

    @property
    def lines_total(self) -> Money:
        """The sum of the product lines' totals."""
        return sum((line.total for line in self.lines.values()), Money.zero(self.currency))

    def move_to(self, stage: Stage, by: UUID, at: datetime, reason: str = "") -> bool:
        """Move to ``stage`` of the deal's pipeline; a lost stage needs a reason. False if already there.

        Won and lost close the deal; a closed deal moves only back to a stage in progress (reopened).
        """
        if stage.id == self.stage.id:
            return False
        if self.closed and stage.closes:
            raise InvalidField(
                "stage_id", f"the deal is closed ({self.stage.kind.value}); move it to a stage in progress to reopen it"
            )
        checked = checked_text("reason", reason, max_length=MAX_REASON, kind=TextKind.TEXT, required=False).strip()
        if stage.kind is StageKind.LOST and not checked:
            raise InvalidField("reason", "must say why the deal was lost")
        manual = self.probability_set_by_hand and not stage.closes
        self.trigger_event(
            self.StageChanged,
            pipeline_id=self.pipeline_id,
            stage=stage.to_dict(),
            previous_stage_id=self.stage.id,
            previous_stage_entered_at=self.stage_entered_at,
            probability=self.probability if manual else stage.probability,
            reason=checked,
            reopened=self.closed,
            amount=Money(self.amount, self.currency).text,
            currency=self.currency,
            at=at,
            **self._placing(by),
        )
        return True

    def rename(self, title: str, by: UUID) -> None:
        """Give the deal a new title."""
        checked = deal_title(title)
        if checked != self.title:
            self.trigger_event(self.TitleChanged, title=checked, previous_title=self.title, **self._placing(by))

    def expect_close(self, when: date | None, by: UUID) -> None:
        """Set (or clear) when the deal is expected to close."""
        if when != self.expected_close:
            self.trigger_event(
                self.ExpectedCloseChanged, expected_close=when.isoformat() if when else None, **self._placing(by)
            )

    def set_probability(self, probability: int | None, by: UUID) -> None:
        """Set the probability by hand, or (None) return to the stage's."""
        value = self.stage.probability if probability is None else probability_of(probability)
        if (value, probability is not None) != (self.probability, self.probability_set_by_hand):
            self.trigger_event(
                self.ProbabilityChanged, probability=value, set_by_hand=probability is not None, **self._placing(by)
            )

    def change_currency(self, currency: str, by: UUID) -> None:
        """Put the deal in another currency; only a deal without product lines, whose prices are in its own."""
        code = currency_code(currency)
        if code == self.currency:
            return
        if self.lines:
            raise InvalidField("currency", "a deal with product lines keeps its currency; remove the lines first")
        amount = Money.of(self.amount, code)
        self.trigger_event(self.CurrencyChanged, currency=code, amount=amount.text, **self._placing(by))

    def link_contact(self, contact_id: UUID | None, by: UUID) -> None:
        """Make the deal a contact's (or no one's)."""
        if contact_id != self.contact_id:
            self.trigger_event(
                self.ContactChanged, previous_contact_id=self.contact_id, **self._placing(by, contact_id=contact_id)
            )

    def link_company(self, company_id: UUID | None, by: UUID) -> None:
        """Make the deal a company's (or no company's)."""
        if company_id != self.company_id:
            self.trigger_event(
                self.CompanyChanged, previous_company_id=self.company_id, **self._placing(by, company_id=company_id)
            )

    def hand_to(self, manager_id: UUID, by: UUID) -> None:
        """Make another manager responsible for the deal."""
        if manager_id != self.responsible_id:
            self.trigger_event(
                self.ResponsibleChanged,
                responsible_id=manager_id,
                previous_responsible_id=self.responsible_id,
                **self._placing(by),
            )

    def add_observer(self, manager_id: UUID, by: UUID) -> None:
        """Let a manager follow the deal."""
        if manager_id not in self.observers:
            if len(self.observers) >= MAX_OBSERVERS:
                raise InvalidField("observer_id", f"a deal has at most {MAX_OBSERVERS} observers")
            self.trigger_event(self.ObserverAdded, observer_id=manager_id, **self._placing(by))

    def remove_observer(self, manager_id: UUID, by: UUID) -> None:
        """Stop a manager following the deal."""
        if manager_id in self.observers:
            self.trigger_event(self.ObserverRemoved, observer_id=manager_id, **self._placing(by))

    def add_line(self, line: ProductLine, by: UUID) -> None:
        """Add a product line; unless set by hand, the amount becomes the lines' sum."""
        if line.id in self.lines:
            raise InvalidField("line_id", f"the deal already has a line {line.id}")
        if len(self.lines) >= MAX_LINES:
            raise InvalidField("lines", f"a deal has at most {MAX_LINES} product lines")
        total = self._total_with(line)
        self.trigger_event(self.LineAdded, line=line.to_dict(), **self._amounts(total), **self._placing(by))

    def change_line(self, line: ProductLine, by: UUID) -> None:
        """Replace a product line (same id) with new price, quantity, discount or tax."""
        if line.id not in self.lines:
            raise InvalidField("line_id", f"the deal has no line {line.id}")
        if line != self.lines[line.id]:
            total = self._total_with(line)
            self.trigger_event(self.LineChanged, line=line.to_dict(), **self._amounts(total), **self._placing(by))

    def remove_line(self, line_id: UUID, by: UUID) -> None:
        """Remove a product line."""
        if line_id not in self.lines:
            raise InvalidField("line_id", f"the deal has no line {line_id}")
        total = self._total_with(None, without=line_id)
        self.trigger_event(self.LineRemoved, line_id=line_id, **self._amounts(total), **self._placing(by))

    def set_amount(self, amount: Money | None, by: UUID) -> None:
        """Set the amount by hand, or (None) make it follow the product lines again."""
        if amount is None:
            if self.amount_set_by_hand:
                self.trigger_event(self.AmountFollowsLines, amount=self.lines_total.text, **self._placing(by))
            return
        if amount.currency != self.currency:
            raise InvalidField("amount", f"is in {amount.currency}, but the deal is in {self.currency}")
        if not self.amount_set_by_hand or amount.amount != self.amount:
            self.trigger_event(self.AmountSetByHand, amount=amount.text, **self._placing(by))

    def _total_with(self, line: ProductLine | None, without: UUID | None = None) -> Money:
        if line is not None and line.price.currency != self.currency:
            raise InvalidField("price", f"is in {line.price.currency}, but the deal is in {self.currency}")
        lines = {**self.lines, **({line.id: line} if line else {})}
        if without is not None:
            del lines[without]
        total = sum((x.total for x in lines.values()), Money.zero(self.currency))
        if total.amount > MAX_AMOUNT:
            raise InvalidField("quantity", f"would bring the deal's lines over {MAX_AMOUNT} {self.currency}")
        return total

    def _amounts(self, lines_total: Money) -> dict[str, str]:
        amount = Money(self.amount, self.currency) if self.amount_set_by_hand else lines_total
        return {"lines_total": lines_total.text, "amount": amount.text}

    def _placing(self, by: UUID, **changed: UUID | None) -> dict[str, UUID | None]:
        links = {"contact_id": self.contact_id, "company_id": self.company_id, "lead_id": self.lead_id}
        return {**links, **changed, "by": by}

    # Every event below carries the deal's links and who acted: a base event class gives them all.
    class Placed(Aggregate.Event):
        """What every change of a deal records besides its own: who did it, and whose the deal is."""

        contact_id: UUID | None
        company_id: UUID | None
        lead_id: UUID | None
        by: UUID

    class StageChanged(Placed):
        """The deal moved to ``stage`` at ``at``; it had been at the previous stage since its entered time."""

        pipeline_id: UUID
        stage: dict[str, Any]
        previous_stage_id: UUID
        previous_stage_entered_at: datetime
        probability: int
        reason: str
        reopened: bool
        amount: str
        currency: str
        at: datetime

        def apply(self, aggregate: Deal) -> None:
            aggregate.stage = Stage.from_dict(self.stage)
            aggregate.stage_entered_at = self.at
            aggregate.probability = self.probability
            aggregate.probability_set_by_hand = aggregate.probability_set_by_hand and not aggregate.stage.closes
            aggregate.lost_reason = self.reason if aggregate.stage.kind is StageKind.LOST else ""

    class TitleChanged(Placed):
        """The deal has a new title."""

        title: str
        previous_title: str

        def apply(self, aggregate: Deal) -> None:
            aggregate.title = self.title

    class ExpectedCloseChanged(Placed):
        """The deal is expected to close on another day (None: no day set)."""

        expected_close: str | None

        def apply(self, aggregate: Deal) -> None:
            aggregate.expected_close = date.fromisoformat(self.expected_close) if self.expected_close else None

    class ProbabilityChanged(Placed):
        """The deal's probability changed, set by hand or back to its stage's."""

        probability: int
        set_by_hand: bool

        def apply(self, aggregate: Deal) -> None:
            aggregate.probability = self.probability
            aggregate.probability_set_by_hand = self.set_by_hand

    class CurrencyChanged(Placed):
        """The deal is now in another currency; its amount is the same number, rounded to that currency."""

        currency: str
        amount: str

        def apply(self, aggregate: Deal) -> None:
            aggregate.currency = self.currency
            aggregate.amount = Decimal(self.amount)

    class ContactChanged(Placed):
        """The deal is now ``contact_id``'s."""

        previous_contact_id: UUID | None

        def apply(self, aggregate: Deal) -> None:
            aggregate.contact_id = self.contact_id

    class CompanyChanged(Placed):
        """The deal is now ``company_id``'s."""

        previous_company_id: UUID | None

        def apply(self, aggregate: Deal) -> None:
            aggregate.company_id = self.company_id

    class ResponsibleChanged(Placed):
        """Another manager is responsible for the deal."""

        responsible_id: UUID
        previous_responsible_id: UUID

        def apply(self, aggregate: Deal) -> None:
            aggregate.responsible_id = self.responsible_id

    class ObserverAdded(Placed):
        """A manager follows the deal."""

        observer_id: UUID

        def apply(self, aggregate: Deal) -> None:
            aggregate.observers.append(self.observer_id)

    class ObserverRemoved(Placed):
        """A manager no longer follows the deal."""

        observer_id: UUID

        def apply(self, aggregate: Deal) -> None:
            aggregate.observers.remove(self.observer_id)

    class LineAdded(Placed):
        """A product line was added; ``amount`` is the deal's amount after it, ``lines_total`` the lines' sum."""

        line: dict[str, Any]
        lines_total: str
        amount: str

        def apply(self, aggregate: Deal) -> None:
            line = ProductLine.from_dict(self.line, aggregate.currency)
            aggregate.lines[line.id] = line
            aggregate.amount = Decimal(self.amount)

    class LineChanged(Placed):
        """A product line (same ``line_id``) now reads ``line``."""

        line: dict[str, Any]
        lines_total: str
        amount: str

        def apply(self, aggregate: Deal) -> None:
            line = ProductLine.from_dict(self.line, aggregate.currency)
            aggregate.lines[line.id] = line
            aggregate.amount = Decimal(self.amount)

    class LineRemoved(Placed):
        """A product line was removed."""

        line_id: UUID
        lines_total: str
        amount: str

        def apply(self, aggregate: Deal) -> None:
            del aggregate.lines[self.line_id]
            aggregate.amount = Decimal(self.amount)

    class AmountSetByHand(Placed):
        """The amount was set by hand: product lines no longer change it."""

        amount: str

        def apply(self, aggregate: Deal) -> None:
            aggregate.amount = Decimal(self.amount)
            aggregate.amount_set_by_hand = True

    class AmountFollowsLines(Placed):
        """The amount is the product lines' sum again."""

        amount: str

        def apply(self, aggregate: Deal) -> None:
            aggregate.amount = Decimal(self.amount)
            aggregate.amount_set_by_hand = False


def deal_title(value: object) -> str:
    """A deal's title, checked."""
    return checked_text("title", value, max_length=MAX_TITLE, kind=TextKind.LINE).strip()


def close_date(value: object, field: str = "expected_close") -> date | None:
    """A day the deal is expected to close: a date, ISO text ("2025-03-01"), or None."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, str) and len(value) <= len("YYYY-MM-DD"):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidField(field, f"must be a day written as YYYY-MM-DD, not {str(value)[:20]!r}")
