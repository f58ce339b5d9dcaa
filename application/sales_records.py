"""The CRM's records as an edit loads them, each refused in words the user can act on.

The record edited is taken at the version the editor saw; the records it names (managers, contacts,
companies, leads) must exist, or the field that names them is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.assigning import Assigning
from application.errors import ConcurrentEdit
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.errors import DomainError, InvalidField
from domain.manager import Manager

A = TypeVar("A", bound=Aggregate)

# The aggregates a deal or an activity may name, by the word the users use for them. Contacts and
# companies are matched by class name so that these use cases need not import their modules.
RECORD_CLASSES = {"contact": "Contact", "company": "Company", "lead": "Lead", "deal": "Deal"}


def editable(
    work: UnitOfWork,
    record_id: UUID,
    kind: type[A],
    expected_version: int | None,
    unknown: Callable[[UUID], DomainError],
) -> A:
    """The record to edit; ``unknown`` if there is none, ConcurrentEdit if it moved past ``expected_version``."""
    found = work.find(record_id, kind)
    if found is None:
        raise unknown(record_id)
    if expected_version is not None and found.version != expected_version:
        what = kind.__name__.lower()
        raise ConcurrentEdit(
            found.version,
            f"{what} {record_id} changed since version {expected_version}: it is at version {found.version};"
            " reload it and edit again",
        )
    return found


def manager_named(work: UnitOfWork, manager_id: UUID, field: str) -> UUID:
    """``manager_id`` if it is a registered manager's; InvalidField naming ``field`` if not."""
    if work.find(manager_id, Manager) is None:
        raise InvalidField(field, f"no manager with id {manager_id}")
    return manager_id


def record_named(work: UnitOfWork, kind: str, record_id: UUID | None, field: str) -> UUID | None:
    """``record_id`` if it is a ``kind`` ("contact", "company", "lead", "deal") that exists; None stays None."""
    if record_id is None:
        return None
    found = work.get(record_id)
    if found is None or type(found).__name__ != RECORD_CLASSES[kind]:
        raise InvalidField(field, f"no {kind} with id {record_id}")
    return record_id


def edit(  # noqa: PLR0913 - which record, of what kind, at which version, and the change
    store: EventStore,
    record_id: UUID,
    kind: type[A],
    expected_version: int | None,
    unknown: Callable[[UUID], DomainError],
    change: Callable[[A, UnitOfWork], object],
) -> int:
    """Apply ``change`` to the record in one transaction; returns the record's version after it."""

    def command(work: UnitOfWork, _: Assigning) -> int:
        record = editable(work, record_id, kind, expected_version, unknown)
        change(record, work)
        return record.version

    return store.transact(command)
