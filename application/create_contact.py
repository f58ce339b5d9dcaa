"""Create a contact by hand: a name, and any phones, e-mails and messenger ids, each checked first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from application.assigning import Assigning
from application.contact_matching import add_reach, suggest_lookalikes
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.contact import Contact, email_key
from domain.contact_details import checked_name, messenger_address
from domain.emails import email_address
from domain.phones import Phone, phone_number


@dataclass(frozen=True)
class ContactSaved:
    """A contact as a change left it: its version (for the next edit) and the duplicates it may have."""

    contact_id: UUID
    version: int
    suggested_duplicates: tuple[UUID, ...] = ()


@dataclass(frozen=True)
class Reach:
    """Where a contact can be reached, each address checked and in its one form."""

    phones: tuple[Phone, ...] = ()
    emails: tuple[str, ...] = ()
    messenger_ids: tuple[str, ...] = ()

    @classmethod
    def checked(
        cls,
        phones: Sequence[str] = (),
        emails: Sequence[str] = (),
        messenger_ids: Sequence[str] = (),
        default_phone_region: str = "",
    ) -> Reach:
        """The addresses as typed, checked; InvalidText naming the first wrong one (``phones[1]``)."""
        return cls(
            phones=tuple(phone_number(p, default_phone_region, field=f"phones[{n}]") for n, p in enumerate(phones)),
            emails=tuple(email_address(e, field=f"emails[{n}]") for n, e in enumerate(emails)),
            messenger_ids=tuple(
                str(messenger_address(m, field=f"messenger_ids[{n}]")) for n, m in enumerate(messenger_ids)
            ),
        )

    def give_to(self, work: UnitOfWork, contact: Contact, by: UUID | None) -> None:
        """Add every address to ``contact``; AddressTaken naming the first that another contact has."""
        for n, phone in enumerate(self.phones):
            add_reach(work, contact, phone, f"phones[{n}]", by)
        for n, email in enumerate(self.emails):
            add_reach(work, contact, email_key(email), f"emails[{n}]", by)
        for n, address in enumerate(self.messenger_ids):
            add_reach(work, contact, address, f"messenger_ids[{n}]", by)


def create_contact(  # noqa: PLR0913 - a contact's whole first card
    store: EventStore,
    by: UUID,
    name: str,
    *,
    phones: Sequence[str] = (),
    emails: Sequence[str] = (),
    messenger_ids: Sequence[str] = (),
    source: str = "",
    default_phone_region: str = "",
) -> ContactSaved:
    """Register a contact a manager enters; an address another contact has refuses it all (AddressTaken).

    Numbers without a country code are read in ``default_phone_region`` (the ``default_phone_region``
    setting). Contacts it may duplicate are suggested, never merged.
    """
    checked_name(name)
    reach = Reach.checked(phones, emails, messenger_ids, default_phone_region)

    def command(work: UnitOfWork, _: Assigning) -> ContactSaved:
        contact = Contact.register(name, by=by, source=source)
        work.add(contact)
        reach.give_to(work, contact, by)
        suggested = suggest_lookalikes(work, contact)
        return ContactSaved(contact.id, contact.version, tuple(suggested))

    return store.transact(command)
