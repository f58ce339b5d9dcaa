"""Suggested duplicates: the ones of a contact, and a manager dismissing one (two people after all)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.assigning import Assigning
from application.contact_lookup import MAX_MERGES_FOLLOWED, contact_of
from application.errors import UnknownContact, UnknownSuggestion
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.contact import Contact
from domain.contact_details import checked_reason
from domain.duplicates import DuplicateSuggestion, SuggestionStatus


@dataclass(frozen=True)
class SuggestedDuplicate:
    """A contact that may be the same person as the one asked about, and why."""

    suggestion_id: UUID
    contact_id: UUID
    other_contact_id: UUID
    reasons: tuple[str, ...]


def list_duplicate_suggestions(store: EventStore, contact_id: UUID) -> list[SuggestedDuplicate]:
    """The open suggestions about a contact, and about those merged into it (a merged id is followed)."""

    def command(work: UnitOfWork, _: Assigning) -> list[SuggestedDuplicate]:
        contact = contact_of(work, contact_id)
        if contact is None:
            raise UnknownContact(contact_id)
        found: dict[UUID, SuggestedDuplicate] = {}
        for suggestion_id in _noted(work, contact):
            suggestion = work.find(suggestion_id, DuplicateSuggestion)
            if suggestion is None or suggestion.status is not SuggestionStatus.OPEN:
                continue
            others = [contact_of(work, c) for c in suggestion.contact_ids]
            other = next((c for c in others if c is not None and c.id != contact.id), None)
            # After a merge two suggestions may name the same contact: the first (the survivor's own) is shown.
            if other is not None and other.id not in found:
                found[other.id] = SuggestedDuplicate(suggestion.id, contact.id, other.id, tuple(suggestion.reasons))
        return list(found.values())

    return store.transact(command)


def _noted(work: UnitOfWork, contact: Contact) -> list[UUID]:
    """The suggestions the contact noted, and those noted by every contact merged into it."""
    noted: list[UUID] = []
    seen: set[UUID] = set()
    waiting = [contact]
    while waiting and len(seen) < MAX_MERGES_FOLLOWED:
        each = waiting.pop()
        seen.add(each.id)
        noted.extend(each.duplicate_suggestions)
        waiting.extend(m for i in each.merged_from if i not in seen and (m := work.find(i, Contact)) is not None)
    return noted


def dismiss_duplicate_suggestion(store: EventStore, suggestion_id: UUID, by: UUID, why: str = "") -> None:
    """A manager says the two are different people; the pair is not suggested again."""
    reason = checked_reason("why", why, required=False)

    def command(work: UnitOfWork, _: Assigning) -> None:
        suggestion = work.find(suggestion_id, DuplicateSuggestion)
        if suggestion is None:
            raise UnknownSuggestion(suggestion_id)
        suggestion.dismiss(by, reason)

    store.transact(command)
