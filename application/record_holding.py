"""Whose a CRM record is, as the permission rule asks: its responsible manager, and who observes it.

Read from the record itself in the event store, so a check made before an edit sees the record as
it is now, not as a read model last saw it.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.departments import teams_of
from application.event_store import EventStore
from application.sales_records import RECORD_CLASSES
from domain.activity import Activity
from domain.deal import Deal
from domain.lead import Lead
from domain.permissions import Holding


@dataclass(frozen=True)
class Held:
    """A record found, its version, and whose it is."""

    kind: str  # "contact", "company", "lead", "deal" or "activity"
    version: int
    holding: Holding
    subject: tuple[str, UUID] | None = None  # what an activity is about: kind and id


def held(store: EventStore, kind: str, record_id: UUID) -> Held | None:
    """The ``kind`` record with this id and whose it is; None if there is no such record of that kind."""
    found = store.load(record_id)
    if found is None or type(found).__name__ != {**RECORD_CLASSES, "activity": "Activity"}.get(kind):
        return None
    if isinstance(found, Deal):
        holding = Holding(found.responsible_id, frozenset(found.observers))
    elif isinstance(found, Activity):
        return Held(kind, found.version, Holding(found.responsible_id), (found.subject_kind.value, found.subject_id))
    elif isinstance(found, Lead):
        holding = _lead_holding(store, found)
    else:  # a contact or a company: whoever answers for the customer
        holding = Holding(getattr(found, "responsible_manager_id", None))
    return Held(kind, found.version, holding)


def _lead_holding(store: EventStore, lead: Lead) -> Holding:
    """Whose a lead is: its manager, who has it on offer, and the teams it is in (see ``Holding``)."""
    offered = frozenset(lead.offered_to)
    people = {lead.manager_id, *offered} - {None}
    teams = {name for person in people if person is not None for name in teams_of(store, person)}
    if lead.queue_name is not None:
        teams.add(lead.queue_name)
    if not people and lead.queue_name is None:  # neither held, nor on offer, nor waiting: the default team's
        teams.add(store.team)
    return Holding(lead.manager_id, offered_to=offered, teams=frozenset(teams))
