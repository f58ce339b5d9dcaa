"""Mail fetched from a real Dovecot arrives byte for byte: BINARY.PEEK[] where it must, BODY.PEEK[] otherwise."""

from __future__ import annotations

import asyncio
import base64

import pytest

from connectors.mail.imap_session import FetchedMail, ImapSession, fetch_items, needs_binary
from devstack.dovecot import LocalDovecot
from tests.mail_servers import MailUser

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

HEAD = b"From: Carl <carl@client.example>\r\nTo: sales@shop.example\r\nMIME-Version: 1.0\r\n"
# A part in binary transfer encoding with every byte but CR and LF, NUL included (RFC 3030 BINARYMIME).
EVERY_BYTE = bytes(b for b in range(256) if b not in b"\r\n")
BINARY_PART = (
    HEAD + b"Subject: raw bytes\r\nMessage-ID: <raw@client.example>\r\n"
    b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n" + EVERY_BYTE + b"\r\n"
)
# A server converts base64 to binary in a BINARY[] answer; the mail must come as it was stored.
BASE64_PART = (
    HEAD + b"Subject: encoded\r\nMessage-ID: <b64@client.example>\r\n"
    b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    + base64.b64encode(b"hello in base64")
    + b"\r\n"
)
# Base64 that does not decode: Dovecot ends the connection if asked for it with BINARY[].
BROKEN_BASE64 = (
    HEAD + b"Subject: broken\r\nMessage-ID: <broken@client.example>\r\n"
    b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    + base64.b64encode(b"readable part")[:-3]
    + b"\r\n"
)
# Eight-bit text (UTF-8 with 0x80 bytes) in no encoding at all.
EIGHT_BIT = (
    HEAD + b"Subject: 8bit\r\nMessage-ID: <8bit@client.example>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    + "Привет, цена в €\r\n".encode()
)
MAILS = [BINARY_PART, BASE64_PART, BROKEN_BASE64, EIGHT_BIT]


async def fetched(user: MailUser, *, binary: bool) -> tuple[list[FetchedMail], bool]:
    session = ImapSession(user.host, user.port, tls=False, timeout=10, binary=binary)
    try:
        await session.open(user.name, user.password, "INBOX")
        uids = await session.uids_from(1)
        return await session.fetch(uids[-len(MAILS) :]), session.fetches_exact_bytes
    finally:
        await session.close()


def test_every_mail_arrives_exactly_as_stored(dovecot: LocalDovecot, mail_user: MailUser) -> None:
    dovecot.put_mails(mail_user.name, "INBOX", MAILS)
    mails, exact = asyncio.run(fetched(mail_user, binary=True))
    assert exact, "Dovecot offers BINARY once logged in"
    assert [m.raw for m in mails] == MAILS
    assert [m.uid for m in mails] == sorted(m.uid for m in mails)


def test_without_binary_every_mail_still_arrives_by_body_peek(dovecot: LocalDovecot, mail_user: MailUser) -> None:
    dovecot.put_mails(mail_user.name, "INBOX", MAILS)
    mails, exact = asyncio.run(fetched(mail_user, binary=False))
    assert not exact
    # All but what an IMAP string cannot carry: Dovecot turns NUL into 0x80.
    assert [m.raw for m in mails] == [BINARY_PART.replace(b"\x00", b"\x80"), *MAILS[1:]]


def test_binary_is_asked_for_only_where_offered_and_needed() -> None:
    assert fetch_items({"IMAP4rev1", "BINARY", "IDLE"}) == "(UID BINARY.PEEK[])"
    assert fetch_items({"IMAP4rev1", "IDLE"}) == "(UID BODY.PEEK[])"
    part = b'("APPLICATION" "OCTET-STREAM" NIL NIL NIL "%s" 254 NIL NIL NIL NIL)'
    assert needs_binary(b"1 FETCH (UID 1 BODYSTRUCTURE " + part % b"BINARY" + b")")
    assert not needs_binary(b"1 FETCH (UID 1 BODYSTRUCTURE " + part % b"8BIT" + b")")
    mixed = b"1 FETCH (UID 1 BODYSTRUCTURE (" + part % b"binary" + part % b"base64" + b' "MIXED"))'
    assert not needs_binary(mixed)
    # An encoding the server does not know is answered NO [UNKNOWN-CTE] by BINARY[]: never asked for.
    unknown = b"1 FETCH (UID 1 BODYSTRUCTURE (" + part % b"BINARY" + part % b"X-UUENCODE" + b' "MIXED"))'
    assert not needs_binary(unknown)
    text = b'("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "8BIT" 12 1 NIL NIL NIL)'
    assert needs_binary(b"1 FETCH (UID 1 BODYSTRUCTURE (" + part % b"BINARY" + text + b' "MIXED"))')
    assert not needs_binary(b"1 FETCH (UID 1 BODYSTRUCTURE (" + part % b"BINARY" + part % b"NIL" + b' "MIXED"))')
