"""Random touches from many channels: certain matches join one contact, uncertain ones are only suggested.

A touch (a Telegram, VK or web-chat message, maybe carrying an e-mail and a phone from a form) joins
the contact that its sender, then its e-mail, then its phone already belongs to; a model of that rule
runs beside the real router and both must agree. What only looks alike (the same full name) is
suggested, never merged; an address another contact already has is suggested too, never taken.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.duplicate_suggestions import list_duplicate_suggestions
from application.event_store import EventStore
from application.receive_messages import receive_messages
from application.resolve_contact import resolve_contact
from domain.address_book import AddressBookEntry
from domain.channels import Channel, ChannelAddress
from domain.contact import Contact
from domain.conversation import Conversation
from domain.duplicates import normalized_name
from domain.identities import address_book_entry_id, conversation_id
from domain.inbound import InboundMessage
from domain.intake import Intake
from tests.log_invariants import log_events

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SENDERS = [ChannelAddress(c, v) for c in (Channel.TELEGRAM, Channel.VK, Channel.WEBCHAT) for v in ("1", "2", "3")]
EMAILS = ["", "ilze@example.lv", "ilze@gmail.com", "boris@example.lv"]
PHONES = ["", "+37120000000", "+37120000001"]
NAMES = ["", "Ilze Berzina", "Boris Ozols", "Anna"]

touches = st.lists(
    st.tuples(st.sampled_from(SENDERS), st.sampled_from(EMAILS), st.sampled_from(PHONES), st.sampled_from(NAMES)),
    min_size=1,
    max_size=25,
)


def expected_owners(
    steps: list[tuple[ChannelAddress, str, str, str]],
) -> tuple[dict[str, int], set[frozenset[int]], int]:
    """The rule, as a model: which contact (numbered) owns each address, the pairs suggested, and the merges.

    A contact known by messenger ids only that shows an e-mail or phone another contact has is merged into it.
    """
    owner: dict[str, int] = {}
    taken: set[frozenset[int]] = set()
    absorbed: set[int] = set()  # contacts that took another in: no longer known by messenger ids only
    new = count()
    merges = 0

    def anonymous(contact: int) -> bool:
        mine = [a for a, c in owner.items() if c == contact]
        return contact not in absorbed and all(not a.startswith(("email:", "phone:")) for a in mine)

    for sender, email, phone, _ in steps:
        carried = [a for a in (f"email:{email}" if email else "", f"phone:{phone}" if phone else "") if a]
        known = [owner[a] for a in (str(sender), *carried) if a in owner]
        contact = known[0] if known else next(new)
        owner.setdefault(str(sender), contact)
        for address in carried:
            if address not in owner:
                owner[address] = contact
            elif owner[address] != contact:
                if anonymous(contact):
                    survivor = owner[address]
                    owner.update({a: survivor for a, c in owner.items() if c == contact})
                    absorbed.add(survivor)
                    contact, merges = survivor, merges + 1
                else:
                    taken.add(frozenset({contact, owner[address]}))
    return owner, taken, merges


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(touches)
def test_certain_matches_join_one_contact_and_uncertain_ones_are_only_suggested(
    steps: list[tuple[ChannelAddress, str, str, str]],
) -> None:
    store = EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    for n, (sender, email, phone, name) in enumerate(steps):
        intake = Intake(email=email, phone=phone) if email or phone else None
        message = InboundMessage(
            channel=sender.channel,
            channel_message_id=f"m{n}",
            thread=sender.value,
            sender=sender,
            text="hi",
            received_at=T0,
            sender_name=name,
            intake=intake,
        )
        receive_messages(store, [message])

    owner, taken, merges = expected_owners(steps)
    actual: dict[str, UUID] = {}
    for address in owner:
        entry = store.repository.get(address_book_entry_id(address))
        assert isinstance(entry, AddressBookEntry)
        actual[address] = entry.contact_id
    # The same partition of addresses into contacts as the rule gives, contact for contact.
    numbering = {number: actual[address] for address, number in owner.items()}
    assert all(actual[address] == numbering[number] for address, number in owner.items())
    assert len(set(numbering.values())) == len(set(owner.values()))
    registered = [a for k, a, _ in log_events(store) if k == "Contact.Registered"]
    assert len(registered) == len(set(owner.values())) + merges
    assert len([k for k, _, _ in log_events(store) if k == "Contact.MergedInto"]) == merges

    # Each conversation belongs to the contact of its sender; each contact has exactly the addresses it owns.
    for sender in {s for s, *_ in steps}:
        conversation = store.repository.get(conversation_id(str(sender.channel), sender.value))
        assert isinstance(conversation, Conversation)
        assert resolve_contact(store, conversation.contact_id).contact_id == actual[str(sender)]
    for contact_id in set(actual.values()):
        contact = store.repository.get(contact_id)
        assert isinstance(contact, Contact)
        assert set(contact.addresses) == {a for a, c in actual.items() if c == contact_id}

    # An address another contact had, and the same full name, are suggested between the two contacts.
    suggested = {
        frozenset({contact_id, s.other_contact_id})
        for contact_id in set(actual.values())
        for s in list_duplicate_suggestions(store, contact_id)
    }
    assert {frozenset(numbering[n] for n in pair) for pair in taken} <= suggested
    names: dict[str, set[UUID]] = {}
    for contact_id in set(actual.values()):
        contact = store.repository.get(contact_id)
        assert isinstance(contact, Contact)
        if len(normalized_name(contact.name).split()) >= 2 and contact.name not in contact.addresses:
            names.setdefault(normalized_name(contact.name), set()).add(contact_id)
    for same in names.values():
        assert {frozenset({a, b}) for a in same for b in same if a != b} <= suggested
