"""Parsing inbound mail: limits, hostile and broken input, threading, decoding, attachments."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from email.parser import BytesParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.mail.limits import MailLimits, MailRejected, bounded_parts, check_raw
from connectors.mail.parsing import ParsedMail, Routing, content_digest, parse_mail, to_inbound
from domain.channels import Channel, ChannelAddress
from domain.inbound import MAX_ID_LENGTH, MAX_TEXT_LENGTH

RECEIVED = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def mail(body: bytes = b"Hello there.\r\n", **headers: str) -> bytes:
    """A mail whose headers are given as keywords (underscores become dashes); None-valued ones are left out."""
    fields = {
        "From": "Anna Customer <Anna@Example.COM>",
        "To": "Sales <Sales@Shop.Example>",
        "Subject": "Question",
        "Date": "Mon, 03 Mar 2025 10:15:00 +0200",
        "Message-ID": "<m1@example.com>",
    }
    fields.update({name.replace("_", "-"): value for name, value in headers.items()})
    head = "".join(f"{name}: {value}\r\n" for name, value in fields.items() if value)
    return head.encode("utf-8", "surrogateescape") + b"\r\n" + body


def multipart(parts: list[bytes], boundary: str = "b1", subtype: str = "mixed", closed: bool = True) -> bytes:
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    if closed:
        body += b"--" + boundary.encode() + b"--\r\n"
    return mail(body, Content_Type=f'multipart/{subtype}; boundary="{boundary}"')


def rejected(raw: bytes, limits: MailLimits | None = None) -> str:
    with pytest.raises(MailRejected) as caught:
        parse_mail(raw, limits or MailLimits())
    return caught.value.reason_code


# --- the basics ---------------------------------------------------------------------------------


def test_a_plain_mail_gives_every_field():
    parsed = parse_mail(mail(Cc="Boris <BORIS@example.com>, c@Example.com"))
    assert parsed.message_id == "m1@example.com"
    assert parsed.dedupe_key == "m1@example.com"
    assert parsed.thread == "m1@example.com"
    assert parsed.sender_address == "anna@example.com"
    assert parsed.sender_name == "Anna Customer"
    assert parsed.to == ("sales@shop.example",)
    assert parsed.cc == ("boris@example.com", "c@example.com")
    assert parsed.subject == "Question"
    assert parsed.date == datetime(2025, 3, 3, 10, 15, tzinfo=timezone(timedelta(hours=2)))
    assert parsed.text == "Hello there."
    assert parsed.attachments == ()


def test_a_reply_joins_the_thread_of_its_first_reference():
    parsed = parse_mail(mail(Message_ID="<m3@x>", In_Reply_To="<m2@x>", References="<m1@x>\r\n <m2@x>"))
    assert parsed.references == ("m1@x", "m2@x")
    assert parsed.in_reply_to == "m2@x"
    assert parsed.thread == "m1@x"


def test_without_references_the_thread_is_in_reply_to():
    assert parse_mail(mail(Message_ID="<m3@x>", In_Reply_To="<m2@x>")).thread == "m2@x"


def test_a_date_without_zone_is_utc_and_a_bad_date_is_none():
    assert parse_mail(mail(Date="Mon, 03 Mar 2025 10:15:00 -0000")).date == datetime(2025, 3, 3, 10, 15, tzinfo=UTC)
    assert parse_mail(mail(Date="the day after tomorrow")).date is None


# --- Message-ID is optional ---------------------------------------------------------------------


def test_a_mail_without_message_id_is_keyed_by_its_bytes():
    raw = mail(Message_ID="")
    parsed = parse_mail(raw)
    assert parsed.message_id is None
    assert parsed.dedupe_key == "sha256:" + content_digest(raw)
    assert len(parsed.dedupe_key) == len("sha256:") + 64
    assert parsed.thread == parsed.dedupe_key


def test_two_different_mails_without_message_id_get_different_keys_and_the_same_bytes_the_same_key():
    first, second = mail(b"one\r\n", Message_ID=""), mail(b"two\r\n", Message_ID="")
    assert parse_mail(first).dedupe_key != parse_mail(second).dedupe_key
    assert parse_mail(first).dedupe_key == parse_mail(bytes(first)).dedupe_key


def test_an_empty_message_id_is_absent():
    assert parse_mail(mail(Message_ID="<>")).message_id is None


def test_an_overlong_message_id_still_gives_a_key_the_inbound_message_accepts():
    long_id = "a" * 400 + "@example.com"
    parsed = parse_mail(mail(Message_ID=f"<{long_id}>"))
    assert parsed.message_id == long_id
    assert parsed.dedupe_key.startswith("sha256:")
    assert len(parsed.dedupe_key) <= MAX_ID_LENGTH
    assert parsed.dedupe_key == parse_mail(mail(b"other\r\n", Message_ID=f"<{long_id}>")).dedupe_key
    assert to_inbound(parsed, "inbox", RECEIVED).channel_message_id == parsed.dedupe_key


# --- limits, checked before parsing where it is cheap -------------------------------------------


def test_a_mail_over_the_total_size_is_rejected():
    assert rejected(mail(b"x" * 2000), MailLimits(max_total_bytes=1000)) == "too_large"


def test_a_one_mebibyte_header_is_rejected_before_parsing():
    raw = mail(Subject="a " * (512 * 1024))
    with pytest.raises(MailRejected) as caught:
        check_raw(raw, MailLimits())
    assert caught.value.reason_code == "header_too_large"
    assert rejected(raw) == "header_too_large"


def test_a_header_block_without_blank_line_counts_whole():
    assert rejected(b"Subject: " + b"a" * 300 * 1024) == "header_too_large"
    assert parse_mail(b"From: a@b.example\r\nSubject: short").subject == "short"


def test_ten_thousand_parts_are_rejected_before_parsing():
    part = b"Content-Type: text/plain\r\n\r\nx"
    raw = multipart([part] * 10_000)
    with pytest.raises(MailRejected) as caught:
        check_raw(raw, MailLimits())
    assert caught.value.reason_code == "too_many_parts"
    assert rejected(raw) == "too_many_parts"


def test_parts_split_by_bare_cr_are_counted_too():
    raw = b"Content-Type: multipart/mixed; boundary=b\r\r" + b"--b\rContent-Type: text/plain\r\rx\r" * 500
    with pytest.raises(MailRejected) as caught:
        check_raw(raw, MailLimits())
    assert caught.value.reason_code == "too_many_parts"


def test_the_exact_part_count_is_enforced_on_the_parsed_tree():
    raw = multipart([b"Content-Type: text/plain\r\n\r\nx"] * 10)
    assert len(parse_mail(raw, MailLimits(max_parts=11)).attachments) == 0
    assert rejected(raw, MailLimits(max_parts=10)) == "too_many_parts"


def nested(depth: int) -> bytes:
    part = b"Content-Type: text/plain\r\n\r\ninnermost"
    for level in range(depth):
        boundary = f"level{level}".encode()
        part = (
            b"Content-Type: multipart/mixed; boundary=" + boundary + b"\r\n\r\n"
            b"--" + boundary + b"\r\n" + part + b"\r\n--" + boundary + b"--"
        )
    return b"From: a@b.example\r\n" + part + b"\r\n"


def test_multipart_nesting_fifty_deep_is_rejected():
    assert rejected(nested(50)) == "too_deep"


def test_nesting_within_the_limit_is_read():
    assert parse_mail(nested(9)).text == "innermost"


def test_message_rfc822_nesting_without_any_boundary_is_rejected():
    raw = b"From: a@b.example\r\n" + b"Content-Type: message/rfc822\r\n\r\n" * 50 + b"deep\r\n"
    assert rejected(raw) == "too_deep"
    # Deep enough to exhaust the parser's recursion: still only MailRejected.
    assert rejected(b"Content-Type: message/rfc822\r\n\r\n" * 3000) == "too_deep"


def test_the_tree_walk_returns_every_part_in_document_order():
    message = BytesParser(policy=policy.default).parsebytes(nested(2))
    types = [part.get_content_type() for part in bounded_parts(message, MailLimits())]
    assert types == ["multipart/mixed", "multipart/mixed", "text/plain"]


def test_a_long_structured_header_is_cut_not_parsed_whole():
    recipients = ", ".join(f'"N {i}" <r{i}@example.com>' for i in range(5000))
    parsed = parse_mail(mail(To=recipients))
    assert 0 < len(parsed.to) < 5000
    assert parsed.to[0] == "r0@example.com"


def test_hostile_comment_nesting_in_from_leaves_no_sender():
    parsed = parse_mail(mail(From="(" * 5000 + "a@b.example"))
    assert parsed.sender_address is None
    with pytest.raises(MailRejected) as caught:
        to_inbound(parsed, "inbox", RECEIVED)
    assert caught.value.reason_code == "no_sender"


# --- broken mail is still read -----------------------------------------------------------------


def test_truncated_mime_without_closing_boundary_keeps_the_text():
    raw = multipart([b"Content-Type: text/plain\r\n\r\nstill here", b"Content-Type: text/pl"], closed=False)
    assert parse_mail(raw).text == "still here"


def test_an_unknown_charset_falls_back_to_utf8():
    raw = mail("Привет".encode(), Content_Type="text/plain; charset=x-unknown")
    assert parse_mail(raw).text == "Привет"


def test_a_charset_that_is_not_a_text_encoding_falls_back_to_utf8():
    raw = mail(b"plain words", Content_Type="text/plain; charset=base64")
    assert parse_mail(raw).text == "plain words"


def test_bad_bytes_in_the_declared_charset_are_replaced():
    raw = mail(b"ok \xff\xfe end", Content_Type="text/plain; charset=utf-8")
    assert parse_mail(raw).text == "ok \ufffd\ufffd end"


def test_bad_base64_still_gives_text():
    good = base64.b64encode(b"Hello from base64").decode()
    raw = mail(f"{good[:-3]}!!*%\r\n".encode(), Content_Type="text/plain", Content_Transfer_Encoding="base64")
    text = parse_mail(raw).text
    assert text.startswith("Hello from base")


def test_bad_quoted_printable_still_gives_text():
    raw = mail(
        b"caf=C3=A9 =ZZ =\r\nend",
        Content_Type="text/plain; charset=utf-8",
        Content_Transfer_Encoding="quoted-printable",
    )
    assert parse_mail(raw).text.startswith("café =ZZ end")


def test_nul_and_control_characters_leave_the_body():
    assert parse_mail(mail(b"a\x00b\x07c\r\nnext")).text == "abc\nnext"


# --- header injection and RFC 2047 --------------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    ["Subject", "From"],
)
def test_encoded_line_breaks_never_reach_the_output(field):
    injected = "=?utf-8?q?Evil=0D=0ABcc:_victim@example.com?="
    value = injected if field == "Subject" else f"{injected} <evil@example.com>"
    parsed = parse_mail(mail(**{field: value}))
    for text in (parsed.subject, parsed.sender_name, parsed.sender_address or ""):
        assert "\r" not in text
        assert "\n" not in text
    if field == "Subject":
        assert parsed.subject == "Evil Bcc: victim@example.com"
    else:
        # The stdlib refuses a name holding CR or LF; the plain "name <address>" form is read without it.
        assert parsed.sender_address == "evil@example.com"
        assert parsed.sender_name == "Evil Bcc: victim@example.com"


def test_raw_line_breaks_in_message_ids_are_removed():
    parsed = parse_mail(mail(References="<a@x>\r\n\t<b@x>", In_Reply_To="<b@x>"))
    assert all("\r" not in ref and "\n" not in ref for ref in parsed.references)


def test_rfc2047_subject_and_name_in_utf8():
    parsed = parse_mail(
        mail(Subject="=?UTF-8?B?0JfQsNC60LDQtyDihJYg8J+Ugg==?=", From="=?utf-8?q?J=C3=BCrgen?= <j@example.de>")
    )
    assert parsed.subject == "Заказ № 🔂"
    assert parsed.sender_name == "Jürgen"


def test_rfc2047_subject_and_name_in_koi8_r():
    subject = "=?koi8-r?b?" + base64.b64encode("Счёт на оплату".encode("koi8-r")).decode() + "?="
    name = "=?KOI8-R?Q?" + "".join(f"={b:02X}" for b in "Борис".encode("koi8-r")) + "?="
    parsed = parse_mail(mail(Subject=subject, From=f"{name} <boris@example.ru>"))
    assert parsed.subject == "Счёт на оплату"
    assert parsed.sender_name == "Борис"


def test_raw_eight_bit_utf8_headers_are_read():
    parsed = parse_mail(mail(Subject="Grüße\udcff"))
    assert parsed.subject.startswith("Grüße")
    parsed.subject.encode()  # no lone surrogates


# --- HTML bodies --------------------------------------------------------------------------------


def test_html_only_body_drops_scripts_and_styles_and_tags():
    html = (
        b"<html><head><style>p {color: red}</style><title>T</title></head><body>"
        b"<p>Hi &amp; <b>welcome</b></p><script>alert('x')</script><p>Line two<br>three</p></body></html>"
    )
    text = parse_mail(mail(html, Content_Type="text/html; charset=utf-8")).text
    assert text == "Hi & welcome\n\nLine two\nthree"


def test_plain_text_is_preferred_over_html():
    raw = multipart(
        [b"Content-Type: text/plain\r\n\r\nthe plain one", b"Content-Type: text/html\r\n\r\n<p>the html one</p>"],
        subtype="alternative",
    )
    parsed = parse_mail(raw)
    assert parsed.text == "the plain one"
    assert parsed.attachments == ()


def test_malformed_html_is_read_quickly_enough_to_finish():
    raw = mail(b"<a b='" * 20_000 + b"<p>tail", Content_Type="text/html")
    assert isinstance(parse_mail(raw), ParsedMail)


# --- attachments --------------------------------------------------------------------------------


def attachment_part(content: bytes, disposition: str, content_type: str = "application/octet-stream") -> bytes:
    return (
        f"Content-Type: {content_type}\r\nContent-Disposition: {disposition}\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode() + base64.encodebytes(content)


def test_an_rfc2231_path_traversal_filename_is_sanitized():
    raw = multipart(
        [
            b"Content-Type: text/plain\r\n\r\nsee attached",
            attachment_part(b"root:x:0:0", "attachment; filename*=utf-8''..%2F..%2Fetc%2Fpasswd"),
        ]
    )
    parsed = parse_mail(raw)
    assert parsed.text == "see attached"
    (attachment,) = parsed.attachments
    assert attachment.filename == "passwd"
    assert attachment.content == b"root:x:0:0"
    assert attachment.content_type == "application/octet-stream"


@pytest.mark.parametrize(
    ("disposition", "expected"),
    [
        ("attachment; filename*=utf-8''%D0%A1%D1%87%D1%91%D1%82.pdf", "Счёт.pdf"),
        ('attachment; filename="=?utf-8?b?0KHRh9GR0YIucGRm?="', "Счёт.pdf"),
        ('attachment; filename="..\\\\..\\\\windows\\\\evil.exe"', "evil.exe"),
        ("attachment; filename*=utf-8''a%0D%0Ab%00c%E2%80%AEfdp.exe", "abcfdp.exe"),
        ('attachment; filename=".."', None),
        ("attachment", None),
    ],
)
def test_attachment_filenames_are_decoded_and_cleaned(disposition, expected):
    (attachment,) = parse_mail(multipart([attachment_part(b"data", disposition)])).attachments
    assert attachment.filename == expected


def test_an_oversized_attachment_keeps_size_and_digest_but_not_content():
    content = bytes(range(256)) * 8  # 2 KiB
    raw = multipart([attachment_part(content, 'attachment; filename="big.bin"')])
    (attachment,) = parse_mail(raw, MailLimits(max_attachment_bytes=1024)).attachments
    assert attachment.content is None
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    (kept,) = parse_mail(raw).attachments
    assert kept.content == content


def test_an_inline_image_without_filename_is_an_attachment():
    raw = multipart([b"Content-Type: text/plain\r\n\r\nhi", attachment_part(b"\x89PNG", "inline", "image/png")])
    (attachment,) = parse_mail(raw).attachments
    assert (attachment.content_type, attachment.filename, attachment.content) == ("image/png", None, b"\x89PNG")


# --- the normalized inbound message -------------------------------------------------------------


def test_to_inbound_builds_the_email_message():
    parsed = parse_mail(mail(References="<first@x>", Message_ID="<m2@x>"))
    message = to_inbound(parsed, "sales@shop.example", RECEIVED)
    assert message.channel is Channel.EMAIL
    assert message.channel_message_id == "m2@x"
    assert message.thread == "first@x"
    assert message.sender == ChannelAddress(Channel.EMAIL, "anna@example.com")
    assert message.sender_name == "Anna Customer"
    assert message.text == "Hello there."
    assert message.subject == "Question"
    assert message.replies_to == ("first@x",)
    assert message.received_at == RECEIVED
    assert message.source == "sales@shop.example"
    assert message.key == "email/first@x"


def test_to_inbound_truncates_long_text():
    parsed = parse_mail(mail(b"y" * (MAX_TEXT_LENGTH + 100)))
    assert len(to_inbound(parsed, "inbox", RECEIVED).text) == MAX_TEXT_LENGTH


# --- anything at all ----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=5000))
def test_any_bytes_are_parsed_or_rejected(raw):
    reasons = {"too_large", "header_too_large", "too_many_parts", "too_deep", "unparseable"}
    try:
        parsed = parse_mail(raw)
    except MailRejected as rejection:
        reason = rejection.reason_code
    else:
        reason = None
        assert isinstance(parsed, ParsedMail)
        assert parsed.dedupe_key
        assert parsed.thread
    assert reason is None or reason in reasons


_MAIL_PIECES = st.sampled_from(
    [
        b"From: =?utf-8?q?a=0D=0A?= <a@b.example>\r\n",
        b"Content-Type: multipart/mixed; boundary=b\r\n",
        b"Content-Type: message/rfc822\r\n",
        b"Content-Type: text/html; charset=x-unknown\r\n",
        b"Content-Transfer-Encoding: base64\r\n",
        b"Content-Disposition: attachment; filename*=bad''%ZZ\r\n",
        b"Subject: =?koi8-r?q?=F0?=\r\n",
        b"Date: 31 Feb 99999 25:61:61 +9999\r\n",
        b"\r\n",
        b"--b\r\n",
        b"--b--\r\n",
        b"<p>x<script>y",
        b"QUJD===\r\n",
        b"\xff\xfe\x00",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_MAIL_PIECES, max_size=40).map(b"".join))
def test_mail_shaped_garbage_is_parsed_or_rejected(raw):
    try:
        parsed = parse_mail(raw)
    except MailRejected:
        return
    for text in (parsed.subject, parsed.sender_name, *(a.filename or "" for a in parsed.attachments)):
        assert "\r" not in text
        assert "\n" not in text
    parsed.text.encode()


def test_replies_to_lists_the_nearest_reference_first():
    parsed = parse_mail(mail(In_Reply_To="<r3@x>", References="<r1@x> <r2@x> <r3@x>", Message_ID="<r4@x>"))
    assert to_inbound(parsed, "inbox", RECEIVED).replies_to == ("r3@x", "r2@x", "r1@x")


def test_attachments_are_described_by_hash_and_kept_when_small():
    raw = multipart(
        [b"Content-Type: text/plain\r\n\r\nhi", attachment_part(b"%PDF-1", "attachment", "application/pdf")]
    )
    (attachment,) = to_inbound(parse_mail(raw), "inbox", RECEIVED).attachments
    assert attachment.sha256 == hashlib.sha256(b"%PDF-1").hexdigest()
    assert (attachment.content_type, attachment.size, attachment.kept) == ("application/pdf", 6, True)


CRM = Routing(own_addresses=frozenset({"sales@shop.example"}), crm_address="crm@shop.example")


def test_a_customer_mail_is_no_crm_copy():
    message = to_inbound(parse_mail(mail()), "sales", RECEIVED, CRM)
    assert (message.crm_copy, message.correspondents) == (False, ())


def test_a_mail_cced_to_the_crm_address_concerns_its_other_recipients():
    raw = mail(From="Boris <boris@shop.example>", To="Anna <anna@example.com>", Cc="CRM <crm@shop.example>")
    message = to_inbound(parse_mail(raw), "sales", RECEIVED, CRM)
    assert message.crm_copy
    assert message.correspondents == ("anna@example.com",)


def test_a_forward_to_the_crm_address_concerns_the_original_sender():
    body = (
        b"FYI\r\n\r\n---------- Forwarded message ---------\r\n"
        b"From: Carl Client <Carl@Client.example>\r\nDate: Mon, 3 Mar 2025\r\nSubject: Prices\r\n\r\nHow much?\r\n"
    )
    raw = mail(body, From="Boris <boris@shop.example>", To="crm@shop.example", Subject="Fwd: Prices")
    message = to_inbound(parse_mail(raw), "crm", RECEIVED, Routing(crm_address="crm@shop.example"))
    assert message.crm_copy
    assert message.correspondents[0] == "carl@client.example"


def test_a_forward_as_an_attached_message_concerns_its_sender():
    inner = b"From: Dora <dora@client.example>\r\nSubject: Order\r\n\r\nMy order\r\n"
    raw = multipart([b"Content-Type: text/plain\r\n\r\nsee below", b"Content-Type: message/rfc822\r\n\r\n" + inner])
    parsed = parse_mail(raw)
    assert parsed.forwarded_from == "dora@client.example"


def test_a_mail_in_the_crm_mailbox_itself_is_a_crm_copy():
    raw = mail(From="Boris <boris@shop.example>", To="Anna <anna@example.com>")
    routing = Routing(own_addresses=frozenset({"crm@shop.example"}), crm_address="crm@shop.example")
    message = to_inbound(parse_mail(raw), "crm", RECEIVED, routing)
    assert (message.crm_copy, message.correspondents) == (True, ("anna@example.com",))


def test_a_message_always_fits_one_broker_record():
    emoji = ("\U0001f600" * 64_000).encode()
    raw = mail(emoji, Content_Type="text/plain; charset=utf-8")
    message = to_inbound(parse_mail(raw), "inbox", RECEIVED)
    assert len(json.dumps(message.to_dict())) <= 512 * 1024
    assert message.text.startswith("\U0001f600")
    assert message.text.endswith("[…]")


def test_lines_that_merely_start_with_two_dashes_are_not_parts():
    sql = b"".join(b"-- step %d of the migration\r\n" % n for n in range(400))
    parsed = parse_mail(mail(b"Please run this:\r\n" + sql))
    assert "step 399" in parsed.text


def test_forwards_of_forwards_are_read():
    assert parse_mail(nested(20)).text == "innermost"


def test_a_mail_without_message_id_delivered_twice_is_one_mail():
    body = mail(Message_ID=None)
    trace = b"Received: from a.example by mx%d ; Mon, 3 Mar 2025\r\n\tid %d\r\nDelivered-To: %s@shop.example\r\n"
    first = trace % (1, 1, b"sales") + body
    second = trace % (2, 2, b"info") + body
    assert parse_mail(first).dedupe_key == parse_mail(second).dedupe_key
    assert parse_mail(first).dedupe_key.startswith("sha256:")
    # What the author wrote still tells two mails apart.
    assert parse_mail(first).dedupe_key != parse_mail(first.replace(b"Hello there.", b"Hello again.")).dedupe_key


@pytest.mark.parametrize("odd", ["\x01", "\x7f", "\t", "\udcff"])
def test_message_ids_differing_only_by_what_cleaning_removes_stay_two_mails(odd: str) -> None:
    def mail(message_id: str) -> bytes:
        header = f"From: a@customer.example\r\nTo: s@shop.example\r\nMessage-ID: {message_id}\r\n\r\nhi\r\n"
        return header.encode("utf-8", "surrogateescape")

    plain = parse_mail(mail("<ab@customer.example>"), MailLimits())
    marked = parse_mail(mail(f"<a{odd}b@customer.example>"), MailLimits())
    other = parse_mail(mail(f"<a{odd}{odd}b@customer.example>"), MailLimits())
    assert len({plain.dedupe_key, marked.dedupe_key, other.dedupe_key}) == 3
    # The same odd id is the same mail, and a reply citing it finds it.
    assert parse_mail(mail(f"<a{odd}b@customer.example>"), MailLimits()).dedupe_key == marked.dedupe_key
