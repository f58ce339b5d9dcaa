"""Who a mail is from, as far as we may believe it: threads join only their own customer, and a manager's
copy to the CRM address is theirs only when their mail server vouches for it (or ops listed them)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from application.event_store import EventStore
from application.managers import register_manager
from application.receive_messages import receive_messages
from application.receiving import Outcome
from connectors.mail.parsing import Routing, parse_mail, to_inbound
from domain.conversation import Conversation
from domain.inbound import InboundMessage
from tests.log_invariants import log_events

RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MX = "mx.shop.example"
ROUTING = Routing(
    own_addresses=frozenset({"sales@shop.example"}), crm_address="crm@shop.example", authserv_ids=frozenset({MX})
)


def mail(sender: str, message_id: str, *, headers: str = "", to: str = "sales@shop.example") -> bytes:
    return (
        f"{headers}From: {sender}\r\nTo: {to}\r\nSubject: Order\r\nMessage-ID: <{message_id}>\r\n\r\nHello\r\n"
    ).encode()


def inbound(raw: bytes, routing: Routing = ROUTING) -> InboundMessage:
    return to_inbound(parse_mail(raw), "sales", RECEIVED, routing)


def memory_store() -> EventStore:
    return EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, team="sales")


# Threads.


def test_a_mail_citing_another_customers_message_does_not_join_their_conversation() -> None:
    store = memory_store()
    (anna,) = receive_messages(store, [inbound(mail("Anna <anna@customer.example>", "a1@customer.example"))])
    spoof = mail("Anna <mallory@evil.example>", "m1@evil.example", headers="In-Reply-To: <a1@customer.example>\r\n")
    (mallory,) = receive_messages(store, [inbound(spoof)])
    assert mallory.outcome is Outcome.STORED
    assert mallory.conversation_id != anna.conversation_id
    conversation = store.repository.get(anna.conversation_id)
    assert isinstance(conversation, Conversation)
    assert (conversation.address, conversation.message_count) == ("email:anna@customer.example", 1)
    # Anna answering her own thread still joins it.
    again = mail(
        "Anna <anna@customer.example>", "a2@customer.example", headers="In-Reply-To: <a1@customer.example>\r\n"
    )
    (answer,) = receive_messages(store, [inbound(again)])
    assert answer.conversation_id == anna.conversation_id


# Copies to the CRM address.

COPY = "To: Carl <carl@client.example>\r\nCc: crm@shop.example\r\n"


def copy_from_boris(headers: str = "") -> bytes:
    return (
        f"{headers}From: Boris <boris@shop.example>\r\n{COPY}Subject: Your quote\r\n"
        "Message-ID: <q1@shop.example>\r\n\r\nHere is the quote.\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("headers", "verified"),
    [
        ("", False),
        (f"Authentication-Results: {MX}; dmarc=pass (p=reject) header.from=shop.example\r\n", True),
        (f"Authentication-Results: {MX}; spf=pass smtp.mailfrom=boris@shop.example\r\n", True),
        (f"Authentication-Results: {MX}; spf=pass smtp.mailfrom=shop.example\r\n", True),
        (f"Authentication-Results: {MX.upper()} 1; DMARC=Pass header.from=Shop.Example\r\n", True),
        (f"Authentication-Results: {MX}; dmarc=fail header.from=shop.example\r\n", False),
        (f"Authentication-Results: {MX}; dmarc=pass header.from=evil.example\r\n", False),
        (f"Authentication-Results: {MX}; spf=pass smtp.mailfrom=boris@evil.example\r\n", False),
        (f"Authentication-Results: {MX}; dkim=pass header.d=shop.example\r\n", False),
        ("Authentication-Results: mx.evil.example; dmarc=pass header.from=shop.example\r\n", False),
        (f"Authentication-Results: {MX}; none\r\n", False),
        # The receiving server's verdict is the topmost; one the sender wrote lies below it.
        (
            (
                f"Authentication-Results: {MX}; dmarc=fail header.from=shop.example\r\n"
                f"Authentication-Results: {MX}; dmarc=pass header.from=shop.example\r\n"
            ),
            False,
        ),
        (f"Authentication-Results: {MX}; dmarc=pass header.from=shop.example; spf=fail smtp.mailfrom=x@y\r\n", True),
    ],
)
def test_a_copy_is_vouched_for_by_the_receiving_servers_authentication_results(headers: str, verified: bool) -> None:
    assert inbound(copy_from_boris(headers)).sender_verified is verified


def test_a_configured_sender_or_domain_needs_no_authentication_results() -> None:
    for trusted in ("boris@shop.example", "@shop.example", "BORIS@SHOP.EXAMPLE"):
        routing = Routing(crm_address="crm@shop.example", trusted_senders=frozenset({trusted}))
        assert inbound(copy_from_boris(), routing).sender_verified
    other = Routing(crm_address="crm@shop.example", trusted_senders=frozenset({"@evil.example", "anna@shop.example"}))
    assert not inbound(copy_from_boris(), other).sender_verified


def test_a_managers_unverified_copy_is_logged_without_their_name() -> None:
    store = memory_store()
    boris = register_manager(store, "Boris", "boris@shop.example", 5, "sales")
    (unverified,) = receive_messages(store, [inbound(copy_from_boris())])
    headers = f"Authentication-Results: {MX}; dmarc=pass header.from=shop.example\r\n"
    verified_copy = copy_from_boris(headers).replace(b"q1@", b"q2@")
    (verified,) = receive_messages(store, [inbound(verified_copy)])
    assert (unverified.outcome, verified.outcome) == (Outcome.ACTIVITY, Outcome.ACTIVITY)
    logged = [(d["manager_id"], d["forwarded_by"]) for k, _, d in log_events(store) if k == "Contact.ActivityLogged"]
    assert logged == [(None, "boris@shop.example"), (boris, "")]
    assert "Lead.Created" not in {k for k, _, _ in log_events(store)}


def test_whether_the_sender_was_verified_travels_with_the_message() -> None:
    message = inbound(copy_from_boris(f"Authentication-Results: {MX}; dmarc=pass header.from=shop.example\r\n"))
    assert message.to_dict()["sender_verified"] is True
    assert InboundMessage.from_dict(message.to_dict()) == message
    plain = inbound(copy_from_boris())
    assert "sender_verified" not in plain.to_dict()
    assert InboundMessage.from_dict(plain.to_dict()) == plain
