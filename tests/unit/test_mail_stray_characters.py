"""A stray control character or a broken byte anywhere in a mail never costs the mail.

Whatever bytes a header or a body holds, the mail connector cleans what it read before it builds the
inbound message, so the one text rule at the edge accepts it: the mail becomes a message (or is
rejected for a reason of its own, such as having no sender), never refused for a character.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.mail.limits import MailRejected
from connectors.mail.parsing import Routing, parse_mail, to_inbound
from domain.inbound import InboundMessage

RECEIVED = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
ROUTING = Routing(own_addresses=frozenset({"sales@shop.example"}), crm_address="crm@shop.example")

# Where a stray byte can sit: %s marks the spot.
TEMPLATES = {
    # A display name that decodes to a line break sends From through the lenient reading of "name <address>".
    "address read leniently": b"From: =?utf-8?q?A=0AB?= <a%sb@x.example>\r\nMessage-ID: <m1@x>\r\n\r\nbody\r\n",
    "address": b"From: <a%sb@x.example>\r\nMessage-ID: <m1@x>\r\n\r\nbody\r\n",
    "display name": b"From: Anna%sB <a@x.example>\r\nMessage-ID: <m1@x>\r\n\r\nbody\r\n",
    "message ids": (
        b"From: a@x.example\r\nMessage-ID: <m%s1@x>\r\nIn-Reply-To: <r%s@x>\r\n"
        b"References: <f%s@x> <g@x>\r\n\r\nbody\r\n"
    ),
    "bare message id": b"From: a@x.example\r\nMessage-ID: m%s1@x\r\n\r\nbody\r\n",
    "subject and body": b"From: a@x.example\r\nSubject: s%sx\r\n\r\nbody%sx\r\n",
    "forwarded sender": (
        b"From: a@x.example\r\nTo: crm@shop.example\r\n\r\n"
        b"---------- Forwarded message ---------\r\nFrom: C <c%sd@y.example>\r\n\r\nhello\r\n"
    ),
    "recipients": b"From: a@x.example\r\nTo: crm@shop.example, b%sc@z.example\r\nCc: <d%se@z.example>\r\n\r\nx\r\n",
    "attachment": (
        b'From: a@x.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
        b'--B\r\nContent-Type: application/x%sy; name="f%sg.pdf"\r\n'
        b'Content-Disposition: attachment; filename="f%sg.pdf"\r\n\r\ndata\r\n--B--\r\n'
    ),
}
ENCODED_TEMPLATES = {
    "encoded subject": b"From: a@x.example\r\nSubject: =?utf-8?b?%s?=\r\n\r\nx\r\n",
    "encoded display name": b"From: =?utf-8?b?%s?= <a@x.example>\r\n\r\nx\r\n",
    "encoded filename": (
        b'From: a@x.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nhi\r\n--B\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="=?utf-8?b?%s?="\r\n\r\ndata\r\n--B--\r\n'
    ),
}
# NUL, other C0 controls, DEL, a C1 control in UTF-8, a byte that is not UTF-8, an encoded lone surrogate.
STRAY = [b"\x00", b"\x01", b"\x1b", b"\x7f", b"\xc2\x85", b"\xff", b"\xed\xa0\x80"]


def inbound(raw: bytes) -> InboundMessage | None:
    """The inbound message of ``raw``, or None when the mail is rejected for a reason of its own."""
    try:
        return to_inbound(parse_mail(raw), "sales", RECEIVED, ROUTING)
    except MailRejected:
        return None


@pytest.mark.parametrize("where", list(TEMPLATES))
@pytest.mark.parametrize("stray", STRAY, ids=repr)
def test_a_stray_byte_in_a_header_or_body_keeps_the_mail(where: str, stray: bytes) -> None:
    message = inbound(TEMPLATES[where].replace(b"%s", stray))
    assert message is not None
    assert message.sender.value.endswith("@x.example")


@pytest.mark.parametrize("where", list(ENCODED_TEMPLATES))
@pytest.mark.parametrize("stray", STRAY, ids=repr)
def test_a_stray_byte_in_an_encoded_word_keeps_the_mail(where: str, stray: bytes) -> None:
    assert inbound(ENCODED_TEMPLATES[where].replace(b"%s", base64.b64encode(b"a" + stray + b"b"))) is not None


def test_the_leniently_read_address_is_cleaned_not_refused() -> None:
    message = inbound(TEMPLATES["address read leniently"].replace(b"%s", b"\x00"))
    assert message is not None
    assert "\x00" not in message.sender.value


@given(stray=st.binary(min_size=1, max_size=4), where=st.sampled_from(sorted(TEMPLATES)))
def test_any_bytes_anywhere_give_a_message_or_a_rejection_never_a_refused_character(stray: bytes, where: str) -> None:
    # Either outcome is fine; what must not happen is InvalidInboundMessage (or anything else) escaping.
    inbound(TEMPLATES[where].replace(b"%s", stray))
