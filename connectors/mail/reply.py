"""An operator's reply as a mail that threads under the customer's message in their mail client."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from uuid import UUID

from connectors.mail.text import clean_header

_REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|ответ)\s*:", re.IGNORECASE)
_ID_UNSAFE = re.compile(r"[\s<>]")
# Message ids are never folded or encoded: at the default 78 characters the email package would write a long
# one (Outlook's are 80 to 100) as an encoded-word, which no mail client reads as an id, and threading breaks.
_LONG_IDS = SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class OutgoingReply:
    """What a reply mail is made of."""

    reply_id: UUID
    from_address: str
    from_name: str
    to_address: str
    subject: str
    text: str
    sent_at: datetime
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    # The files sent with the reply: name, content type and bytes.
    files: tuple[tuple[str, str, bytes], ...] = ()


def message_id(reply_id: UUID, from_address: str) -> str:
    """The reply's Message-ID, without brackets: the same for every attempt, so a retry is one mail.

    Its local part is the reply id, which is how a customer's answer to it finds the conversation.
    """
    return f"{reply_id}@{from_address.rpartition('@')[2]}"


def compose(reply: OutgoingReply) -> EmailMessage:
    """The reply as a mail with Message-ID, In-Reply-To and References, and its files attached."""
    mail = EmailMessage(policy=_LONG_IDS)
    mail["Message-ID"] = f"<{message_id(reply.reply_id, reply.from_address)}>"
    mail["Date"] = format_datetime(reply.sent_at)
    mail["From"] = Address(display_name=clean_header(reply.from_name), addr_spec=reply.from_address)
    mail["To"] = Address(addr_spec=reply.to_address)
    mail["Subject"] = reply_subject(reply.subject)
    cited = [i for i in (_bare(r) for r in reply.references) if i]
    in_reply_to = _bare(reply.in_reply_to)
    if in_reply_to:
        mail["In-Reply-To"] = f"<{in_reply_to}>"
        if in_reply_to not in cited:
            cited.append(in_reply_to)
    if cited:
        mail["References"] = " ".join(f"<{i}>" for i in cited)
    mail.set_content(reply.text)
    for filename, content_type, content in reply.files:
        maintype, _, subtype = content_type.partition("/")
        if not maintype or not subtype or maintype == "multipart":
            maintype, subtype = "application", "octet-stream"
        mail.add_attachment(content, maintype=maintype, subtype=subtype, filename=clean_header(filename) or "file")
    return mail


def reply_subject(subject: str) -> str:
    """The customer's subject after "Re: ", without piling up prefixes."""
    subject = clean_header(subject)
    if not subject:
        return "Re: your message"
    return subject if _REPLY_PREFIX.match(subject) else f"Re: {subject}"


def _bare(message_id: str) -> str:
    # Ids come from untrusted mail: no whitespace or brackets may break the header.
    return _ID_UNSAFE.sub("", message_id)
