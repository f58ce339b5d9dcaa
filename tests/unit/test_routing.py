"""Routing policy: who is skipped and why, and who is chosen."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.manager import WorkDay
from domain.routing import Candidate, RoutingDecision, SkipReason, route_evenly, skip_reason

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def candidate(  # noqa: PLR0913
    name: str,
    *,
    work_day: WorkDay = WorkDay.STARTED,
    open_leads: int = 0,
    capacity: int = 3,
    last: datetime | None = None,
    manager_id: UUID | None = None,
) -> Candidate:
    return Candidate(
        manager_id=manager_id or uuid4(),
        name=name,
        work_day=work_day,
        open_leads=open_leads,
        capacity=capacity,
        last_assigned_at=last,
    )


def outcomes(decision: RoutingDecision) -> dict[str, str]:
    return {v.name: v.outcome for v in decision.verdicts}


def chosen_name(decision: RoutingDecision, candidates: list[Candidate]) -> str | None:
    return next((c.name for c in candidates if c.manager_id == decision.manager_id), None)


@pytest.mark.parametrize(
    ("work_day", "reason"),
    [
        (WorkDay.NOT_STARTED, SkipReason.WORK_DAY_NOT_STARTED),
        (WorkDay.PAUSED, SkipReason.PAUSED),
        (WorkDay.ENDED, SkipReason.WORK_DAY_ENDED),
    ],
)
def test_absent_managers_are_skipped_with_their_reason(work_day: WorkDay, reason: SkipReason) -> None:
    away = candidate("away", work_day=work_day)
    here = candidate("here", last=T0)
    decision = route_evenly([away, here])
    assert skip_reason(away) is reason
    assert decision.manager_id == here.manager_id
    assert outcomes(decision) == {"away": f"skipped: {reason.value}", "here": "chosen"}


def test_skip_reason_texts_are_stable() -> None:
    # These strings are stored on assignment events: changing one changes history's meaning.
    assert {r.name: r.value for r in SkipReason} == {
        "WORK_DAY_NOT_STARTED": "work_day_not_started",
        "PAUSED": "paused",
        "WORK_DAY_ENDED": "work_day_ended",
        "AT_CAPACITY": "at_capacity",
    }


def test_a_manager_at_capacity_is_skipped() -> None:
    full = candidate("full", open_leads=2, capacity=2)
    roomy = candidate("roomy", open_leads=1, capacity=2, last=T0)
    decision = route_evenly([full, roomy])
    assert decision.manager_id == roomy.manager_id
    assert outcomes(decision) == {"full": "skipped: at_capacity", "roomy": "chosen"}


def test_a_manager_over_capacity_is_skipped() -> None:
    # Capacity may be lowered below what a manager already holds.
    assert skip_reason(candidate("over", open_leads=5, capacity=2)) is SkipReason.AT_CAPACITY


def test_zero_capacity_is_always_at_capacity() -> None:
    zero = candidate("zero", capacity=0)
    decision = route_evenly([zero])
    assert decision.manager_id is None
    assert outcomes(decision) == {"zero": "skipped: at_capacity"}


def test_absence_is_reported_before_capacity() -> None:
    assert skip_reason(candidate("x", work_day=WorkDay.PAUSED, open_leads=3, capacity=3)) is SkipReason.PAUSED


def test_a_present_manager_with_room_has_no_skip_reason() -> None:
    assert skip_reason(candidate("x", open_leads=2, capacity=3)) is None


def test_a_manager_who_never_had_a_lead_comes_first() -> None:
    veteran = candidate("veteran", last=T0 - timedelta(days=30))
    newcomer = candidate("newcomer", last=None)
    decision = route_evenly([veteran, newcomer])
    assert decision.manager_id == newcomer.manager_id
    assert outcomes(decision) == {"veteran": "eligible, waited less", "newcomer": "chosen"}


def test_then_the_manager_who_waited_longest() -> None:
    recent = candidate("recent", last=T0)
    longest = candidate("longest", last=T0 - timedelta(hours=2))
    middle = candidate("middle", last=T0 - timedelta(hours=1))
    candidates = [recent, longest, middle]
    assert chosen_name(route_evenly(candidates), candidates) == "longest"


def test_waiting_is_compared_as_instants_across_time_zones() -> None:
    # 04:00 at -05:00 is 09:00Z: on the wall clock it reads earlier than 08:59Z, as an instant it is later.
    later = candidate("later", last=T0.astimezone(timezone(timedelta(hours=-5))))
    earlier = candidate("earlier", last=T0 - timedelta(minutes=1))
    candidates = [later, earlier]
    assert chosen_name(route_evenly(candidates), candidates) == "earlier"


def test_ties_between_newcomers_keep_the_team_order() -> None:
    first, second = candidate("first"), candidate("second")
    assert route_evenly([first, second]).manager_id == first.manager_id
    assert route_evenly([second, first]).manager_id == second.manager_id


def test_ties_between_equal_waits_keep_the_team_order() -> None:
    first, second = candidate("first", last=T0), candidate("second", last=T0)
    assert route_evenly([first, second]).manager_id == first.manager_id
    assert route_evenly([second, first]).manager_id == second.manager_id


def test_skipped_managers_do_not_take_a_place_in_the_order() -> None:
    paused = candidate("paused", work_day=WorkDay.PAUSED)
    first, second = candidate("first"), candidate("second")
    assert route_evenly([paused, second, first]).manager_id == second.manager_id


def test_nobody_eligible_leaves_the_lead_unassigned_with_every_reason() -> None:
    candidates = [
        candidate("off", work_day=WorkDay.NOT_STARTED),
        candidate("break", work_day=WorkDay.PAUSED),
        candidate("home", work_day=WorkDay.ENDED),
        candidate("busy", open_leads=3, capacity=3),
    ]
    decision = route_evenly(candidates)
    assert decision.manager_id is None
    assert outcomes(decision) == {
        "off": "skipped: work_day_not_started",
        "break": "skipped: paused",
        "home": "skipped: work_day_ended",
        "busy": "skipped: at_capacity",
    }


def test_no_candidates_at_all() -> None:
    decision = route_evenly([])
    assert decision.manager_id is None
    assert decision.verdicts == ()
    assert decision.reasons() == {"rule": "default", "strategy": "evenly", "candidates": []}


def test_verdicts_follow_the_candidates_order() -> None:
    candidates = [candidate(n, last=T0 + timedelta(minutes=i)) for i, n in enumerate("abcde")]
    decision = route_evenly(list(reversed(candidates)))
    assert [v.name for v in decision.verdicts] == list("edcba")
    assert [v.manager_id for v in decision.verdicts] == [c.manager_id for c in reversed(candidates)]


def test_reasons_are_plain_json_ready_data() -> None:
    manager_a = UUID("00000000-0000-0000-0000-00000000000a")
    manager_b = UUID("00000000-0000-0000-0000-00000000000b")
    decision = route_evenly(
        [
            candidate("Ann", work_day=WorkDay.PAUSED, manager_id=manager_a),
            candidate("Bob", manager_id=manager_b),
        ],
        rule="night-shift",
    )
    reasons = decision.reasons()
    assert reasons == {
        "rule": "night-shift",
        "strategy": "evenly",
        "candidates": [
            {"manager_id": str(manager_a), "name": "Ann", "outcome": "skipped: paused"},
            {"manager_id": str(manager_b), "name": "Bob", "outcome": "chosen"},
        ],
    }
    assert json.loads(json.dumps(reasons)) == reasons
    assert decision.rule == "night-shift"
    assert decision.strategy == "evenly"


# --- properties ------------------------------------------------------------------------------------------------

_times = st.one_of(
    st.none(),
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 1, 1), timezones=st.just(UTC)),  # noqa: DTZ001
)

_candidate_fields = st.tuples(
    st.sampled_from(list(WorkDay)),
    st.integers(min_value=0, max_value=4),
    st.integers(min_value=0, max_value=3),
    _times,
)


@st.composite
def candidate_lists(draw: st.DrawFn) -> list[Candidate]:
    fields = draw(st.lists(_candidate_fields, max_size=8))
    ids = draw(st.lists(st.uuids(), min_size=len(fields), max_size=len(fields), unique=True))
    return [
        Candidate(
            manager_id=manager_id,
            name=f"m{i}",
            work_day=work_day,
            open_leads=open_leads,
            capacity=capacity,
            last_assigned_at=last,
        )
        for i, (manager_id, (work_day, open_leads, capacity, last)) in enumerate(zip(ids, fields, strict=True))
    ]


@settings(max_examples=300, deadline=None)
@given(candidate_lists())
def test_route_evenly_properties(candidates: list[Candidate]) -> None:
    decision = route_evenly(candidates)
    eligible = [c for c in candidates if skip_reason(c) is None]

    # Chooses someone exactly when someone is eligible, and never someone with a skip reason.
    if not eligible:
        assert decision.manager_id is None
    else:
        chosen = next(c for c in candidates if c.manager_id == decision.manager_id)
        assert skip_reason(chosen) is None
        # Nobody eligible waited longer than the chosen one.
        if chosen.last_assigned_at is not None:
            assert all(c.last_assigned_at is not None for c in eligible)
            assert all(chosen.last_assigned_at <= c.last_assigned_at for c in eligible if c.last_assigned_at)

    # One verdict per candidate, in order, each consistent with the candidate's skip reason.
    assert [v.manager_id for v in decision.verdicts] == [c.manager_id for c in candidates]
    for c, v in zip(candidates, decision.verdicts, strict=True):
        reason = skip_reason(c)
        if reason is not None:
            assert v.outcome == f"skipped: {reason}"
        elif c.manager_id == decision.manager_id:
            assert v.outcome == "chosen"
        else:
            assert v.outcome == "eligible, waited less"
    assert sum(v.outcome == "chosen" for v in decision.verdicts) == (1 if eligible else 0)

    # Deterministic: the same input gives the same decision.
    assert route_evenly(list(candidates)) == decision
