"""Update a contact's details: name, source, VIP, language, region, tags, custom fields, responsible manager."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from application.assigning import Assigning
from application.contact_lookup import contact_to_edit
from application.contact_matching import card_of, suggest_lookalikes
from application.create_contact import ContactSaved
from application.errors import UnknownManager
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.contact_details import CustomValue
from domain.manager import Manager


@dataclass(frozen=True)
class ContactChanges:
    """What to change on a contact; None leaves a detail as it is. A custom field set to None is removed."""

    name: str | None = None
    source: str | None = None
    vip: bool | None = None
    language: str | None = None
    region: str | None = None
    tags: Sequence[str] | None = None
    custom_fields: Mapping[str, CustomValue] | None = None
    responsible_manager_id: UUID | None = None


def update_contact(
    store: EventStore, contact_id: UUID, by: UUID, changes: ContactChanges, expected_version: int | None = None
) -> ContactSaved:
    """Change a contact as a manager edited it, all or nothing.

    ``expected_version`` is the version the manager read: another edit since raises ConcurrentEdit
    with the current version. A merged contact raises ContactWasMerged naming the one it became.
    A wrong detail raises InvalidText naming its field, and nothing changes.
    """

    def command(work: UnitOfWork, _: Assigning) -> ContactSaved:
        contact = contact_to_edit(work, contact_id, expected_version)
        before = card_of(contact)
        if changes.name is not None:
            contact.rename(changes.name, by)
        if changes.source is not None:
            contact.change_source(changes.source, by)
        profile = (changes.vip, changes.language, changes.region, changes.tags)
        if any(detail is not None for detail in profile):
            contact.update_profile(
                vip=contact.vip if changes.vip is None else changes.vip,
                language=contact.language if changes.language is None else changes.language,
                region=contact.region if changes.region is None else changes.region,
                tags=list(contact.tags if changes.tags is None else changes.tags),
                by=by,
            )
        if changes.custom_fields is not None:
            contact.change_custom_fields(dict(changes.custom_fields), by)
        if changes.responsible_manager_id is not None:
            if work.find(changes.responsible_manager_id, Manager) is None:
                raise UnknownManager(changes.responsible_manager_id)
            contact.make_responsible(changes.responsible_manager_id, by)
        suggested = suggest_lookalikes(work, contact, before) if card_of(contact) != before else []
        return ContactSaved(contact.id, contact.version, tuple(suggested))

    return store.transact(command)
