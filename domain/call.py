"""A telephone call, as its line reported it: each fact once, in whatever order the facts arrived.

A provider may send the same fact twice and send facts out of order (the end before the start, the
recording before anything); the call records each kind of fact once and knows, from whichever
arrives first, who the customer is. ``CallBacks`` lists the call-back tasks still open for one
number, so that calling that number back closes them.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.call_event import CallDirection, CallEvent, CallEventKind
from domain.identities import call_backs_id, call_id, calls_awaiting_id


class Call(Aggregate):
    """One call on one line, known by the provider's id for it."""

    @staticmethod
    def create_id(line: str, reference: str) -> UUID:
        """One call per line and provider id: a fact reported twice lands on the same call."""
        return call_id(line, reference)

    @event("Noticed")
    def __init__(self, line: str, reference: str) -> None:
        self.line = line
        self.reference = reference
        self.reported: list[str] = []
        self.direction: CallDirection | None = None
        self.customer = ""
        self.our_end = ""
        self.extension = ""
        self.duration_seconds: int | None = None
        self.disposition = ""
        self.recording_url = ""
        self.recording_seconds: int | None = None
        self.started_at: datetime | None = None
        self.contact_id: UUID | None = None
        self.lead_id: UUID | None = None
        self.responsible_id: UUID | None = None

    def report(self, fact: CallEvent) -> bool:
        """Record one fact of the call; False (and nothing recorded) if a fact of its kind was recorded before."""
        if fact.kind.value in self.reported:
            return False
        self._reported(
            kind=fact.kind.value,
            occurred_at=fact.occurred_at,
            direction=fact.direction.value if fact.direction else None,
            customer=fact.customer,
            our_end=fact.our_end,
            extension=fact.extension,
            duration_seconds=fact.duration_seconds,
            disposition=fact.disposition,
            recording_url=fact.recording_url,
            recording_seconds=fact.recording_seconds,
        )
        return True

    def place(self, contact_id: UUID, lead_id: UUID | None, responsible_id: UUID | None) -> None:
        """Say whose call it is: the customer's contact, the lead it opened, the manager responsible."""
        if (contact_id, lead_id, responsible_id) != (self.contact_id, self.lead_id, self.responsible_id):
            self._placed(contact_id=contact_id, lead_id=lead_id, responsible_id=responsible_id)

    def has(self, kind: CallEventKind) -> bool:
        """Whether a fact of this kind was reported."""
        return kind.value in self.reported

    @property
    def over(self) -> bool:
        """Whether the call ended, answered or not."""
        return self.has(CallEventKind.ENDED) or self.has(CallEventKind.MISSED)

    @property
    def answered(self) -> bool:
        """Whether someone picked up: an answer was reported, or the call ended after talking for a while."""
        talked = self.has(CallEventKind.ENDED) and bool(self.duration_seconds) and not self.has(CallEventKind.MISSED)
        return self.has(CallEventKind.ANSWERED) or talked

    @property
    def missed(self) -> bool:
        """Whether a customer's call went unanswered."""
        return self.direction is CallDirection.INCOMING and self.has(CallEventKind.MISSED) and not self.answered

    def result(self) -> str:
        """What came of the call, in words, for the activity's result.

        Only what the end of a call reports: facts that may come after it (who answered, the recording)
        are in the activity's call details, so the result reads the same whatever the order.
        """
        if self.missed:
            how = "missed"
        elif self.answered:
            how = "answered"
        else:
            how = "not answered"
        parts = [how]
        if self.duration_seconds is not None:
            minutes, seconds = divmod(self.duration_seconds, 60)
            parts.append(f"{minutes} min {seconds:02d} s")
        if self.disposition:
            parts.append(self.disposition)
        return ", ".join(parts)

    @event("Reported")
    def _reported(  # noqa: PLR0913 - one fact, as the line told it
        self,
        kind: str,
        occurred_at: datetime,
        direction: str | None,
        customer: str,
        our_end: str,
        extension: str,
        duration_seconds: int | None,
        disposition: str,
        recording_url: str,
        recording_seconds: int | None,
    ) -> None:
        self.reported.append(kind)
        if direction is not None and self.direction is None:
            self.direction = CallDirection(direction)
            self.customer = customer
        self.our_end = self.our_end or our_end
        # The start as reported; until it arrives, the earliest other fact stands in for it.
        if kind == CallEventKind.STARTED.value or (self.started_at is None and kind != CallEventKind.RECORDING.value):
            self.started_at = occurred_at
        self.extension = extension or self.extension
        self.duration_seconds = duration_seconds if duration_seconds is not None else self.duration_seconds
        self.disposition = disposition or self.disposition
        self.recording_url = recording_url or self.recording_url
        self.recording_seconds = recording_seconds if recording_seconds is not None else self.recording_seconds

    @event("Placed")
    def _placed(self, contact_id: UUID, lead_id: UUID | None, responsible_id: UUID | None) -> None:
        self.contact_id = contact_id
        self.lead_id = lead_id
        self.responsible_id = responsible_id


