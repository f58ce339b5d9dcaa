"""Composing a reply mail: threading headers, subjects, and nothing from the customer breaking a header."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from uuid import UUID

from connectors.mail.forwarding import forwarded_sender
from connectors.mail.reply import OutgoingReply, compose, message_id, reply_subject
from connectors.mail.text import html_to_text
from connectors.mail.watcher import Mailbox
from domain.conversation import Conversation, CustomerMessage

REPLY = UUID("12345678-1234-5678-1234-567812345678")


def reply(**changes: object) -> OutgoingReply:
    fields: dict[str, object] = {
        "reply_id": REPLY,
        "from_address": "sales@shop.example",
        "from_name": "Shop Sales",
        "to_address": "anna@customer.example",
        "subject": "Order 42",
        "text": "It ships today.",
        "sent_at": datetime(2025, 3, 3, 10, 0, tzinfo=UTC),
        "in_reply_to": "c2@customer.example",
        "references": ("c1@customer.example", "c2@customer.example"),
    }
    fields.update(changes)
    return OutgoingReply(**fields)  # type: ignore[arg-type]


def parsed(outgoing: OutgoingReply) -> object:
    return message_from_bytes(bytes(compose(outgoing)), policy=policy.default)


def test_a_reply_names_what_it_answers():
    mail = parsed(reply())
    assert mail["Message-ID"] == "<12345678-1234-5678-1234-567812345678@shop.example>"  # type: ignore[index]
    assert mail["In-Reply-To"] == "<c2@customer.example>"  # type: ignore[index]
    assert mail["References"] == "<c1@customer.example> <c2@customer.example>"  # type: ignore[index]
    assert mail["From"] == "Shop Sales <sales@shop.example>"  # type: ignore[index]


def test_the_message_id_is_the_same_for_every_attempt():
    assert message_id(REPLY, "sales@shop.example") == message_id(REPLY, "sales@shop.example")
    assert bytes(compose(reply())).count(b"Message-ID") == 1


def test_in_reply_to_is_added_to_references_when_missing():
    mail = parsed(reply(references=("c1@customer.example",)))
    assert mail["References"] == "<c1@customer.example> <c2@customer.example>"  # type: ignore[index]


def test_a_reply_without_anything_to_answer_has_no_threading_headers():
    mail = parsed(reply(in_reply_to="", references=()))
    assert mail["In-Reply-To"] is None  # type: ignore[index]
    assert mail["References"] is None  # type: ignore[index]


def test_subjects_get_one_prefix():
    assert reply_subject("Order 42") == "Re: Order 42"
    assert reply_subject("RE: Order 42") == "RE: Order 42"
    assert reply_subject("Aw: Bestellung") == "Aw: Bestellung"
    assert reply_subject("") == "Re: your message"


def test_nothing_from_the_customer_can_add_a_header():
    raw = bytes(compose(reply(subject="hi\r\nBcc: victim@example.com", in_reply_to="a@b>\r\nX-Evil: 1 <c")))
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in headers
    assert b"\r\nX-Evil:" not in headers


def test_an_excluded_domain_covers_every_address_in_it():
    mailbox = Mailbox("sales", "s@shop.example", "h", 1, "u", "p", exclude=frozenset({"@spam.example", "x@y.example"}))
    assert mailbox.excludes("Robot@Spam.Example")
    assert mailbox.excludes("x@y.example")
    assert not mailbox.excludes("anna@example.com")
    assert "password" not in repr(mailbox)  # the secret never reaches a log line


def test_forwards_name_their_original_sender():
    apple = "Sent from my phone\n\nBegin forwarded message:\n\nFrom: Dora <dora@client.example>\nSubject: hi"
    assert forwarded_sender(apple) == "dora@client.example"
    outlook = "-----Original Message-----\nFrom: Eve Client [mailto:eve@client.example]\nSent: Monday"
    assert forwarded_sender(outlook) == "eve@client.example"
    assert forwarded_sender("From: someone@else.example wrote nothing forwarded") is None


def test_a_conversation_keeps_what_a_reply_must_cite():
    conversation = Conversation(channel="email", thread="c1@x", address="email:a@x", contact_id=REPLY)
    at = datetime(2025, 3, 3, tzinfo=UTC)
    conversation.record_customer_message(CustomerMessage("c1@x", "first", at, subject="Order"))
    conversation.record_customer_message(
        CustomerMessage("c2@x", "second", at, subject="Re: Order", replies_to=("r1@shop", "c1@x"))
    )
    assert conversation.subject == "Order"
    assert conversation.last_message_id == "c2@x"
    assert conversation.references == ["c1@x", "r1@shop", "c2@x"]
    # A mail without Message-ID is known by a digest: a reply cites nothing for it.
    conversation.record_customer_message(CustomerMessage("sha256:" + "0" * 64, "third", at))
    assert conversation.last_message_id == ""


def test_outlook_forwards_name_their_original_sender_in_text_and_html():
    plain_text = "Log this.\n\n________________________________\nFrom: Carl Client <carl@client.example>\nSent: Monday"
    assert forwarded_sender(plain_text) == "carl@client.example"
    html = (
        "<div>Log this.</div><hr><div id=divRplyFwdMsg><b>From:</b> Carl Client &lt;carl@client.example&gt;"
        "<br><b>Sent:</b> Monday</div>"
    )
    assert forwarded_sender(html_to_text(html, 100_000)) == "carl@client.example"
    assert forwarded_sender("Thanks\n\n__________\nmy signature") is None
