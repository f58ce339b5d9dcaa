"""The rules in force, as an aggregate: applying a rules file is an event with who, when and the diff."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.identities import team_id
from domain.rules import Conditions, Rule, RuleSet, Strategy, default_rules


class Rulebook(Aggregate):
    """The routing rules of the company, with their history in the log."""

    @staticmethod
    def create_id() -> UUID:
        """One rulebook."""
        return uuid5(team_id("rulebook"), "rulebook")

    @event("Opened")
    def __init__(self) -> None:
        self.rules: dict[str, Any] | None = None

    def apply(self, rules: RuleSet, author: str) -> list[str]:
        """Put ``rules`` in force; returns the diff against the rules they replace."""
        new = to_plain(rules)
        changes = diff(self.rules, new)
        if changes:
            self._applied(rules=new, author=author, diff=changes)
        return changes

    def in_force(self, team: str) -> RuleSet:
        """The rules in force, or evenly within ``team`` before any were applied."""
        return from_plain(self.rules) if self.rules else default_rules(team)

    @event("Applied")
    def _applied(self, rules: dict[str, Any], author: str, diff: list[str]) -> None:
        self.rules = rules


def diff(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """What changed between two rule sets, one line per change, in words."""
    before = {r["name"]: r for r in (old or {}).get("rules", [])}
    after = {r["name"]: r for r in new["rules"]}
    lines = [f"added rule {n}" for n in after if n not in before]
    lines += [f"removed rule {n}" for n in before if n not in after]
    for name in after.keys() & before.keys():
        changed = sorted(
            k for k in after[name].keys() | before[name].keys() if after[name].get(k) != before[name].get(k)
        )
        lines += [f"rule {name}: {key} changed" for key in changed]
    if [r["name"] for r in (old or {}).get("rules", [])] != [r["name"] for r in new["rules"]] and old:
        lines.append("rule order changed: " + ", ".join(after))
    for key in ("timezone", "holidays"):
        if old is not None and old.get(key) != new.get(key):
            lines.append(f"{key} changed")
    return sorted(set(lines), key=lines.index)


def to_plain(rules: RuleSet) -> dict[str, Any]:
    """A rule set as JSON-ready data."""
    return {
        "timezone": rules.timezone,
        "holidays": sorted(d.isoformat() for d in rules.holidays),
        "rules": [_rule_to_plain(r) for r in rules.rules],
    }


def from_plain(data: dict[str, Any]) -> RuleSet:
    """A rule set from its JSON-ready form."""
    return RuleSet(
        timezone=data["timezone"],
        holidays=frozenset(date.fromisoformat(d) for d in data["holidays"]),
        rules=tuple(_rule_from_plain(r) for r in data["rules"]),
    )


def _rule_to_plain(rule: Rule) -> dict[str, Any]:
    c = rule.conditions
    return {
        "name": rule.name,
        "when": {
            "channels": sorted(c.channels),
            "sources": sorted(c.sources),
            "vip": c.vip,
            "languages": sorted(c.languages),
            "regions": sorted(c.regions),
            "tags_any": sorted(c.tags_any),
            "amount_at_least": str(c.amount_at_least) if c.amount_at_least is not None else None,
            "amount_below": str(c.amount_below) if c.amount_below is not None else None,
            "product_categories": sorted(c.product_categories),
            "between": [t.isoformat("minutes") for t in c.between] if c.between else None,
        },
        "team": rule.team,
        "manager": str(rule.manager) if rule.manager else None,
        "strategy": str(rule.strategy),
        "order": [str(m) for m in rule.order],
        "weights": {str(m): w for m, w in rule.weights},
        "idle_timeout_seconds": rule.idle_timeout_seconds,
        "offer_timeout_seconds": rule.offer_timeout_seconds,
        "return_to_responsible": rule.return_to_responsible,
        "when_absent": rule.when_absent,
        "require_online": rule.require_online,
    }


def _rule_from_plain(data: dict[str, Any]) -> Rule:
    w = data["when"]
    between = w.get("between")
    return Rule(
        name=data["name"],
        conditions=Conditions(
            channels=frozenset(w["channels"]),
            sources=frozenset(w["sources"]),
            vip=w["vip"],
            languages=frozenset(w["languages"]),
            regions=frozenset(w["regions"]),
            tags_any=frozenset(w["tags_any"]),
            amount_at_least=Decimal(w["amount_at_least"]) if w["amount_at_least"] is not None else None,
            amount_below=Decimal(w["amount_below"]) if w["amount_below"] is not None else None,
            product_categories=frozenset(w["product_categories"]),
            between=(time.fromisoformat(between[0]), time.fromisoformat(between[1])) if between else None,
        ),
        team=data["team"],
        manager=UUID(data["manager"]) if data["manager"] else None,
        strategy=Strategy(data["strategy"]),
        order=tuple(UUID(m) for m in data["order"]),
        weights=tuple((UUID(m), int(v)) for m, v in data["weights"].items()),
        idle_timeout_seconds=data["idle_timeout_seconds"],
        offer_timeout_seconds=data.get("offer_timeout_seconds"),  # absent in rules applied before it existed
        return_to_responsible=data["return_to_responsible"],
        when_absent=data["when_absent"],
        require_online=data["require_online"],
    )