class CallBacks(Aggregate):
    """One phone number's call-back tasks still open (with when each call was missed), and its last call back."""

    @staticmethod
    def create_id(number: str) -> UUID:
        """One list per number (E.164)."""
        return call_backs_id(number)

    @event("Opened")
    def __init__(self, number: str) -> None:
        self.number = number
        self.open: dict[UUID, datetime] = {}
        self.called_back_at: datetime | None = None

    def add(self, task_id: UUID, missed_at: datetime) -> None:
        """A call-back task for a call missed at ``missed_at`` was scheduled."""
        if task_id not in self.open:
            self._added(task_id=task_id, missed_at=missed_at)

    def called_back(self, call: UUID, at: datetime) -> list[UUID]:
        """The number was called back on ``call`` at ``at``: the tasks of calls missed until then, now done."""
        done = [task for task, missed_at in self.open.items() if missed_at <= at]
        if done or self.called_back_at is None or at > self.called_back_at:
            self._called_back(call_id=call, at=at, task_ids=done)
        return done

    def answered_since(self, at: datetime) -> bool:
        """Whether the number was called back at ``at`` or later (a call back may be reported first)."""
        return self.called_back_at is not None and self.called_back_at >= at

    @event("Added")
    def _added(self, task_id: UUID, missed_at: datetime) -> None:
        self.open[task_id] = missed_at

    @event("CalledBack")
    def _called_back(self, call_id: UUID, at: datetime, task_ids: list[UUID]) -> None:
        for task in task_ids:
            self.open.pop(task, None)
        self.called_back_at = max(at, self.called_back_at) if self.called_back_at else at


class CallsAwaitingManager(Aggregate):
    """Calls on a lead that nobody could take yet (it waited in a queue): followed up once it has a manager."""

    @staticmethod
    def create_id(lead_id: UUID) -> UUID:
        """One list per lead."""
        return calls_awaiting_id(lead_id)

    @event("Opened")
    def __init__(self, lead_id: UUID) -> None:
        self.lead_id = lead_id
        self.waiting: list[UUID] = []

    def add(self, call_id: UUID) -> None:
        """A call on the lead waits for its manager."""
        if call_id not in self.waiting:
            self._added(call_id=call_id)

    def take(self, manager_id: UUID) -> list[UUID]:
        """The lead has ``manager_id`` now: the calls that waited, none waiting any more."""
        taken = list(self.waiting)
        if taken:
            self._taken(manager_id=manager_id, call_ids=taken)
        return taken

    @event("Added")
    def _added(self, call_id: UUID) -> None:
        self.waiting.append(call_id)

    @event("Taken")
    def _taken(self, manager_id: UUID, call_ids: list[UUID]) -> None:
        self.waiting = [c for c in self.waiting if c not in call_ids]
