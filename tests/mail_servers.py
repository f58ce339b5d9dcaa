"""Mail server fixtures: a real Dovecot IMAP server and an SMTP sink that records what it accepts."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from pydantic import SecretStr

from devstack.dovecot import LocalDovecot
from devstack.ports import free_port
from services.settings import MailboxSettings, Settings


@dataclass(frozen=True)
class MailUser:
    """A mailbox on the session's Dovecot, with what a client needs to log in."""

    name: str
    password: str
    host: str
    port: int


@dataclass(frozen=True)
class SinkMessage:
    """One message the SMTP sink accepted."""

    sender: str
    recipients: tuple[str, ...]
    raw: bytes


@dataclass
class SmtpSink:
    """An SMTP server on ``host:port`` that keeps every accepted message in ``messages``."""

    host: str
    port: int
    messages: list[SinkMessage] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition, repr=False)
    _failures: list[str] = field(default_factory=list, repr=False)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[SinkMessage]:
        """The accepted messages once there are at least ``count``; TimeoutError if not within ``timeout``."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.messages) >= count, timeout):
                raise TimeoutError(f"the SMTP sink got {len(self.messages)} messages, not {count}, in {timeout}s")
            return list(self.messages)

    def fail_next(self, n: int, code: str) -> None:
        """Answer the next ``n`` DATA commands with ``code`` (e.g. ``"451 4.3.0 try again later"``)."""
        with self._changed:
            self._failures.extend([code] * n)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        with self._changed:
            if self._failures:
                return self._failures.pop(0)
            raw = envelope.original_content or envelope.content or b""
            self.messages.append(
                SinkMessage(
                    sender=envelope.mail_from or "",
                    recipients=tuple(envelope.rcpt_tos),
                    raw=raw if isinstance(raw, bytes) else raw.encode(),
                )
            )
            self._changed.notify_all()
        return "250 2.0.0 OK"


def with_mailbox(settings: Settings, user: MailUser, **overrides: Any) -> Settings:
    """``settings`` with one mailbox, "sales", reading the user's INBOX over plain IMAP; fields can be changed."""
    fields: dict[str, Any] = {
        "name": "sales",
        "address": "sales@shop.example",
        "imap_host": user.host,
        "imap_port": user.port,
        "imap_tls": False,
        "username": user.name,
        "password": SecretStr(user.password),
        "collect_days": 3650,
    }
    mailbox = MailboxSettings(**(fields | overrides))
    return settings.model_copy(update={"mailboxes": [mailbox], "mail_command_timeout": 5.0})


@pytest.fixture(scope="session")
def dovecot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalDovecot]:
    """A throwaway Dovecot IMAP server for the whole session."""
    server = LocalDovecot(tmp_path_factory.mktemp("dovecot"), free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_user(dovecot: LocalDovecot) -> MailUser:
    """A fresh user with an empty INBOX on the session's Dovecot."""
    user = MailUser(
        name=f"u{secrets.token_hex(6)}",
        password=secrets.token_urlsafe(12),
        host=dovecot.host,
        port=dovecot.port,
    )
    dovecot.add_user(user.name, user.password)
    return user


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """An SMTP server on 127.0.0.1 that records what it accepts and fails on request."""
    sink = SmtpSink(host="127.0.0.1", port=free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port, server_hostname="sink.test")
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
