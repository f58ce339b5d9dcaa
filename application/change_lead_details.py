"""Change what a lead is about: its amount and currency, product interest and comment."""

from __future__ import annotations

from uuid import UUID

from application.event_store import EventStore
from application.lead_qualification import LeadSaved, edit_lead
from domain.lead_details import LeadDetails


def change_lead_details(
    store: EventStore, lead_id: UUID, by: UUID, details: LeadDetails, expected_version: int | None = None
) -> LeadSaved:
    """Set the lead's details (all of them, as ``LeadDetails.checked`` made them from the manager's input).

    They feed the routing rules' amount and product-category conditions the next time the lead is routed.
    """
    return edit_lead(store, lead_id, expected_version, lambda lead: lead.change_details(details, by))
