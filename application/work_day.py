"""A manager's work day and console presence: start, pause, resume, end; online and offline.

Each is the manager's own act, recorded at once. Leads that wait for a present manager are the
router's to assign when it sees the change (``react``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from uuid import UUID

from application.event_store import EventStore
from application.managers import ManagerLoad, change_manager, manager_load
from domain.manager import Manager


class WorkDayAction(enum.StrEnum):
    """What a manager does with their work day."""

    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    END = "end"


_ACTIONS: dict[WorkDayAction, Callable[[Manager], None]] = {
    WorkDayAction.START: Manager.start_work_day,
    WorkDayAction.PAUSE: Manager.pause_work_day,
    WorkDayAction.RESUME: Manager.resume_work_day,
    WorkDayAction.END: Manager.end_work_day,
}


def change_work_day(store: EventStore, manager_id: UUID, action: str) -> ManagerLoad:
    """Start, pause, resume or end a work day by name; returns the manager's presence and load."""
    try:
        chosen = WorkDayAction(action)
    except ValueError:
        msg = f"work day action {action!r} must be start, pause, resume or end"
        raise ValueError(msg) from None
    change_manager(store, manager_id, _ACTIONS[chosen])
    return manager_load(store, manager_id)


def come_online(store: EventStore, manager_id: UUID) -> None:
    """The manager opened the console; rules that require it may now route to them."""
    change_manager(store, manager_id, Manager.come_online)


def go_offline(store: EventStore, manager_id: UUID) -> None:
    """The manager's last console closed."""
    change_manager(store, manager_id, Manager.go_offline)
