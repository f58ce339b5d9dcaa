"""The mail test harness: a real Dovecot from devstack.dovecot, and the SMTP sink fixture."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import pytest
from aioimaplib import IMAP4

from devstack.dovecot import DovecotUnavailable, LocalDovecot
from devstack.ports import free_port
from tests.mail_servers import MailUser, SmtpSink

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

WAIT_S = 10.0


def mail(number: int, subject: str = "hello") -> bytes:
    return (
        f"From: sender@example.com\r\nTo: user@example.com\r\nSubject: {subject} {number}\r\n"
        f"Message-ID: <{number}.{time.monotonic_ns()}@example.com>\r\n\r\nbody {number}\r\n"
    ).encode()


@asynccontextmanager
async def imap(host: str, port: int, user: str, password: str) -> AsyncIterator[IMAP4]:
    client = IMAP4(host=host, port=port, timeout=WAIT_S)
    await client.wait_hello_from_server()
    response = await client.login(user, password)
    assert response.result == "OK", response
    try:
        yield client
    finally:
        await client.logout()


async def select(client: IMAP4, folder: str = "INBOX") -> int:
    """SELECT ``folder``; its UIDVALIDITY."""
    response = await client.select(folder)
    assert response.result == "OK", response
    for line in response.lines:
        match = re.search(rb"\[UIDVALIDITY (\d+)\]", bytes(line))
        if match:
            return int(match.group(1))
    raise AssertionError(f"no UIDVALIDITY in {response.lines!r}")


async def uids(client: IMAP4) -> list[int]:
    response = await client.uid_search("ALL")
    assert response.result == "OK", response
    return [int(uid) for uid in bytes(response.lines[0]).split()]


@pytest.fixture
def own_dovecot(tmp_path: Path) -> Iterator[LocalDovecot]:
    """A second Dovecot, next to the session's, for tests that restart or reconfigure it."""
    server = LocalDovecot(tmp_path / "dovecot", free_port())
    server.add_user("ana", "ana-secret")
    try:
        yield server
    finally:
        server.stop()


def test_fresh_user_logs_in_and_selects_an_empty_inbox(mail_user: MailUser) -> None:
    async def scenario() -> list[int]:
        async with imap(mail_user.host, mail_user.port, mail_user.name, mail_user.password) as client:
            await select(client)
            return await uids(client)

    assert asyncio.run(scenario()) == []


def test_wrong_password_is_refused(mail_user: MailUser) -> None:
    async def scenario() -> str:
        client = IMAP4(host=mail_user.host, port=mail_user.port, timeout=WAIT_S)
        await client.wait_hello_from_server()
        response = await client.login(mail_user.name, "not-the-password")
        await client.logout()
        result: str = response.result
        return result

    assert asyncio.run(scenario()) == "NO"


