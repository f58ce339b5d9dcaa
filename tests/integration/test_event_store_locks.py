"""A save takes the event store's locks in the order its DDL takes them: events first, then deadlines.

The DDL (run by every process that builds an event store) locks the events table, then the
deadlines table. A save that wrote its deadlines before locking the events table held the deadlines
table while waiting for the events table: a store built meanwhile deadlocked with it.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import psycopg
import pytest

from application.assigning import Assigning
from application.unit_of_work import UnitOfWork
from domain.lead import Lead
from domain.timers import TimerKind
from services.bootstrap import build_event_store
from services.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_WAITING_FOR_EVENTS = (
    "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'public.switchboard_events'::regclass"
)


def test_a_save_waiting_for_the_events_table_holds_no_lock_on_the_deadlines(settings: Settings) -> None:
    store = build_event_store(settings)
    lead = Lead(conversation_id=uuid4(), contact_id=uuid4(), channel="webchat", source="site", arrived_at=AT)

    def assign(work: UnitOfWork, _: Assigning) -> None:
        work.add(lead)
        lead.assign(uuid4(), {"strategy": "test"}, AT + timedelta(minutes=5))  # sets a deadline

    saving = threading.Thread(target=store.transact, args=(assign,))
    try:
        with psycopg.connect(settings.database_url) as ddl:
            # As the DDL does: the events table first (CREATE INDEX takes SHARE), then the deadlines.
            ddl.execute("LOCK TABLE public.switchboard_events IN SHARE MODE")
            saving.start()
            deadline = time.monotonic() + 30
            while ddl.execute(_WAITING_FOR_EVENTS).fetchone() != (1,):
                assert time.monotonic() < deadline, "the save never reached the events table"
                assert saving.is_alive(), "the save ended without waiting for the events table"
            # NOWAIT: granted only if the waiting save holds nothing on the deadlines table.
            ddl.execute("LOCK TABLE public.switchboard_timers IN SHARE MODE NOWAIT")
        saving.join(30)
        assert not saving.is_alive()
        assert store.deadlines.due(TimerKind.ANSWER, AT + timedelta(hours=1), 10) == [lead.id]
    finally:
        saving.join(30)
        store.close()
