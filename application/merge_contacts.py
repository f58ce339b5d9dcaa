"""Merge two contacts into one: the survivor gets everything, the merged one keeps its history and names it.

The merged contact's addresses move to the survivor (``merge_into``). What names the merged id (conversations, leads,
activities, deals) keeps naming it: the id resolves to the survivor (``contact_of``,
``resolve_contact``), and read models re-point their rows on ``Contact.MergedInto``.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.assigning import Assigning
from application.contact_lookup import contact_to_edit
from application.contact_merging import merge_into
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.contact_details import checked_reason


@dataclass(frozen=True)
class MergedContacts:
    """The survivor and its version after the merge, and the addresses that moved to it."""

    survivor_id: UUID
    merged_id: UUID
    version: int
    moved_addresses: tuple[str, ...]


def merge_contacts(  # noqa: PLR0913 - both contacts, who, why, and the versions they saw
    store: EventStore,
    survivor_id: UUID,
    merged_id: UUID,
    by: UUID,
    why: str,
    *,
    survivor_version: int | None = None,
    merged_version: int | None = None,
) -> MergedContacts:
    """Merge ``merged_id`` into ``survivor_id``, recording who and why; nothing of the merged one is lost.

    ConcurrentEdit if either changed since the version the manager saw; ContactWasMerged if either
    was merged already; CannotMerge for a contact with itself.
    """
    reason = checked_reason("why", why, required=False)

    def command(work: UnitOfWork, _: Assigning) -> MergedContacts:
        survivor = contact_to_edit(work, survivor_id, survivor_version)
        merged = contact_to_edit(work, merged_id, merged_version)
        moved = merge_into(work, survivor, merged, by, reason)
        return MergedContacts(survivor.id, merged.id, survivor.version, moved)

    return store.transact(command)
