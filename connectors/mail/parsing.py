"""An inbound RFC 5322 mail parsed safely into what the inbox needs, and into the normalized inbound message.

Any bytes give either a ``ParsedMail`` or ``MailRejected``: sizes are checked before the ``email``
package parses anything, and whatever it raises on broken input is reported as ``unparseable``.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesParser

from connectors.mail.authentication import trusted, vouched_domains
from connectors.mail.forwarding import forwarded_sender
from connectors.mail.limits import HEADER_END, BoundedHeaders, MailLimits, MailRejected, bounded_parts, check_raw
from connectors.mail.text import (
    clean_body,
    clean_filename,
    clean_header,
    decode_payload,
    html_to_text,
    valid_unicode,
)
from domain.attachments import MAX_ATTACHMENTS, MAX_CONTENT_TYPE_LENGTH, MAX_FILENAME_LENGTH
from domain.attachments import Attachment as KnownAttachment
from domain.channels import MAX_ADDRESS_LENGTH, Channel, ChannelAddress
from domain.inbound import (
    MAX_CORRESPONDENTS,
    MAX_ID_LENGTH,
    MAX_REFERENCES,
    MAX_SUBJECT_LENGTH,
    MAX_TEXT_LENGTH,
    InboundMessage,
)

DEFAULT_LIMITS = MailLimits()
MAX_NAME_CHARS = 200
TRACE_FIELDS = frozenset(
    {b"received", b"return-path", b"delivered-to", b"x-original-to", b"x-delivered-to", b"x-received", b"arc-seal"}
    | {b"arc-message-signature", b"arc-authentication-results", b"authentication-results", b"received-spf"}
)
_LINE = re.compile(rb"[^\r\n]+")
MAX_RECORD_BYTES = 512 * 1024  # well under Kafka's default 1 MiB per record
MIN_KEPT_TEXT = 1_000
TRUNCATED = "\n[…]"
MAX_LEGACY_HEADER_CHARS = 2_000
_NAME_ADDR = re.compile(r"(?P<name>[^<>]*)<(?P<address>[^<>@\s]+@[^<>@\s]+)>")
_BRACKETED_ID = re.compile(r"<([^<>]*)>")
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")
_CONTAINER_TYPES = frozenset({"text", "multipart", "message"})


@dataclass(frozen=True)
class Attachment:
    """A file attached to a mail; ``content`` is None when it is over the kept-bytes limit."""

    filename: str | None
    content_type: str
    size: int
    sha256: str
    content: bytes | None


@dataclass(frozen=True)
class ParsedMail:
    """What the inbox needs from one mail; every string is valid Unicode and header values hold no CR or LF."""

    message_id: str | None
    dedupe_key: str
    in_reply_to: str | None
    references: tuple[str, ...]
    thread: str
    sender_address: str | None
    sender_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    date: datetime | None
    text: str
    attachments: tuple[Attachment, ...]
    # For a forward: who wrote the forwarded mail (an attached message's From, or the From line under
    # the forward marker of the text).
    forwarded_from: str | None = None
    # The topmost Authentication-Results header: the receiving server's verdict on the sender.
    authentication_results: str | None = None


@dataclass(frozen=True)
class Routing:
    """Where this mailbox stands among the addresses of a mail: its own addresses and the CRM address."""

    own_addresses: frozenset[str] = frozenset()
    crm_address: str = ""
    # Whose verdicts on senders are believed (Authentication-Results authserv-ids), and senders believed
    # without one: what makes a copy to the CRM address from a manager's address count as theirs.
    authserv_ids: frozenset[str] = frozenset()
    trusted_senders: frozenset[str] = frozenset()


def parse_mail(raw: bytes, limits: MailLimits = DEFAULT_LIMITS) -> ParsedMail:
    """Parse one raw mail, or raise MailRejected with a reason code; no other exception escapes."""
    check_raw(raw, limits)
    try:
        return _parse(raw, limits)
    except MailRejected:
        raise
    except RecursionError as error:
        # The parser recurses once per nested message/rfc822 or multipart level.
        raise MailRejected("too_deep", "MIME parts nest too deeply to parse") from error
    except Exception as error:
        # The contract for untrusted bytes: a mail is parsed or rejected, never a crash in the caller.
        raise MailRejected("unparseable", f"the email package failed: {type(error).__name__}") from error


def to_inbound(
    parsed: ParsedMail, mailbox: str, received_at: datetime, routing: Routing | None = None
) -> InboundMessage:
    """The normalized inbound message for a parsed mail received into ``mailbox``.

    A mail sent, CC'd or forwarded to the CRM address (or received in the CRM mailbox itself) is a CRM
    copy; its correspondents are who it concerns: a forward's original sender first, then recipients.
    """
    if parsed.sender_address is None:
        raise MailRejected("no_sender", "the mail has no usable From address to answer")
    routing = routing or Routing()
    crm = routing.crm_address.lower()
    recipients = (*parsed.to, *parsed.cc)
    crm_copy = bool(crm) and (crm in recipients or crm in routing.own_addresses)
    ours = {crm, *routing.own_addresses, parsed.sender_address}
    candidates = (parsed.forwarded_from, *recipients) if crm_copy else ()
    correspondents = tuple(dict.fromkeys(a for a in candidates if a and a not in ours))
    forwarded = crm_copy and bool(parsed.forwarded_from) and parsed.forwarded_from not in ours
    domain = parsed.sender_address.rpartition("@")[2]
    verified = trusted(parsed.sender_address, routing.trusted_senders) or domain in vouched_domains(
        parsed.authentication_results, routing.authserv_ids
    )
    return fitted(
        InboundMessage(
            channel=Channel.EMAIL,
            channel_message_id=parsed.dedupe_key,
            thread=parsed.thread,
            sender=ChannelAddress(Channel.EMAIL, parsed.sender_address),
            text=parsed.text[:MAX_TEXT_LENGTH],
            received_at=received_at,
            sender_name=parsed.sender_name[:MAX_NAME_CHARS],
            source=mailbox,
            subject=parsed.subject[:MAX_SUBJECT_LENGTH],
            replies_to=_replies_to(parsed),
            attachments=tuple(
                KnownAttachment(
                    sha256=a.sha256,
                    filename=(a.filename or "")[:MAX_FILENAME_LENGTH],
                    content_type=a.content_type[:MAX_CONTENT_TYPE_LENGTH],
                    size=a.size,
                    kept=a.content is not None,
                )
                for a in parsed.attachments[:MAX_ATTACHMENTS]
            ),
            crm_copy=crm_copy,
            forwarded=forwarded,
            correspondents=correspondents[:MAX_CORRESPONDENTS],
            sender_verified=verified,
        )
    )


def fitted(message: InboundMessage, max_bytes: int = MAX_RECORD_BYTES) -> InboundMessage:
    """The message cut until its JSON fits one broker record: text first, then the list of attachments.

    Escaped JSON can take twelve bytes for one character (an emoji as two escaped surrogates); a record
    over the broker's limit would stop the mailbox at that mail for good.
    """
    while len(json.dumps(message.to_dict())) > max_bytes:
        if len(message.text) > MIN_KEPT_TEXT:
            message = replace(message, text=message.text[: len(message.text) // 2] + TRUNCATED)
        elif message.attachments:
            message = replace(message, attachments=message.attachments[: len(message.attachments) // 2])
        else:
            break
    return message


def _replies_to(parsed: ParsedMail) -> tuple[str, ...]:
    """The ids a mail answers, the nearest first: In-Reply-To, then References from the newest."""
    ids = (parsed.in_reply_to, *reversed(parsed.references))
    usable = (_bounded_key(i) for i in ids if i)
    return tuple(dict.fromkeys(i for i in usable if i != parsed.dedupe_key))[:MAX_REFERENCES]


def _parse(raw: bytes, limits: MailLimits) -> ParsedMail:
    mail_policy = policy.default.clone(header_factory=BoundedHeaders(limits.max_header_value_chars))
    message = BytesParser(policy=mail_policy).parsebytes(raw)
    parts = bounded_parts(message, limits)
    message_id = next(iter(_ids(_raw_header(message, "Message-ID"))), None)
    # Message-ID is optional: without it, only identical bytes are the same mail.
    dedupe_key = _bounded_key(message_id) if message_id else "sha256:" + content_digest(raw)
    in_reply_to = next(iter(_ids(_raw_header(message, "In-Reply-To"))), None)
    references = _ids(_raw_header(message, "References"))
    # The thread's first message names it in every reply's References, so a thread stays one conversation.
    thread_id = references[0] if references else in_reply_to or message_id
    senders = _addresses(message, "From")
    body = _body(message)
    text = _text(body, limits)
    return ParsedMail(
        message_id=message_id,
        dedupe_key=dedupe_key,
        in_reply_to=in_reply_to,
        references=references,
        thread=_bounded_key(thread_id) if thread_id else dedupe_key,
        sender_address=senders[0][0] if senders else None,
        sender_name=senders[0][1] if senders else "",
        to=tuple(address for address, _ in _addresses(message, "To")),
        cc=tuple(address for address, _ in _addresses(message, "Cc")),
        subject=clean_header(_header_text(message, "Subject")),
        date=_date(message),
        text=text,
        attachments=tuple(_attachment(part, limits) for part in parts if _is_attachment(part, body)),
        forwarded_from=_forwarded_from(parts) or forwarded_sender(text),
        authentication_results=_raw_header(message, "Authentication-Results") or None,
    )


def _forwarded_from(parts: list[Message]) -> str | None:
    """The sender of the first mail attached as message/rfc822 (how many clients forward)."""
    for part in parts[1:]:
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                senders = _addresses(inner[0], "From")
                if senders:
                    return senders[0][0]
    return None


def content_digest(raw: bytes) -> str:
    """SHA-256 of a mail without the trace fields each delivery adds, so two deliveries of it are one.

    A mail without Message-ID reaching two of our mailboxes, or delivered twice, differs only in
    Received, Return-Path, Delivered-To and the like; everything its author wrote is the same.
    """
    end = HEADER_END.search(raw)
    head, body = (raw[: end.start()], raw[end.start() :]) if end else (raw, b"")
    kept, skipping = [], False
    for line in _LINE.findall(head):
        if line[:1] in (b" ", b"\t"):  # a folded continuation belongs to the field above it
            if not skipping:
                kept.append(line)
            continue
        skipping = line.split(b":", 1)[0].strip().lower() in TRACE_FIELDS
        if not skipping:
            kept.append(line)
    return hashlib.sha256(b"\n".join(kept) + body).hexdigest()


def _bounded_key(message_id: str) -> str:
    # Inbound ids are at most MAX_ID_LENGTH characters; a longer Message-ID keeps its identity as a digest.
    if len(message_id) <= MAX_ID_LENGTH:
        return message_id
    return "sha256:" + hashlib.sha256(message_id.encode()).hexdigest()


def _raw_header(message: Message, name: str) -> str:
    # Message ids are read from the raw value: they need no RFC 2047 decoding, and References of a
    # long thread is longer than the structured parser is allowed to see.
    wanted = name.lower()
    for header, value in message.raw_items():
        if header.lower() == wanted:
            return str(value)
    return ""


def _ids(value: str) -> tuple[str, ...]:
    found = _BRACKETED_ID.findall(value) or value.split()
    ids = (_message_id(candidate) for candidate in found)
    return tuple(message_id for message_id in ids if message_id)


def _message_id(candidate: str) -> str:
    cleaned = clean_header(candidate).replace(" ", "")
    if not cleaned or cleaned == candidate.strip():
        return cleaned
    # Cleaning would change it, and could make two different ids one (ids differing by a control
    # character or an undecodable byte): its identity is kept as a digest of what was written.
    return "sha256:" + hashlib.sha256(candidate.encode("utf-8", "surrogatepass")).hexdigest()


def _header_text(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 - an unreadable header is treated as absent; the mail is still read
        return ""
    return "" if value is None else str(value)


def _addresses(message: Message, name: str) -> list[tuple[str, str]]:
    """(lowercased address, display name) pairs of every ``name`` header, skipping unusable ones."""
    found: list[tuple[str, str]] = []
    try:
        for header in message.get_all(name) or []:
            for address in getattr(header, "addresses", ()):
                spec = clean_header(address.addr_spec).lower()
                if "@" in spec and len(spec) <= MAX_ADDRESS_LENGTH:
                    found.append((spec, clean_header(address.display_name)))
    except Exception:  # noqa: BLE001 - the addresses read before a broken one are kept
        return found
    return found or _legacy_addresses(message, name)


def _legacy_addresses(message: Message, name: str) -> list[tuple[str, str]]:
    """The one mailbox of a header the strict parser refuses (a name that decodes to CR or LF).

    Only the plain form ``name <address>`` is read: anything else stays refused rather than guessed.
    """
    wanted = name.lower()
    found: list[tuple[str, str]] = []
    for header, value in message.raw_items():
        if header.lower() != wanted:
            continue
        mailbox = _NAME_ADDR.fullmatch(str(value)[:MAX_LEGACY_HEADER_CHARS].strip())
        if mailbox is not None:
            # Read from the raw header, so not yet cleaned: a stray control or broken byte must not cost the mail.
            spec = clean_header(mailbox.group("address")).lower()
            if "@" in spec and len(spec) <= MAX_ADDRESS_LENGTH:
                found.append((spec, clean_header(_decoded(mailbox.group("name").strip().strip('"')))))
    return found


def _decoded(encoded: str) -> str:
    try:
        return str(make_header(decode_header(encoded)))
    except (ValueError, LookupError, UnicodeError):
        return encoded


def _date(message: Message) -> datetime | None:
    try:
        value = getattr(message.get("Date"), "datetime", None)
    except Exception:  # noqa: BLE001 - an unreadable date is an absent date
        return None
    if not isinstance(value, datetime):
        return None
    # "-0000" means UTC with the sender's zone unknown; the parser returns it naive.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _body(message: Message) -> Message | None:
    if not isinstance(message, EmailMessage):
        return None
    return message.get_body(preferencelist=("plain", "html"))


def _text(body: Message | None, limits: MailLimits) -> str:
    if body is None:
        return ""
    text = decode_payload(_payload(body), body.get_content_charset())
    if body.get_content_subtype() == "html":
        text = html_to_text(valid_unicode(text), limits.max_html_chars)
    return clean_body(text)


def _payload(part: Message) -> bytes:
    if str(part.get("Content-Transfer-Encoding", "")).strip().lower() == "base64":
        # The email package returns broken base64 still encoded; the characters that are base64 say more.
        encoded = part.get_payload(decode=False)
        if isinstance(encoded, str):
            return _lenient_base64(encoded.encode("ascii", "surrogateescape"))
    # Undoes quoted-printable; broken escapes are kept as they are.
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _lenient_base64(encoded: bytes) -> bytes:
    data = _NOT_BASE64.sub(b"", encoded.partition(b"=")[0])
    if len(data) % 4 == 1:  # a lone trailing character carries no whole byte
        data = data[:-1]
    return binascii.a2b_base64(data + b"=" * (-len(data) % 4))


def _is_attachment(part: Message, body: Message | None) -> bool:
    if part is body or part.is_multipart():
        return False
    if part.get_content_disposition() == "attachment" or part.get_filename():
        return True
    # Inline text is an alternative or a footer of the body; an inline image or file is an attachment.
    return part.get_content_maintype() not in _CONTAINER_TYPES


def _attachment(part: Message, limits: MailLimits) -> Attachment:
    content = _payload(part)
    return Attachment(
        filename=clean_filename(part.get_filename()),
        content_type=clean_header(part.get_content_type()),
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content if len(content) <= limits.max_attachment_bytes else None,
    )
