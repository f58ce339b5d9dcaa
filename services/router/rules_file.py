"""The human-edited rules file (YAML): parsed, validated with line numbers, turned into a RuleSet.

Example::

    timezone: Europe/Riga
    holidays: [2026-12-25]
    rules:
      - name: VIP customers to Anna
        when: {vip: true}
        manager: anna@example.com
      - name: Everyone else
        team: sales
        strategy: evenly
        idle_timeout: 5m
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from domain.presence import InvalidSchedule, zone
from domain.rules import Conditions, Rule, RuleSet, Strategy

_DURATION = re.compile(r"^(\d+)\s*(s|m|h)$")
_SECONDS = {"s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the file, where it is."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


class RulesFileError(ValueError):
    """The rules file is not valid; nothing was applied. ``problems`` lists each mistake."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _When(_Strict):
    channel: list[str] = []
    source: list[str] = []
    vip: bool | None = None
    language: list[str] = []
    region: list[str] = []
    tags_any: list[str] = []
    amount_at_least: Decimal | None = None
    amount_below: Decimal | None = None
    product_category: list[str] = []
    time: str | None = None

    @field_validator("time")
    @classmethod
    def _window(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", value):
            msg = "write a local time window such as 09:00-18:00"
            raise ValueError(msg)
        return value


class _Rule(_Strict):
    name: str = Field(min_length=1)
    when: _When = _When()
    team: str | None = None
    manager: str | None = None
    strategy: Literal["evenly", "in_order", "offer_to_all", "least_loaded", "weighted"] = "evenly"
    order: list[str] = []
    weights: dict[str, int] = {}
    idle_timeout: str | None = None
    offer_timeout: str | None = None
    return_to_responsible: bool = True
    when_absent: bool = False
    require_online: bool = False

    @field_validator("idle_timeout", "offer_timeout")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None and not _DURATION.match(value):
            msg = "write a duration such as 90s, 5m or 1h"
            raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _target(self) -> _Rule:
        if (self.team is None) == (self.manager is None):
            msg = "name exactly one target: 'team' or 'manager'"
            raise ValueError(msg)
        if self.strategy == "weighted" and not self.weights:
            msg = "the weighted strategy needs 'weights'"
            raise ValueError(msg)
        if self.offer_timeout is not None and self.strategy != "offer_to_all":
            msg = "'offer_timeout' applies to the offer_to_all strategy only"
            raise ValueError(msg)
        return self


class _File(_Strict):
    timezone: str = "UTC"
    holidays: list[date] = []
    rules: list[_Rule] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            zone(value)
        except InvalidSchedule as error:
            raise ValueError(str(error)) from None
        return value


def load_rules(text: str, managers: Mapping[str, UUID] | Callable[[str], UUID | None]) -> RuleSet:
    """Parse and validate a rules file; ``managers`` finds a registered manager's id by e-mail address."""
    lookup = managers.get if isinstance(managers, Mapping) else managers
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise RulesFileError([Problem((mark.line + 1) if mark else 1, "(file)", f"not valid YAML: {error}")]) from None
    try:
        parsed = _File.model_validate(data)
    except ValidationError as error:
        raise RulesFileError(
            [Problem(_line(root, e["loc"]), _path(e["loc"]), e["msg"]) for e in error.errors()]
        ) from None
    problems: list[Problem] = []
    rules = tuple(_rule(rule, i, lookup, root, problems) for i, rule in enumerate(parsed.rules))
    names = [r.name for r in rules]
    problems += [
        Problem(_line(root, ("rules", i, "name")), f"rules.{i}.name", f"rule name {n!r} is used twice")
        for i, n in enumerate(names)
        if n in names[:i]
    ]
    if problems:
        raise RulesFileError(problems)
    return RuleSet(rules=rules, timezone=parsed.timezone, holidays=frozenset(parsed.holidays))


def _rule(rule: _Rule, i: int, managers: Callable[[str], UUID | None], root: Any, problems: list[Problem]) -> Rule:  # noqa: ANN401
    def manager(email: str, *loc: str | int) -> UUID:
        found = managers(email.lower())
        if found is None:
            where = ("rules", i, *loc)
            problems.append(Problem(_line(root, where), _path(where), f"no manager {email!r}"))
            return UUID(int=0)
        return found

    w = rule.when
    between = None
    if w.time:
        start, end = (time.fromisoformat(t) for t in w.time.split("-"))
        between = (start, end)
    idle, offer = _seconds(rule.idle_timeout), _seconds(rule.offer_timeout)
    return Rule(
        name=rule.name,
        conditions=Conditions(
            channels=frozenset(w.channel),
            sources=frozenset(w.source),
            vip=w.vip,
            languages=frozenset(w.language),
            regions=frozenset(w.region),
            tags_any=frozenset(w.tags_any),
            amount_at_least=w.amount_at_least,
            amount_below=w.amount_below,
            product_categories=frozenset(w.product_category),
            between=between,
        ),
        team=rule.team,
        manager=manager(rule.manager, "manager") if rule.manager else None,
        strategy=Strategy(rule.strategy),
        order=tuple(manager(e, "order", j) for j, e in enumerate(rule.order)),
        weights=tuple((manager(e, "weights", e), w) for e, w in rule.weights.items()),
        idle_timeout_seconds=idle,
        offer_timeout_seconds=offer,
        return_to_responsible=rule.return_to_responsible,
        when_absent=rule.when_absent,
        require_online=rule.require_online,
    )


def _path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(file)"


def _line(node: Any, loc: tuple[Any, ...]) -> int:  # noqa: ANN401 - a yaml node
    """The 1-based line of the deepest node ``loc`` reaches in the composed YAML."""
    line = (node.start_mark.line + 1) if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if match is None:
                break
            node = match[1]
            line = match[0].start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _seconds(duration: str | None) -> int | None:
    """A validated duration such as 90s, 5m or 1h, in seconds."""
    if duration and (m := _DURATION.match(duration)):
        return int(m.group(1)) * _SECONDS[m.group(2)]
    return None
