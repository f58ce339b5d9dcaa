"""Handing a mail to an SMTP server, and knowing for sure whether it was handed over.

Before DATA nothing was sent, whatever happens; a negative answer to DATA means
the server did not take it. Only a connection that breaks while the message is
in flight leaves the outcome unknown: that case is reported as uncertain, so
the caller never sends the same reply twice.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Literal

import aiosmtplib

PERMANENT_CODES = range(500, 600)


class Handover(enum.StrEnum):
    """How handing a mail to the server ended."""

    ACCEPTED = "accepted"
    RETRY = "retry"  # not handed over; may be tried again
    REFUSED = "refused"  # the server refused it for good
    UNCERTAIN = "uncertain"  # the connection broke during DATA: it may have been taken


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to send."""

    host: str
    port: int
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0


@dataclass(frozen=True)
class HandoverResult:
    """The outcome, with the server's words."""

    handover: Handover
    detail: str


async def hand_over(
    server: SmtpServer,
    mail: EmailMessage,
    sender: str,
    recipient: str,
    before_data: Callable[[], Awaitable[None]] | None = None,
) -> HandoverResult:
    """Send one mail to one recipient; ``before_data`` runs when the server is about to receive it."""
    client = aiosmtplib.SMTP(
        hostname=server.host,
        port=server.port,
        use_tls=server.security == "tls",
        start_tls=server.security == "starttls",
        timeout=server.timeout,
    )
    in_data = False
    try:
        await client.connect()
        if server.username:
            await client.login(server.username, server.password)
        await client.mail(sender)
        await client.rcpt(recipient)
        if before_data is not None:
            await before_data()
        in_data = True
        response = await client.data(bytes(mail))
    except aiosmtplib.SMTPResponseException as refused:
        # The server answered: whatever the stage, it did not take the mail.
        kind = Handover.REFUSED if refused.code in PERMANENT_CODES else Handover.RETRY
        return HandoverResult(kind, f"{refused.code} {refused.message}")
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as broken:
        kind = Handover.UNCERTAIN if in_data else Handover.RETRY
        return HandoverResult(kind, f"{type(broken).__name__}: {broken}")
    except (UnicodeError, ValueError) as unsendable:
        # An address or header this server cannot carry (a non-ASCII address without SMTPUTF8): never will.
        kind = Handover.UNCERTAIN if in_data else Handover.REFUSED
        return HandoverResult(kind, f"cannot be sent: {type(unsendable).__name__}: {unsendable}")
    finally:
        if client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                client.close()
    return HandoverResult(Handover.ACCEPTED, f"{response.code} {response.message}")
