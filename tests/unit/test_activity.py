"""Activities: what they are about, their reminder as a timer that fires once, completion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.activity import Activity, ActivityKind, SubjectKind
from domain.errors import InvalidField
from domain.text import InvalidText
from domain.timers import Timed, TimerKind

BY, DEAL = uuid4(), uuid4()
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REMINDER = TimerKind.REMINDER


def call_back(remind_at: datetime | None = T0 + timedelta(hours=1)) -> Activity:
    return Activity.schedule(
        uuid4(), "task", "deal", DEAL, "Call Olga back", BY, T0,
        due_at=T0 + timedelta(hours=2), remind_at=remind_at, call_back=True,
    )  # fmt: skip


def test_a_reminder_is_a_timer_until_it_fires_and_fires_once() -> None:
    task = call_back()
    assert isinstance(task, Timed)
    assert task.timers() == {REMINDER: T0 + timedelta(hours=1)}
    assert not task.fire_reminder(T0 + timedelta(minutes=59))  # not yet
    assert task.fire_reminder(T0 + timedelta(hours=1))
    assert not task.fire_reminder(T0 + timedelta(hours=3))  # once
    assert task.timers() == {REMINDER: None}
    fired = vars(task.collect_events()[-1])
    assert (fired["subject_kind"], fired["subject_id"], fired["responsible_id"]) == ("deal", DEAL, BY)
    assert (fired["due_at"], fired["remind_at"], fired["title"], fired["by"]) == (
        T0 + timedelta(hours=2), T0 + timedelta(hours=1), "Call Olga back", None,
    )  # fmt: skip


def test_rescheduling_the_reminder_arms_it_again_and_completing_stops_it() -> None:
    task = call_back()
    task.fire_reminder(T0 + timedelta(hours=1))
    task.reschedule(T0 + timedelta(days=1), T0 + timedelta(days=1), BY)
    assert task.timers() == {REMINDER: T0 + timedelta(days=1)}
    task.complete("Olga signed", BY, T0 + timedelta(hours=5))
    assert task.timers() == {REMINDER: None}
    assert (task.done, task.result) == (True, "Olga signed")
    with pytest.raises(InvalidField, match="already done") as done:
        task.complete("again", BY, T0)
    assert done.value.field == "done"
    with pytest.raises(InvalidField, match="already done"):
        task.reschedule(None, None, BY)


def test_an_activity_without_a_reminder_has_no_running_timer() -> None:
    note = Activity.schedule(uuid4(), ActivityKind.NOTE, SubjectKind.CONTACT, uuid4(), "Prefers e-mail", BY, T0)
    assert note.timers() == {REMINDER: None}
    assert not note.fire_reminder(T0 + timedelta(days=365))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "fax"}, "kind"),
        ({"subject_kind": "ticket"}, "subject_kind"),
        ({"kind": "call", "call_back": True}, "call_back"),
        ({"title": ""}, "title"),
        ({"description": "a\x00b"}, "description"),
        ({"due_at": datetime(2026, 3, 2, 9, 0)}, "due_at"),  # noqa: DTZ001 - a time without its zone is the point
        ({"remind_at": "tomorrow"}, "remind_at"),
    ],
)
def test_a_wrong_activity_is_refused_by_its_field(changes: dict[str, object], field: str) -> None:
    given: dict[str, object] = {"kind": "task", "subject_kind": "lead", "title": "Call"} | changes
    extra = {k: given[k] for k in ("description", "due_at", "remind_at", "call_back") if k in given}
    with pytest.raises((InvalidField, InvalidText)) as refused:
        Activity.schedule(uuid4(), given["kind"], given["subject_kind"], uuid4(), given["title"], BY, T0, **extra)  # type: ignore[arg-type]
    assert refused.value.field == field