def test_put_mails_are_seen_by_uid_search(dovecot: LocalDovecot, mail_user: MailUser) -> None:
    assert dovecot.put_mails(mail_user.name, "INBOX", [mail(1), mail(2), mail(3)]) == 3

    async def scenario() -> tuple[list[int], bytes]:
        async with imap(mail_user.host, mail_user.port, mail_user.name, mail_user.password) as client:
            await select(client)
            found = await uids(client)
            fetched = await client.uid("fetch", str(found[-1]), "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            return found, b"".join(bytes(line) for line in fetched.lines)

    found, last = asyncio.run(scenario())
    assert found == [1, 2, 3]
    assert b"Subject: hello 3" in last, "mails keep the order they were given in"


def test_put_mails_creates_a_missing_folder(dovecot: LocalDovecot, mail_user: MailUser) -> None:
    assert dovecot.put_mails(mail_user.name, "Archive/2024", [mail(1), mail(2)]) == 2

    async def scenario() -> list[int]:
        async with imap(mail_user.host, mail_user.port, mail_user.name, mail_user.password) as client:
            await select(client, "Archive/2024")
            return await uids(client)

    assert asyncio.run(scenario()) == [1, 2]


def test_idle_client_is_told_about_new_mail(dovecot: LocalDovecot, mail_user: MailUser) -> None:
    async def scenario() -> float:
        async with imap(mail_user.host, mail_user.port, mail_user.name, mail_user.password) as client:
            assert client.has_capability("IDLE")
            await select(client)
            idle = await client.idle_start(timeout=WAIT_S)
            started = time.monotonic()
            await asyncio.to_thread(dovecot.put_mails, mail_user.name, "INBOX", [mail(1)])
            pushed: list[bytes] = []
            while not any(line.endswith(b"EXISTS") for line in pushed):
                pushed = [bytes(line) for line in await client.wait_server_push(timeout=WAIT_S)]
            took = time.monotonic() - started
            client.idle_done()
            await asyncio.wait_for(idle, WAIT_S)
            assert b"1 EXISTS" in pushed
            return took

    took = asyncio.run(scenario())
    print(f"IDLE push after put_mails took {took:.3f}s")
    assert took < 3.0


def test_restart_keeps_mail_and_uidvalidity(own_dovecot: LocalDovecot) -> None:
    own_dovecot.start()
    own_dovecot.put_mails("ana", "INBOX", [mail(1), mail(2)])

    async def look() -> tuple[int, list[int]]:
        async with imap(own_dovecot.host, own_dovecot.port, "ana", "ana-secret") as client:
            validity = await select(client)
            return validity, await uids(client)

    before = asyncio.run(look())
    own_dovecot.restart()
    assert asyncio.run(look()) == before == (own_dovecot.uidvalidity("ana", "INBOX"), [1, 2])


def test_stop_closes_the_port_and_start_comes_back(own_dovecot: LocalDovecot) -> None:
    own_dovecot.start()
    own_dovecot.stop()
    with pytest.raises(OSError), socket.create_connection((own_dovecot.host, own_dovecot.port), timeout=1.0):
        pass
    own_dovecot.add_user("bo", "bo-secret")
    own_dovecot.start()

    async def login() -> None:
        async with imap(own_dovecot.host, own_dovecot.port, "bo", "bo-secret") as client:
            await select(client)

    asyncio.run(login())


def test_change_uidvalidity_keeps_the_mails(dovecot: LocalDovecot, mail_user: MailUser) -> None:
    dovecot.put_mails(mail_user.name, "INBOX", [mail(n) for n in range(4)])

    async def look() -> tuple[int, int]:
        async with imap(mail_user.host, mail_user.port, mail_user.name, mail_user.password) as client:
            validity = await select(client)
            return validity, len(await uids(client))

    before, count_before = asyncio.run(look())
    new = dovecot.change_uidvalidity(mail_user.name, "INBOX")
    after, count_after = asyncio.run(look())
    assert new == after != before
    assert count_after == count_before == 4


def test_without_idle_the_server_does_not_advertise_it(tmp_path: Path) -> None:
    plain = LocalDovecot(tmp_path / "no-idle", free_port(), idle=False)
    plain.add_user("cy", "cy-secret")
    with plain:

        async def capabilities() -> tuple[bool, bool, bool]:
            async with imap(plain.host, plain.port, "cy", "cy-secret") as client:
                await client.protocol.capability()
                return (
                    client.has_capability("IDLE"),
                    client.has_capability("UIDPLUS"),
                    client.has_capability("THREAD=REFERENCES"),
                )

        assert asyncio.run(capabilities()) == (False, True, True)


def test_session_server_advertises_what_clients_rely_on(mail_user: MailUser) -> None:
    async def capabilities() -> set[str]:
        async with imap(mail_user.host, mail_user.port, mail_user.name, mail_user.password) as client:
            await client.protocol.capability()
            return set(client.protocol.capabilities)

    assert {"IDLE", "UIDPLUS", "THREAD=REFERENCES"} <= asyncio.run(capabilities())


def test_start_fails_with_the_log_tail_when_the_port_is_taken(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = LocalDovecot(tmp_path / "dovecot", taken.getsockname()[1])
        with pytest.raises(DovecotUnavailable, match="Address already in use"):
            server.start(timeout=WAIT_S)
    assert not server.running


def test_put_mails_of_five_thousand(dovecot: LocalDovecot, mail_user: MailUser) -> None:
    raws = [mail(n, "bulk") for n in range(5_000)]
    started = time.monotonic()
    assert dovecot.put_mails(mail_user.name, "Bulk", raws) == 5_000
    took = time.monotonic() - started
    print(f"put_mails of 5,000 mails took {took:.3f}s")

    async def count() -> int:
        async with imap(mail_user.host, mail_user.port, mail_user.name, mail_user.password) as client:
            await select(client, "Bulk")
            return len(await uids(client))

    started = time.monotonic()
    assert asyncio.run(count()) == 5_000
    print(f"first SELECT + UID SEARCH of them took {time.monotonic() - started:.3f}s")
    assert took < 30.0


def test_smtp_sink_records_and_fails_on_request(smtp_sink: SmtpSink) -> None:
    message = EmailMessage()
    message["From"] = "agent@example.com"
    message["To"] = "lead@example.com"
    message["Subject"] = "hi"
    message.set_content("hello there")

    async def send() -> None:
        await aiosmtplib.send(message, hostname=smtp_sink.host, port=smtp_sink.port, timeout=WAIT_S)

    asyncio.run(send())
    [received] = smtp_sink.wait_for(1, WAIT_S)
    assert received.sender == "agent@example.com"
    assert received.recipients == ("lead@example.com",)
    assert b"Subject: hi" in received.raw

    smtp_sink.fail_next(1, "451 4.3.0 try again later")
    with pytest.raises(aiosmtplib.SMTPResponseException) as failed:
        asyncio.run(send())
    assert failed.value.code == 451
    assert len(smtp_sink.messages) == 1

    asyncio.run(send())
    assert len(smtp_sink.wait_for(2, WAIT_S)) == 2


def test_smtp_sink_wait_for_times_out(smtp_sink: SmtpSink) -> None:
    with pytest.raises(TimeoutError):
        smtp_sink.wait_for(1, 0.2)
