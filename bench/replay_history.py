"""A large event history written straight into the event store's table, as the store itself writes rows.

The real use cases run once, in memory, to record a template: the managers and the pipeline, then one
customer's conversation, a deal for them with its lines and stage moves, and activities on the deal.
The template's rows are then copied for each deal with fresh ids (the ids of the template's own
aggregates are replaced in every row) and written with COPY, thousands of rows at a time, which is
what makes a history of a million events quick to make.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from eventsourcing.persistence import ApplicationRecorder

from application.add_deal_line import NewLine, add_deal_line
from application.change_deal import change_deal
from application.complete_activity import complete_activity
from application.create_pipeline import ensure_default_pipeline
from application.event_store import EventStore
from application.managers import register_manager
from application.move_deal import move_deal
from application.open_deal import DealOpening, open_deal
from application.receive_messages import receive_messages
from application.reply import reply
from application.reschedule_activity import reschedule_activity
from application.schedule_activity import NewActivity, schedule_activity
from application.work_day import change_work_day
from domain.conversation import Conversation
from domain.inbound import InboundMessage
from domain.pipeline import DEFAULT_PIPELINE_ID, Pipeline

Row = tuple[uuid.UUID, int, str, bytes]  # originator_id, originator_version, topic, state: the store's columns
COLUMNS = ("originator_id", "originator_version", "topic", "state")


@dataclass(frozen=True)
class Size:
    """How large a history: deals, activities per deal, managers, and messages each way per conversation."""

    deals: int
    activities_per_deal: int
    managers: int
    messages: int


FULL = Size(deals=10_000, activities_per_deal=10, managers=50, messages=30)
QUICK = Size(deals=60, activities_per_deal=10, managers=5, messages=30)


@dataclass(frozen=True)
class Template:
    """The rows every history starts with, and the rows of one deal's worth, with the ids to replace."""

    prelude: list[Row]
    unit: list[Row]
    own_ids: list[uuid.UUID]  # the unit's aggregates: each copy gets fresh ones
    manager_id: uuid.UUID  # whose work the unit is: each copy is some manager's


def record_template(size: Size) -> Template:
    """Run the use cases once in memory and keep the rows they stored."""
    store = EventStore({"PERSISTENCE_MODULE": "eventsourcing.popo"})
    managers = []
    for n in range(size.managers):
        manager = register_manager(store, f"Manager {n}", f"m{n}@bench.example", 1_000_000, "sales")
        change_work_day(store, manager, "start")
        managers.append(manager)
    ensure_default_pipeline(store)
    prelude = _rows_after(store, 0)
    anna = managers[0]
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    [received] = receive_messages(store, [InboundMessage.from_visitor("visitor", "m0", "Hello, tyres?", at)])
    conversation_id = received.conversation_id
    assert conversation_id is not None
    for n in range(1, size.messages):
        reply(store, conversation_id, anna, f"Answer {n}: yes, we have them in stock.", f"r{n}", any_conversation=True)
        receive_messages(store, [InboundMessage.from_visitor("visitor", f"m{n}", f"Question {n}", at)])
    conversation = store.load(conversation_id)
    assert isinstance(conversation, Conversation)
    deal = open_deal(store, DealOpening("Fleet tyres", "EUR", contact_id=conversation.contact_id), anna).deal_id
    for n in range(3):
        add_deal_line(store, deal, NewLine(name=f"Tyre {n}", price="99.50", quantity=4 + n), anna)
    change_deal(store, deal, anna, expected_close="2026-06-30", probability=40)
    pipeline = store.load(DEFAULT_PIPELINE_ID)
    assert isinstance(pipeline, Pipeline)
    for stage in pipeline.ordered[1:4]:
        move_deal(store, deal, stage.id, anna, reason="Too dear")
    for n in range(size.activities_per_deal):
        due = at + timedelta(days=n)
        activity = schedule_activity(store, NewActivity("call", "deal", deal, f"Call {n}", due_at=due), anna)
        reschedule_activity(store, activity, due + timedelta(days=1), None, anna)
        complete_activity(store, activity, "Spoke to them", anna)
    unit = _rows_after(store, len(prelude))
    shared = {row[0] for row in prelude} | {DEFAULT_PIPELINE_ID}
    own = list(dict.fromkeys(row[0] for row in unit if row[0] not in shared))
    return Template(prelude, unit, own, anna)


def history(template: Template, size: Size, managers: list[uuid.UUID]) -> Iterator[list[Row]]:
    """The prelude, then one copy of the unit for each deal, a copy at a time.

    A copy's events of the prelude's aggregates (a manager taking a lead) follow on from the versions
    those aggregates have reached.
    """
    yield template.prelude
    versions: dict[uuid.UUID, int] = {}
    for originator, version, _, _ in template.prelude:
        versions[originator] = max(version, versions.get(originator, 0))
    for n in range(size.deals):
        fresh = {old: uuid.uuid4() for old in template.own_ids}
        fresh[template.manager_id] = managers[n % len(managers)]
        rows = []
        for row in template.unit:
            originator, version, topic, state = _copied(row, fresh)
            if originator in versions:
                version = versions[originator] = versions[originator] + 1
            rows.append((originator, version, topic, state))
        yield rows


def managers_of(template: Template) -> list[uuid.UUID]:
    """The managers the prelude registered."""
    return list(dict.fromkeys(row[0] for row in template.prelude if row[2].endswith(":Manager.Registered")))


def _copied(row: Row, fresh: dict[uuid.UUID, uuid.UUID]) -> Row:
    originator, version, topic, state = row
    parts = _parts(state, tuple(fresh))
    if len(parts) > 1:
        state = b"".join(
            part if isinstance(part, bytes) else (fresh[part[0]].hex if part[1] else str(fresh[part[0]])).encode()
            for part in parts
        )
    return fresh.get(originator, originator), version, topic, state


_PARTS: dict[bytes, list[bytes | tuple[uuid.UUID, bool]]] = {}


def _parts(state: bytes, ids: tuple[uuid.UUID, ...]) -> list[bytes | tuple[uuid.UUID, bool]]:
    """The state split around every id it holds (an id and whether it is in hex), found once per template row."""
    found = _PARTS.get(state)
    if found is None:
        forms = {i.hex.encode(): (i, True) for i in ids} | {str(i).encode(): (i, False) for i in ids}
        pattern = re.compile(b"|".join(re.escape(form) for form in forms))
        found, at = [], 0
        for match in pattern.finditer(state):
            found += [state[at : match.start()], forms[match.group()]]
            at = match.end()
        found.append(state[at:])
        _PARTS[state] = found
    return found


def _rows_after(store: EventStore, start: int) -> list[Row]:
    recorder = store.recorder
    assert isinstance(recorder, ApplicationRecorder)
    return [
        (uuid.UUID(str(n.originator_id)), n.originator_version, n.topic, n.state)
        for n in recorder.select_notifications(start + 1, 10_000_000)
    ]
