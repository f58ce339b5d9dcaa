"""Routing rules: an ordered list, the first rule whose conditions match decides."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from uuid import UUID

from domain.presence import zone


class Strategy(enum.StrEnum):
    """How a rule picks among the eligible managers."""

    EVENLY = "evenly"  # the one who has waited longest since their last lead
    IN_ORDER = "in_order"  # the first eligible in the rule's order; the next if they do not answer
    OFFER_TO_ALL = "offer_to_all"  # every eligible manager is offered it; the first to accept takes it
    LEAST_LOADED = "least_loaded"  # fewest open leads now
    WEIGHTED = "weighted"  # open load in proportion to weights


@dataclass(frozen=True)
class LeadFacts:
    """What rules can ask about a lead."""

    lead_id: UUID
    channel: str
    received_at: datetime
    source: str = ""
    vip: bool = False
    language: str = ""
    region: str = ""
    tags: frozenset[str] = frozenset()
    amount: Decimal | None = None
    product_category: str = ""
    responsible_manager_id: UUID | None = None
    offer_expired: bool = False  # it was offered to all and nobody accepted in time


@dataclass(frozen=True)
class Conditions:
    """What a lead must be for a rule to apply; an empty condition matches anything."""

    channels: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    vip: bool | None = None
    languages: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    tags_any: frozenset[str] = frozenset()
    amount_at_least: Decimal | None = None
    amount_below: Decimal | None = None
    product_categories: frozenset[str] = frozenset()
    between: tuple[time, time] | None = None  # local time of day, end exclusive; may wrap midnight

    def mismatch(self, lead: LeadFacts, local: time) -> str | None:  # noqa: C901, PLR0911 - one check per condition
        """Why the lead does not match, or None when it does."""
        if self.channels and lead.channel not in self.channels:
            return f"channel {lead.channel} not in {sorted(self.channels)}"
        if self.sources and lead.source not in self.sources:
            return f"source {lead.source or '(none)'} not in {sorted(self.sources)}"
        if self.vip is not None and lead.vip != self.vip:
            return "contact is VIP" if lead.vip else "contact is not VIP"
        if self.languages and lead.language not in self.languages:
            return f"language {lead.language or '(unknown)'} not in {sorted(self.languages)}"
        if self.regions and lead.region not in self.regions:
            return f"region {lead.region or '(unknown)'} not in {sorted(self.regions)}"
        if self.tags_any and not lead.tags & self.tags_any:
            return f"no tag of {sorted(self.tags_any)}"
        if self.amount_at_least is not None and (lead.amount is None or lead.amount < self.amount_at_least):
            return f"amount {lead.amount} below {self.amount_at_least}"
        if self.amount_below is not None and (lead.amount is None or lead.amount >= self.amount_below):
            return f"amount {lead.amount} not below {self.amount_below}"
        if self.product_categories and lead.product_category not in self.product_categories:
            return f"product category {lead.product_category or '(none)'} not in {sorted(self.product_categories)}"
        if self.between is not None and not _within(local, *self.between):
            return f"{local.isoformat('minutes')} outside {self.between[0]:%H:%M}-{self.between[1]:%H:%M}"
        return None


@dataclass(frozen=True)
class Rule:
    """One routing rule: conditions, a target (a team or one manager) and a strategy."""

    name: str
    conditions: Conditions = Conditions()
    team: str | None = None
    manager: UUID | None = None
    strategy: Strategy = Strategy.EVENLY
    order: tuple[UUID, ...] = ()
    weights: tuple[tuple[UUID, int], ...] = ()
    idle_timeout_seconds: int | None = None
    offer_timeout_seconds: int | None = None  # offer to all: unaccepted this long, it is assigned evenly
    return_to_responsible: bool = True
    when_absent: bool = False  # assign even to managers away from work: only when a rule says so
    require_online: bool = False

    @property
    def queue(self) -> str | None:
        """The team whose queue a lead waits in when nobody can take it."""
        return self.team


@dataclass(frozen=True)
class RuleSet:
    """The rules in force, with the calendar they read time in."""

    rules: tuple[Rule, ...]
    timezone: str = "UTC"
    holidays: frozenset[date] = field(default_factory=frozenset)

    def local_time(self, at: datetime) -> datetime:
        """``at`` in the rules' time zone."""
        return at.astimezone(zone(self.timezone))


def default_rules(team: str) -> RuleSet:
    """What routes leads before any rules file is applied: evenly within one team."""
    return RuleSet(rules=(Rule(name="default", team=team),))


def _within(moment: time, start: time, end: time) -> bool:
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end  # wraps midnight, e.g. 22:00-06:00
