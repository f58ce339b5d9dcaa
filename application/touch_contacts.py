"""The contact a customer's touch belongs to: found by a certain match, or registered.

Certain is the same address: the sender's own (an e-mail, a messenger id), or an e-mail or phone
the touch carries (a form's, a pre-chat step's, a messenger's shared contact card). A customer
known so far only by a messenger id who shows an address another contact has is that contact: the
messenger's contact is merged into it, by nobody, saying why. Anything less certain is suggested.
"""

from __future__ import annotations

from uuid import UUID

from application.contact_matching import card_of, claim, owner_of, suggest, suggest_lookalikes
from application.contact_merging import merge_into
from application.unit_of_work import UnitOfWork
from domain.channels import ChannelAddress
from domain.contact import Contact, email_key, phone_key
from domain.intake import Intake
from domain.phones import Phone


def contact_for_touch(work: UnitOfWork, address: ChannelAddress, name: str, intake: Intake | None) -> UUID:
    """The contact a customer's touch from ``address`` belongs to, registered if nobody knows them.

    The sender's own address decides first; then the e-mail and phone the touch carries: a known one
    joins the touch to its contact. What the touch carries that its contact lacks is added to it;
    if another contact has it, a contact known only by messenger ids is merged into that one, and
    any other is suggested as its duplicate. A contact known only by an address takes the name the
    touch gives.
    """
    carried = _carried(intake)
    contact = owner_of(work, str(address))
    new = contact is None
    if contact is None:
        contact = next((c for key in carried if (c := owner_of(work, key)) is not None), None)
        if contact is None:
            contact = Contact(name=name.strip() or str(address), address=str(address))
            work.add(contact)
        else:
            contact.add_address(address, by=None)
        claim(work, contact.id, str(address))
    before = card_of(contact)
    if name.strip() and not before.name:
        contact.rename(name, by=None)  # known so far by an address only: the customer said their name
    for key, phone in carried.items():
        if key in contact.addresses:
            continue
        if (owner := claim(work, contact.id, key)) is not None:
            survivor = _certainly(work, contact, owner, key)
            if survivor is None:
                suggest(work, contact.id, owner, [f"same {key.partition(':')[0]}: {key.partition(':')[2]}"])
            else:
                contact, before, new = survivor, card_of(survivor), False
            continue
        if phone is not None:
            contact.add_phone(phone, by=None)
        else:
            contact.add_email(key.partition(":")[2], by=None)
    if new or card_of(contact) != before:
        suggest_lookalikes(work, contact, None if new else before)
    return contact.id


def carried_addresses(intake: Intake | None) -> list[str]:
    """The addresses (``email:...``, ``phone:...``) a touch carries besides its sender's."""
    return list(_carried(intake))


def _carried(intake: Intake | None) -> dict[str, Phone | None]:
    """The addresses a touch carries besides its sender's: its e-mail, its phone (with the phone as typed)."""
    carried: dict[str, Phone | None] = {}
    if intake is not None and intake.email:
        carried[email_key(intake.email)] = None
    if intake is not None and intake.phone:
        carried[phone_key(intake.phone)] = Phone(intake.phone, intake.phone_text or intake.phone)
    return carried


def _certainly(work: UnitOfWork, contact: Contact, owner_id: UUID, key: str) -> Contact | None:
    """The owner of ``key``, with the sender's contact merged into it if that is known by messenger ids only."""
    owner = work.find(owner_id, Contact)
    if owner is None or not contact.anonymous:
        return None
    merge_into(work, owner, contact, None, f"the customer showed {key.partition(':')[0]} {key.partition(':')[2]}")
    return owner
