# Each event's apply() is what its docstring says happened, done to the activity.
# ruff: noqa: D102
"""An activity: a call, meeting, task, e-mail or note on a contact, company, lead or deal.

It may be due at a time and remind its responsible manager at another; the reminder is a timer
(``timers()``) that the event store keeps beside the events, so it fires after any restart, once.
Every event carries the subject (kind and id) and the responsible manager, to place it on timelines
and to tell whom to remind.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidField
from domain.text import TextKind, checked_text
from domain.timers import TimerKind

K = TypeVar("K", bound=enum.StrEnum)
MAX_TITLE = 200
MAX_DESCRIPTION = 10_000
MAX_RESULT = 10_000


class ActivityKind(enum.StrEnum):
    """What the activity is."""

    CALL = "call"
    MEETING = "meeting"
    TASK = "task"
    EMAIL = "email"
    NOTE = "note"


class SubjectKind(enum.StrEnum):
    """What an activity is about."""

    CONTACT = "contact"
    COMPANY = "company"
    LEAD = "lead"
    DEAL = "deal"


@dataclass(frozen=True)
class CallDetails:
    """What a telephone line reports of a call activity's call."""

    line: str
    extension: str = ""
    duration_seconds: int | None = None
    disposition: str = ""
    recording_url: str = ""
    recording_seconds: int | None = None

    def to_plain(self) -> dict[str, object]:
        """JSON-ready form, as stored in events."""
        return {
            "line": self.line,
            "extension": self.extension,
            "duration_seconds": self.duration_seconds,
            "disposition": self.disposition,
            "recording_url": self.recording_url,
            "recording_seconds": self.recording_seconds,
        }


