"""Routing policy: which rule applies, who is skipped and why, and who is chosen."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.manager import WorkDay
from domain.presence import Absence, Shift, WorkingHours
from domain.routing import Candidate, RoutingDecision, Situation, SkipReason, decide, skip_reason
from domain.rules import Conditions, LeadFacts, Rule, RuleSet, Strategy

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday
TEAM = "sales"


def candidate(name: str, **changes: object) -> Candidate:
    base = Candidate(
        manager_id=uuid4(), name=name, work_day=WorkDay.STARTED, open_leads=0, capacity=3, last_assigned_at=None
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def lead(**changes: object) -> LeadFacts:
    return replace(LeadFacts(lead_id=uuid4(), channel="webchat", received_at=T0), **changes)  # type: ignore[arg-type]


def situation(managers: list[Candidate], *rules: Rule, at: datetime = T0, **kw: object) -> Situation:
    ruleset = RuleSet(rules=rules or (Rule("default", team=TEAM),), **kw)  # type: ignore[arg-type]
    return Situation(
        rules=ruleset,
        teams={TEAM: [m.manager_id for m in managers]},
        managers={m.manager_id: m for m in managers},
        at=at,
    )


def outcomes(decision: RoutingDecision) -> dict[str, str]:
    return {v.name: v.outcome for v in decision.verdicts}


def name_of(decision: RoutingDecision, managers: list[Candidate]) -> str | None:
    return next((m.name for m in managers if m.manager_id == decision.manager_id), None)


RULE = Rule("default", team=TEAM)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"work_day": WorkDay.NOT_STARTED}, SkipReason.WORK_DAY_NOT_STARTED),
        ({"work_day": WorkDay.PAUSED}, SkipReason.PAUSED),
        ({"work_day": WorkDay.ENDED}, SkipReason.WORK_DAY_ENDED),
        ({"open_leads": 3}, SkipReason.AT_CAPACITY),
        ({"capacity": 0}, SkipReason.AT_CAPACITY),
        ({"absences": (Absence(date(2026, 3, 1), date(2026, 3, 8)),)}, SkipReason.ABSENT),
        (
            {"working_hours": WorkingHours("Europe/Riga", (Shift(0, time(13, 0), time(18, 0)),))},
            SkipReason.OUTSIDE_WORKING_HOURS,
        ),
    ],
)
def test_managers_who_cannot_take_a_lead_are_skipped_with_the_reason(
    change: dict[str, object], reason: SkipReason
) -> None:
    manager = candidate("m", **change)
    assert skip_reason(manager, situation([manager]), RULE) is reason
    assert outcomes(decide(lead(), situation([manager]))) == {"m": f"skipped: {reason}"}


def test_working_hours_are_read_in_the_managers_time_zone() -> None:
    # 10:00 UTC is 12:00 in Riga (winter): inside a 12:00-13:00 shift there, outside it in UTC.
    riga = candidate("riga", working_hours=WorkingHours("Europe/Riga", (Shift(0, time(12, 0), time(13, 0)),)))
    utc = candidate("utc", working_hours=WorkingHours("UTC", (Shift(0, time(12, 0), time(13, 0)),)))
    decision = decide(lead(), situation([riga, utc]))
    assert outcomes(decision) == {"riga": "chosen", "utc": "skipped: outside_working_hours"}


def test_a_holiday_in_the_rules_keeps_everyone_away() -> None:
    manager = candidate("m")
    decision = decide(lead(), situation([manager], RULE, holidays=frozenset({T0.date()})))
    assert decision.manager_id is None
    assert outcomes(decision) == {"m": "skipped: holiday"}


def test_only_a_rule_that_says_so_assigns_to_an_absent_manager() -> None:
    away = candidate("away", work_day=WorkDay.ENDED)
    assert decide(lead(), situation([away])).manager_id is None
    explicit = Rule("after hours", team=TEAM, when_absent=True)
    assert decide(lead(), situation([away], explicit)).manager_id == away.manager_id


def test_a_rule_may_require_managers_online_in_the_console() -> None:
    offline, online = candidate("offline"), candidate("online", online=True)
    decision = decide(lead(), situation([offline, online], Rule("live", team=TEAM, require_online=True)))
    assert outcomes(decision) == {"offline": "skipped: offline", "online": "chosen"}


def test_the_first_matching_rule_decides_and_the_others_say_why_not() -> None:
    anna, boris = candidate("anna"), candidate("boris")
    rules = (
        Rule("vip", Conditions(vip=True), manager=anna.manager_id),
        Rule("mail", Conditions(channels=frozenset({"email"})), team=TEAM),
        Rule("rest", team=TEAM, strategy=Strategy.IN_ORDER, order=(boris.manager_id, anna.manager_id)),
    )
    decision = decide(lead(), situation([anna, boris], *rules))
    assert (decision.rule, name_of(decision, [anna, boris])) == ("rest", "boris")
    assert decision.rules_skipped == (("vip", "contact is not VIP"), ("mail", "channel webchat not in ['email']"))
    assert decide(lead(vip=True), situation([anna, boris], *rules)).manager_id == anna.manager_id


@pytest.mark.parametrize(
    ("conditions", "facts", "why"),
    [
        (Conditions(sources=frozenset({"form"})), {}, "source (none) not in ['form']"),
        (Conditions(languages=frozenset({"lv"})), {"language": "en"}, "language en not in ['lv']"),
        (Conditions(regions=frozenset({"EU"})), {}, "region (unknown) not in ['EU']"),
        (Conditions(tags_any=frozenset({"b2b"})), {"tags": frozenset({"retail"})}, "no tag of ['b2b']"),
        (Conditions(amount_at_least=Decimal(1000)), {"amount": Decimal(999)}, "amount 999 below 1000"),
        (Conditions(amount_below=Decimal(1000)), {"amount": Decimal(1000)}, "amount 1000 not below 1000"),
        (Conditions(product_categories=frozenset({"tours"})), {}, "product category (none) not in ['tours']"),
        (Conditions(between=(time(18, 0), time(9, 0))), {}, "10:00 outside 18:00-09:00"),
    ],
)
def test_each_condition_explains_a_mismatch(conditions: Conditions, facts: dict[str, object], why: str) -> None:
    assert conditions.mismatch(lead(**facts), time(10, 0)) == why


def test_time_of_day_is_read_in_the_rules_time_zone_and_may_wrap_midnight() -> None:
    night = Conditions(between=(time(22, 0), time(6, 0)))
    assert night.mismatch(lead(), time(23, 30)) is None
    assert night.mismatch(lead(), time(5, 59)) is None
    manager = candidate("m")
    rule = Rule("night", night, team=TEAM)
    late = datetime(2026, 3, 2, 21, 0, tzinfo=UTC)  # 23:00 in Riga
    assert decide(lead(received_at=late), situation([manager], rule, timezone="Europe/Riga")).rule == "night"
    assert decide(lead(received_at=late), situation([manager], rule, timezone="UTC")).rule is None


def test_evenly_prefers_who_never_had_a_lead_then_who_waited_longest() -> None:
    recent = candidate("recent", last_assigned_at=T0 - timedelta(minutes=1))
    earlier = candidate("earlier", last_assigned_at=T0 - timedelta(hours=1))
    assert name_of(decide(lead(), situation([recent, earlier])), [recent, earlier]) == "earlier"
    fresh = candidate("fresh")
    assert name_of(decide(lead(), situation([recent, earlier, fresh])), [recent, earlier, fresh]) == "fresh"


def test_ties_go_to_different_people_for_different_leads_but_alike_for_the_same_lead() -> None:
    managers = [candidate(f"m{i}") for i in range(4)]
    winners = Counter(name_of(decide(lead(), situation(managers)), managers) for _ in range(200))
    assert set(winners) == {"m0", "m1", "m2", "m3"}
    same = lead()
    assert len({decide(same, situation(managers)).manager_id for _ in range(5)}) == 1


def test_in_order_takes_the_first_eligible_and_skips_who_already_had_it() -> None:
    a, b, c = candidate("a", work_day=WorkDay.PAUSED), candidate("b"), candidate("c")
    rule = Rule("ordered", team=TEAM, strategy=Strategy.IN_ORDER, order=(a.manager_id, b.manager_id, c.manager_id))
    assert name_of(decide(lead(), situation([a, b, c], rule)), [a, b, c]) == "b"
    tried = replace(situation([a, b, c], rule), tried=frozenset({b.manager_id}))
    decision = decide(lead(), tried)
    assert name_of(decision, [a, b, c]) == "c"
    assert outcomes(decision)["b"] == "skipped: already_tried"


def test_least_loaded_counts_open_leads_now() -> None:
    busy = candidate("busy", open_leads=2, last_assigned_at=T0 - timedelta(days=3))
    light = candidate("light", open_leads=1, last_assigned_at=T0)
    rule = Rule("load", team=TEAM, strategy=Strategy.LEAST_LOADED)
    assert name_of(decide(lead(), situation([busy, light], rule)), [busy, light]) == "light"


def test_weighted_shares_follow_the_weights() -> None:
    heavy, light, none = candidate("heavy", capacity=100), candidate("light", capacity=100), candidate("none")
    rule = Rule(
        "weights", team=TEAM, strategy=Strategy.WEIGHTED, weights=((heavy.manager_id, 3), (light.manager_id, 1))
    )
    managers = {m.manager_id: m for m in (heavy, light, none)}
    for _ in range(40):
        decision = decide(lead(), Situation(RuleSet((rule,)), {TEAM: list(managers)}, managers, T0))
        chosen = managers[decision.manager_id]  # type: ignore[index]
        managers[chosen.manager_id] = replace(chosen, open_leads=chosen.open_leads + 1)
    assert (managers[heavy.manager_id].open_leads, managers[light.manager_id].open_leads) == (30, 10)
    assert outcomes(decision)["none"] == "skipped: no_weight"


def test_offer_to_all_offers_every_eligible_manager_and_assigns_nobody_yet() -> None:
    a, b, away = candidate("a"), candidate("b"), candidate("away", work_day=WorkDay.ENDED)
    decision = decide(lead(), situation([a, b, away], Rule("all", team=TEAM, strategy=Strategy.OFFER_TO_ALL)))
    assert decision.manager_id is None
    assert set(decision.offered) == {a.manager_id, b.manager_id}
    assert outcomes(decision) == {"a": "offered", "b": "offered", "away": "skipped: work_day_ended"}


def test_a_known_customer_returns_to_their_responsible_manager_when_present() -> None:
    usual, other = candidate("usual", last_assigned_at=T0), candidate("other")
    decision = decide(lead(responsible_manager_id=usual.manager_id), situation([usual, other]))
    assert (name_of(decision, [usual, other]), decision.strategy) == ("usual", "returned_to_responsible")
    paused = replace(usual, work_day=WorkDay.PAUSED)
    decision = decide(lead(responsible_manager_id=usual.manager_id), situation([paused, other]))
    assert (name_of(decision, [paused, other]), decision.strategy) == ("other", "evenly")
    no_return = Rule("default", team=TEAM, return_to_responsible=False)
    decision = decide(lead(responsible_manager_id=usual.manager_id), situation([usual, other], no_return))
    assert name_of(decision, [usual, other]) == "other"


def test_nobody_eligible_leaves_the_lead_in_the_rules_queue_with_every_reason() -> None:
    managers = [candidate("full", open_leads=3), candidate("off", work_day=WorkDay.NOT_STARTED)]
    decision = decide(lead(), situation(managers))
    assert (decision.manager_id, decision.queue) == (None, TEAM)
    reasons = json.loads(json.dumps(decision.reasons()))
    assert reasons["candidates"] == [
        {"manager_id": str(managers[0].manager_id), "name": "full", "outcome": "skipped: at_capacity"},
        {"manager_id": str(managers[1].manager_id), "name": "off", "outcome": "skipped: work_day_not_started"},
    ]


def test_no_matching_rule_routes_nowhere_and_says_why() -> None:
    decision = decide(lead(), situation([candidate("m")], Rule("mail only", Conditions(channels=frozenset({"email"})))))
    assert (decision.manager_id, decision.rule) == (None, None)
    assert decision.rules_skipped == (("mail only", "channel webchat not in ['email']"),)


work_days = st.sampled_from(list(WorkDay))
managers_strategy = st.lists(
    st.builds(
        lambda wd, load, cap, minutes: candidate(
            "m",
            work_day=wd,
            open_leads=load,
            capacity=cap,
            last_assigned_at=None if minutes is None else T0 - timedelta(minutes=minutes),
        ),
        work_days,
        st.integers(0, 5),
        st.integers(0, 5),
        st.none() | st.integers(0, 600),
    ),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(managers_strategy, st.sampled_from(list(Strategy)))
def test_never_an_absent_or_full_manager_and_always_someone_when_possible(
    managers: list[Candidate], strategy: Strategy
) -> None:
    rule = Rule("r", team=TEAM, strategy=strategy, weights=tuple((m.manager_id, 1) for m in managers))
    decision = decide(lead(), situation(managers, rule))
    eligible = {m.manager_id for m in managers if m.work_day is WorkDay.STARTED and m.open_leads < m.capacity}
    if strategy is Strategy.OFFER_TO_ALL:
        assert set(decision.offered) == eligible
    elif eligible:
        assert decision.manager_id in eligible
    else:
        assert decision.manager_id is None


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 6), st.integers(1, 40))
def test_evenly_never_lets_equally_eligible_managers_differ_by_more_than_one(size: int, leads: int) -> None:
    managers = {m.manager_id: m for m in (candidate(f"m{i}", capacity=1000) for i in range(size))}
    at = T0
    for _ in range(leads):
        at += timedelta(seconds=1)
        decision = decide(lead(received_at=at), Situation(RuleSet((RULE,)), {TEAM: list(managers)}, managers, at))
        chosen = managers[decision.manager_id]  # type: ignore[index]
        managers[chosen.manager_id] = replace(chosen, open_leads=chosen.open_leads + 1, last_assigned_at=at)
    loads = [m.open_leads for m in managers.values()]
    assert max(loads) - min(loads) <= 1


@settings(max_examples=100, deadline=None)
@given(managers_strategy)
def test_the_same_situation_gives_the_same_decision(managers: list[Candidate]) -> None:
    facts = lead()
    assert decide(facts, situation(managers)) == decide(facts, situation(managers))
