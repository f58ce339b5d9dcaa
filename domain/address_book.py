"""The address book: which contact each address belongs to, one entry per address.

An address is written ``channel:value``: a messenger id or a web-chat visitor, an e-mail
(``email:anna@example.com``) or a phone in E.164 (``phone:+37120000000``). An entry's id derives
from its address, so two routers that meet a new address at once cannot both register a contact
for it: the second save conflicts, and its retry finds the entry the first one wrote.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.identities import address_book_entry_id


class AddressBookEntry(Aggregate):
    """Maps one address (a channel address, an e-mail, a phone) to its contact.

    Its id derives from the address, so two routers that meet a new address
    at once cannot both register a contact for it: the second save conflicts.
    """

    @staticmethod
    def create_id(address: str, contact_id: UUID) -> UUID:  # noqa: ARG004 - same signature as __init__
        """One entry per address."""
        return address_book_entry_id(address)

    @event("Registered")
    def __init__(self, address: str, contact_id: UUID) -> None:
        self.address = address
        self.contact_id = contact_id

    def move(self, contact_id: UUID, by: UUID | None, why: str) -> None:
        """The address now belongs to another contact (the one its contact was merged into)."""
        if contact_id != self.contact_id:
            self._moved(contact_id=contact_id, previous_contact_id=self.contact_id, by=by, why=why)

    @event("Moved")
    def _moved(self, contact_id: UUID, previous_contact_id: UUID, by: UUID | None, why: str) -> None:
        self.contact_id = contact_id
