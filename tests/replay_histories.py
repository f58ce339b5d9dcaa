"""Event histories for the replay tests: steps of the real use cases, drawn at random or fixed."""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
from aiokafka.structs import ConsumerRecord
from eventsourcing.persistence import ApplicationRecorder
from hypothesis import strategies as st

from application.add_deal_line import NewLine, add_deal_line
from application.assigning import Assigning
from application.change_deal import change_deal
from application.close_conversation import close_conversation
from application.complete_activity import complete_activity
from application.conversion_request import Conversion, DealCard
from application.convert_lead import convert_lead
from application.event_store import EventStore
from application.fire_reminder import fire_reminder
from application.lead_qualification import qualify_lead, take_lead_in_progress
from application.managers import register_manager
from application.move_deal import move_deal
from application.open_deal import DealOpening, open_deal
from application.receive_messages import receive_messages
from application.record_delivery import record_delivery
from application.reopen_conversation import reopen_conversation
from application.reply import reply
from application.reschedule_activity import reschedule_activity
from application.schedule_activity import NewActivity, schedule_activity
from application.unit_of_work import UnitOfWork
from application.work_day import change_work_day
from bench.replay_history import COLUMNS, Size, history, managers_of, record_template
from domain.activity import Activity, CallDetails
from domain.conversation import Conversation, DeliveryOutcome
from domain.errors import DomainError
from domain.identities import lead_id
from domain.inbound import InboundMessage
from domain.pipeline import DEFAULT_PIPELINE_ID, Pipeline
from services.projections.event_log import EVENTS_TABLE
from services.router.published import encode, public_event

KINDS = (
    *("manager", "work_day", "message", "reply", "deal", "move", "line", "relink"),
    *("activity", "reschedule", "remind", "call", "complete"),
    *("close", "reopen", "edit", "delivered", "convert"),
)
Step = tuple[str, int, int]

steps = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=25)


