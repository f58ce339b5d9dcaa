"""Qualify a lead: a manager takes it in progress, then finds it qualified or junk (saying why)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from application.assigning import Assigning
from application.errors import UnknownLead, check_version
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.contact_details import checked_reason
from domain.lead import Lead


@dataclass(frozen=True)
class LeadSaved:
    """A lead as a change left it: where its qualification stands, and its version for the next edit."""

    lead_id: UUID
    qualification: str
    version: int


def take_lead_in_progress(store: EventStore, lead_id: UUID, by: UUID, expected_version: int | None = None) -> LeadSaved:
    """A manager starts working a new lead (or one marked junk by mistake)."""
    return edit_lead(store, lead_id, expected_version, lambda lead: lead.take_in_progress(by))


def qualify_lead(store: EventStore, lead_id: UUID, by: UUID, expected_version: int | None = None) -> LeadSaved:
    """The lead in progress is real business, ready to convert."""
    return edit_lead(store, lead_id, expected_version, lambda lead: lead.qualify(by))


def mark_lead_junk(
    store: EventStore, lead_id: UUID, by: UUID, reason: str, expected_version: int | None = None
) -> LeadSaved:
    """The lead is not business; ``reason`` (required) says why: spam, a wrong number, a job seeker."""
    why = checked_reason("reason", reason, required=True)
    return edit_lead(store, lead_id, expected_version, lambda lead: lead.mark_junk(why, by))


def edit_lead(
    store: EventStore, lead_id: UUID, expected_version: int | None, change: Callable[[Lead], None]
) -> LeadSaved:
    """Apply ``change`` to the lead at the version the editor read; UnknownLead, ConcurrentEdit or the rule's own."""

    def command(work: UnitOfWork, _: Assigning) -> LeadSaved:
        lead = work.find(lead_id, Lead)
        if lead is None:
            raise UnknownLead(lead_id)
        check_version("lead", lead, expected_version)
        change(lead)
        return LeadSaved(lead.id, lead.qualification.value, lead.version)

    return store.transact(command)