class Activity(Aggregate):
    """One activity, open until it is completed with its result."""

    @staticmethod
    def create_id(activity_id: UUID) -> UUID:
        """The id the scheduler chose."""
        return activity_id

    @event("Scheduled")
    def __init__(  # noqa: PLR0913 - everything an activity starts with, recorded in one event
        self,
        activity_id: UUID,
        kind: str,
        call_back: bool,
        title: str,
        description: str,
        due_at: datetime | None,
        remind_at: datetime | None,
        subject_kind: str,
        subject_id: UUID,
        responsible_id: UUID,
        by: UUID,
        at: datetime,
    ) -> None:
        self.kind = ActivityKind(kind)
        self.call_back = call_back
        self.title = title
        self.description = description
        self.due_at = due_at
        self.remind_at = remind_at
        self.subject_kind = SubjectKind(subject_kind)
        self.subject_id = subject_id
        self.responsible_id = responsible_id
        self.reminder_fired = False
        self.done = False
        self.result = ""
        self.call_details: CallDetails | None = None

    @classmethod
    def schedule(  # noqa: PLR0913 - what an activity may be given
        cls,
        activity_id: UUID,
        kind: ActivityKind | str,
        subject_kind: SubjectKind | str,
        subject_id: UUID,
        title: str,
        by: UUID,
        at: datetime,
        *,
        responsible_id: UUID | None = None,
        description: str = "",
        due_at: datetime | None = None,
        remind_at: datetime | None = None,
        call_back: bool = False,
    ) -> Activity:
        """A new open activity; the responsible manager is ``by`` unless another is named."""
        kind, subject_kind = activity_kind_of(kind), subject_kind_of(subject_kind)
        if call_back and kind is not ActivityKind.TASK:
            raise InvalidField("call_back", f"only a task can be a call back, not a {kind.value}")
        return cls(
            activity_id=activity_id,
            kind=kind.value,
            call_back=call_back,
            title=checked_text("title", title, max_length=MAX_TITLE, kind=TextKind.LINE).strip(),
            description=checked_text(
                "description", description, max_length=MAX_DESCRIPTION, kind=TextKind.TEXT, required=False
            ),
            due_at=_moment("due_at", due_at),
            remind_at=_moment("remind_at", remind_at),
            subject_kind=subject_kind.value,
            subject_id=subject_id,
            responsible_id=responsible_id or by,
            by=by,
            at=at,
        )

    def timers(self) -> dict[TimerKind, datetime | None]:
        """The reminder, while it has not fired and the activity is open."""
        running = not self.reminder_fired and not self.done
        return {TimerKind.REMINDER: self.remind_at if running else None}

    def reschedule(self, due_at: datetime | None, remind_at: datetime | None, by: UUID) -> None:
        """Move the due time and the reminder; a reminder at a new time fires again, once."""
        self._open("due_at")
        due, remind = _moment("due_at", due_at), _moment("remind_at", remind_at)
        if (due, remind) != (self.due_at, self.remind_at):
            self.trigger_event(
                self.Rescheduled, due_at=due, remind_at=remind, previous_due_at=self.due_at, **self._placing(by)
            )

    def complete(self, result: str, by: UUID, at: datetime) -> None:
        """Mark the activity done with its result (what came of the call, the meeting, ...)."""
        self._open("done")
        checked = checked_text("result", result, max_length=MAX_RESULT, kind=TextKind.TEXT, required=False)
        self.trigger_event(self.Completed, result=checked, at=at, **self._placing(by))

    def fire_reminder(self, at: datetime) -> bool:
        """Remind the responsible manager if the reminder is due at ``at`` and has not fired; True if it fired."""
        due = self.timers()[TimerKind.REMINDER]
        if due is None or due > at:
            return False
        self.trigger_event(
            self.ReminderFired,
            kind=self.kind.value,
            title=self.title,
            due_at=self.due_at,
            remind_at=due,
            at=at,
            **self._placing(None),
        )
        return True

    def note_call(self, details: CallDetails) -> None:
        """What the phone system told of the call (how long, how it ended, its recording), done or not.

        These are facts of the call, not a manager's edit, so they reach a done call activity too.
        """
        if self.kind is not ActivityKind.CALL:
            raise InvalidField("kind", f"only a call has call details, not a {self.kind.value}")
        if details != self.call_details:
            self.trigger_event(self.CallNoted, **details.to_plain(), **self._placing(None))

    def _open(self, field: str) -> None:
        if self.done:
            raise InvalidField(field, f"the activity {self.title!r} is already done")

    def _placing(self, by: UUID | None) -> dict[str, object]:
        return {
            "subject_kind": self.subject_kind.value,
            "subject_id": self.subject_id,
            "responsible_id": self.responsible_id,
            "by": by,
        }

    class Placed(Aggregate.Event):
        """What every change of an activity records: what it is about, who is responsible, who acted."""

        subject_kind: str
        subject_id: UUID
        responsible_id: UUID
        by: UUID | None  # None: the system (a reminder firing)

    class Rescheduled(Placed):
        """The activity is now due at ``due_at`` and reminds at ``remind_at`` (None: not)."""

        due_at: datetime | None
        remind_at: datetime | None
        previous_due_at: datetime | None

        def apply(self, aggregate: Activity) -> None:
            if self.remind_at != aggregate.remind_at:
                aggregate.reminder_fired = False
            aggregate.due_at = self.due_at
            aggregate.remind_at = self.remind_at

    class Completed(Placed):
        """The activity was done, with ``result``."""

        result: str
        at: datetime

        def apply(self, aggregate: Activity) -> None:
            aggregate.done = True
            aggregate.result = self.result

    class CallNoted(Placed):
        """The phone system told how the call went: ``duration_seconds``, ``disposition``, its recording."""

        line: str
        extension: str
        duration_seconds: int | None
        disposition: str
        recording_url: str
        recording_seconds: int | None

        def apply(self, aggregate: Activity) -> None:
            aggregate.call_details = CallDetails(
                self.line,
                self.extension,
                self.duration_seconds,
                self.disposition,
                self.recording_url,
                self.recording_seconds,
            )

    class ReminderFired(Placed):
        """The responsible manager is to be reminded of the activity now."""

        kind: str
        title: str
        due_at: datetime | None
        remind_at: datetime
        at: datetime

        def apply(self, aggregate: Activity) -> None:
            aggregate.reminder_fired = True


def _moment(field: str, value: datetime | None) -> datetime | None:
    if value is not None and (not isinstance(value, datetime) or value.utcoffset() is None):
        raise InvalidField(field, "must be a date and time with its time zone")
    return value


def activity_kind_of(value: object, field: str = "kind") -> ActivityKind:
    """An activity's kind from its name ("call", "meeting", "task", "email", "note")."""
    return _kind(ActivityKind, value, field)


def subject_kind_of(value: object, field: str = "subject_kind") -> SubjectKind:
    """What an activity is about, from its name ("contact", "company", "lead", "deal")."""
    return _kind(SubjectKind, value, field)


def _kind(kinds: type[K], value: object, field: str) -> K:
    try:
        return kinds(str(value))
    except ValueError:
        names = ", ".join(k.value for k in kinds)
        raise InvalidField(field, f"must be one of {names}, not {str(value)[:40]!r}") from None