@dataclass
class World:
    """What a history has made so far, to pick the records later steps act on."""

    store: EventStore
    managers: list[UUID] = field(default_factory=list)
    conversations: list[UUID] = field(default_factory=list)
    deals: list[UUID] = field(default_factory=list)
    activities: list[UUID] = field(default_factory=list)
    replies: list[tuple[UUID, UUID]] = field(default_factory=list)  # (conversation, reply)
    counter: int = 0

    def play(self, history: list[Step]) -> None:
        """Run every step; one the domain refuses (a rule of its own) is passed over, as a user's would be."""
        for kind, a, b in history:
            self.counter += 1
            try:
                self._step(kind, a, b)
            except DomainError:
                continue

    def _step(self, kind: str, a: int, b: int) -> None:  # noqa: PLR0912 - one branch a kind of step
        store, n = self.store, self.counter
        manager = self.managers[a % len(self.managers)] if self.managers else None
        if kind == "manager" or manager is None:
            self.managers.append(register_manager(store, f"Manager {n}", f"m{n}@example.com", 1 + b, "sales"))
        elif kind == "work_day":
            change_work_day(store, manager, ("start", "pause", "resume", "end")[b % 4])
        elif kind == "message":
            at = datetime(2026, 5, 1, tzinfo=UTC) + timedelta(minutes=n)
            # Some customers say their name, and change it; some messages are long. A name holding "NaN"
            # is one PostgreSQL leaves to the rules in a replay (it does not read such JSON as they do).
            name = ("", "", f"Visitor {b}", "", "", f"NaN {b}")[b]
            text = f"Hello {n}" if b % 5 else f"Hello {n} " + "x" * 600
            message = InboundMessage.from_visitor(f"v{a}", f"m{n}", text, at, sender_name=name)
            [received] = receive_messages(store, [message])
            if received.conversation_id is not None and received.conversation_id not in self.conversations:
                self.conversations.append(received.conversation_id)
        elif kind == "reply" and self.conversations:
            conversation = self.conversations[b % len(self.conversations)]
            sent = reply(store, conversation, manager, f"Answer {n}", f"r{n}", any_conversation=True)
            self.replies.append((conversation, sent.reply_id))
        elif kind == "close" and self.conversations:
            close_conversation(store, self.conversations[b % len(self.conversations)], manager, any_conversation=True)
        elif kind == "reopen" and self.conversations:
            reopen_conversation(store, self.conversations[b % len(self.conversations)], manager, any_conversation=True)
        elif kind == "edit":
            at = datetime(2026, 5, 1, tzinfo=UTC) + timedelta(minutes=n)
            edited = InboundMessage.from_visitor(f"v{a}", f"e{n}", f"Edited {n}", at)
            receive_messages(store, [dataclasses.replace(edited, edit_of=f"v{a}/m{self.counter - 1 - b}")])
        elif kind == "delivered" and self.replies:
            conversation, sent_reply = self.replies[b % len(self.replies)]
            outcome = (DeliveryOutcome.SENT, DeliveryOutcome.REFUSED)[a % 2]
            record_delivery(store, conversation, sent_reply, outcome, f"detail {n}")
        elif kind == "convert" and self.conversations:
            self._convert(lead_id(self.conversations[b % len(self.conversations)]), manager, n)
        elif kind == "deal":
            contact = self._contact(b)
            opened = open_deal(store, DealOpening(f"Deal {n}", "EUR", contact_id=contact, amount=str(100 * b)), manager)
            self.deals.append(opened.deal_id)
        elif kind == "move" and self.deals:
            pipeline = store.load(DEFAULT_PIPELINE_ID)
            assert isinstance(pipeline, Pipeline)
            stage = pipeline.ordered[b % len(pipeline.ordered)]
            move_deal(store, self.deals[a % len(self.deals)], stage.id, manager, reason="Too dear")
        elif kind == "line" and self.deals:
            line = NewLine(name=f"Item {n}", price=f"{b}.50", quantity=1 + a)
            add_deal_line(store, self.deals[a % len(self.deals)], line, manager)
        elif kind == "relink" and self.deals:
            change_deal(store, self.deals[a % len(self.deals)], manager, contact_id=self._contact(b))
        elif kind in ("activity", "reschedule", "remind", "call", "complete"):
            self._activity(kind, manager, a, b)

    def _activity(self, kind: str, manager: UUID, a: int, b: int) -> None:
        """Activities on deals and contacts, moved with their reminders, reminded, called and done."""
        store, n = self.store, self.counter
        due = datetime(2026, 6, 1, tzinfo=UTC) + timedelta(hours=n)
        # Reminders due already (the store's clock is now), none, or the one the activity has.
        reminds = (None, datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 5, 2, tzinfo=UTC))
        if kind == "activity":
            contact = self._contact(b)
            if contact is not None and (b % 3 == 2 or not self.deals):
                subject_kind, subject = "contact", contact
            elif self.deals:
                subject_kind, subject = "deal", self.deals[b % len(self.deals)]
            else:
                return
            # A title holding "NaN" is one PostgreSQL leaves to the rules in a replay, with the activity's other events.
            title = f"NaN call {n}" if b == 4 else f"Call {n}"
            new = NewActivity("call", subject_kind, subject, title, due_at=due, remind_at=reminds[a % 3])
            self.activities.append(schedule_activity(store, new, manager))
            return
        if not self.activities:
            return
        activity = self.activities[a % len(self.activities)]
        if kind == "reschedule":
            reschedule_activity(store, activity, due, reminds[b % 3], manager)
        elif kind == "remind":
            fire_reminder(store, activity)
        elif kind == "call":
            details = CallDetails(f"line {b}", duration_seconds=10 * b or None, disposition="answered")

            def note(work: UnitOfWork, _: Assigning) -> None:
                found = work.find(activity, Activity)
                if found is not None:
                    found.note_call(details)

            store.transact(note)
        elif kind == "complete":
            complete_activity(store, activity, f"Done {n}", manager)

    def _convert(self, lead: UUID, manager: UUID, n: int) -> None:
        """Take the lead, qualify it and convert it into a contact and a deal, as far as its state allows."""
        for step in (take_lead_in_progress, qualify_lead):
            with contextlib.suppress(DomainError):
                step(self.store, lead, manager)
        conversion = Conversion.checked(
            contact={"name": f"Buyer {n}"}, deal=DealCard(title=f"Deal {n}", currency="EUR")
        )
        convert_lead(self.store, lead, conversion, manager)

    def _contact(self, b: int) -> UUID | None:
        if not self.conversations:
            return None
        conversation = self.store.load(self.conversations[b % len(self.conversations)])
        assert isinstance(conversation, Conversation)
        return conversation.contact_id


def records(store: EventStore, topic: str = "domain-events") -> list[ConsumerRecord[bytes, bytes]]:
    """Every stored event as the outbox relay puts it on the domain-events topic."""
    recorder = store.recorder
    assert isinstance(recorder, ApplicationRecorder)
    found = []
    for offset, notification in enumerate(recorder.select_notifications(0, 1_000_000)):
        value = encode(public_event(store, notification))
        key = str(notification.originator_id).encode()
        found.append(ConsumerRecord(topic, 0, offset, 0, 0, key, value, None, len(key), len(value), ()))
    return found


async def write_copied_history(pool: asyncpg.Pool, deals: int) -> int:
    """The benchmark's generated history of ``deals`` deals, written into the store; the events written."""
    size = Size(deals=deals, activities_per_deal=10, managers=5, messages=30)
    template = record_template(size)
    written = 0
    async with pool.acquire() as conn:
        for rows in history(template, size, managers_of(template)):
            await conn.copy_records_to_table(EVENTS_TABLE, records=rows, columns=COLUMNS)
            written += len(rows)
    return written
