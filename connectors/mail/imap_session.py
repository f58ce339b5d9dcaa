"""One IMAP connection to one folder, over aioimaplib, with every wait bounded.

aioimaplib is untyped and answers with raw response lines; this module turns
them into typed values and turns every failure into ``ImapFailure``, so the
watcher only decides what to do next.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

import aioimaplib
import structlog

_UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d+)\]")
_UIDNEXT = re.compile(rb"\[UIDNEXT (\d+)\]")
_EXISTS = re.compile(rb"^(\d+) EXISTS$")
_FETCH_UID = re.compile(rb"\bUID (\d+)")
_FETCH_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_LITERAL = re.compile(rb"\{(\d+)\}$")
_NUMBERS = re.compile(rb"(?:SEARCH)?[\d ]*")
_FETCH_START = re.compile(rb"^\d+ FETCH ")
# A part's transfer encoding is one of a few tokens, quoted, in BODYSTRUCTURE.
log = structlog.get_logger()
_ENCODING = re.compile(rb'"(7BIT|8BIT|BINARY|BASE64|QUOTED-PRINTABLE)"', re.IGNORECASE)
_PART_ENCODING = re.compile(rb'(?:NIL|"[^"]*") (?:NIL|"[^"]*") (?:NIL|"([^"]*)") \d+')
MIN_TRANSFER_BYTES_PER_SECOND = 64 * 1024  # a link slower than this is taken for a stall
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class ImapFailure(Exception):
    """The server refused a command, did not answer in time, or the connection ended."""


@dataclass(frozen=True)
class FolderState:
    """What SELECT tells about a folder."""

    uidvalidity: int
    uidnext: int | None
    exists: int


@dataclass(frozen=True)
class FetchedMail:
    """One mail's bytes with its UID."""

    uid: int
    raw: bytes


def fetch_items(capabilities: set[str] | frozenset[str]) -> str:
    """What to FETCH for a whole mail that has a part in binary transfer encoding.

    ``BODY[]`` is an IMAP string, which cannot carry NUL: Dovecot turns it into 0x80. ``BINARY[]``
    (RFC 3516, where offered) comes as a literal8 and carries every byte.
    """
    return "(UID BINARY.PEEK[])" if "BINARY" in capabilities else "(UID BODY.PEEK[])"


def needs_binary(bodystructure: bytes) -> bool:
    """Whether a mail, by its BODYSTRUCTURE, is fetched exactly only with BINARY[].

    Only a part in binary transfer encoding may carry NUL, and only such mails are asked for with
    BINARY[]. A server converts every base64 or quoted-printable part of a BINARY[] answer to binary
    (the mail would no longer be the one stored), and Dovecot ends the connection when such a part does
    not decode: a mail with any other encoding in any part is always fetched with BODY[].
    """
    # Every basic part's encoding, known or not, stands before its size: "id" "description" "ENC" size.
    # Any encoding but these (base64, quoted-printable, or one the server does not know, which RFC 3516
    # answers with NO [UNKNOWN-CTE]) would make BINARY[] fail or change the mail.
    every = [e.upper() for e in _PART_ENCODING.findall(bodystructure)]
    known = _ENCODING.findall(bodystructure)
    return b"BINARY" in every and len(every) == len(known) and set(every) <= {b"7BIT", b"8BIT", b"BINARY"}


class ImapSession:
    """A logged-in connection with one folder selected."""

    def __init__(self, host: str, port: int, *, tls: bool, timeout: float, binary: bool = True) -> None:
        """``binary=False`` fetches with BODY.PEEK[] even where BINARY is offered (a server whose BINARY is broken)."""
        self._host, self._port, self._tls, self._timeout = host, port, tls, timeout
        self._binary = binary
        self._imap: Any = None
        self.lost = asyncio.Event()  # set when the server closes the connection or it breaks

    async def open(self, username: str, password: str, folder: str) -> FolderState:
        """Connect, log in and select ``folder``."""
        factory = aioimaplib.IMAP4_SSL if self._tls else aioimaplib.IMAP4
        try:
            self._imap = factory(self._host, self._port, timeout=self._timeout, conn_lost_cb=self._on_lost)
            await self._imap.wait_hello_from_server()
        except (OSError, TimeoutError) as error:
            msg = f"cannot connect to {self._host}:{self._port}: {_describe(error)}"
            raise ImapFailure(msg) from error
        login = await self._call(self._imap.login(username, password), "LOGIN")
        if login.result != "OK":
            msg = f"login refused for {username!r}: {_text(login.lines)}"
            raise ImapFailure(msg)
        # Servers name some capabilities (BINARY among them) only once logged in, and not always unasked.
        await self._call(self._imap.protocol.capability(), "CAPABILITY")
        selected = await self._call(self._imap.select(folder), "SELECT")
        if selected.result != "OK":
            msg = f"folder {folder!r} cannot be selected: {_text(selected.lines)}"
            raise ImapFailure(msg)
        return _folder_state(selected.lines)

    @property
    def capabilities(self) -> frozenset[str]:
        """What the server offers, as it said once logged in."""
        return frozenset(self._imap.protocol.capabilities) if self._imap is not None else frozenset()

    @property
    def fetches_exact_bytes(self) -> bool:
        """Whether mails with binary parts are fetched with BINARY.PEEK[], byte for byte."""
        return self._binary and "BINARY" in self.capabilities

    @property
    def can_idle(self) -> bool:
        """Whether the server offers IDLE."""
        return bool(self._imap is not None and self._imap.has_capability("IDLE"))

    async def uids_from(self, first_uid: int) -> list[int]:
        """UIDs of the mails at or after ``first_uid``, ascending."""
        # "n:*" always matches the newest mail, even when its UID is below n.
        return [uid for uid in await self._search("UID", f"{first_uid}:*") if uid >= first_uid]

    async def uids_since(self, day_month_year: tuple[int, int, int]) -> list[int]:
        """UIDs of the mails the server received on or after a day, ascending."""
        day, month, year = day_month_year
        return await self._search("SINCE", f"{day}-{_MONTHS[month - 1]}-{year}")

    async def sizes(self, uids: list[int]) -> dict[int, int]:
        """Each mail's size in bytes, without downloading it."""
        response = await self._uid_fetch(uids, "(UID RFC822.SIZE)")
        found = {}
        for line in response:
            if isinstance(line, bytes | bytearray):
                uid, size = _FETCH_UID.search(line), _FETCH_SIZE.search(line)
                if uid and size:
                    found[int(uid.group(1))] = int(size.group(1))
        return found

    async def fetch(self, uids: list[int], expected_bytes: int = 0) -> list[FetchedMail]:
        """The raw bytes of each mail, without marking it read.

        The time allowed grows with the bytes expected, so a large mail on a slow link is not
        taken for a stalled connection.
        """
        seconds = self._timeout + expected_bytes / MIN_TRANSFER_BYTES_PER_SECOND
        exact = await self._needing_binary(uids) if self.fetches_exact_bytes else set()
        try:
            binary = await self._fetch_whole([u for u in uids if u in exact], fetch_items(self.capabilities), seconds)
        except ImapFailure as refused:
            # A server that will not convert a part answers NO: such mail is read as stored instead.
            log.warning("mail_binary_fetch_refused", uids=sorted(exact), reason=str(refused))
            exact = set()
            binary = []
        mails = [
            *binary,
            *await self._fetch_whole([u for u in uids if u not in exact], fetch_items(frozenset()), seconds),
        ]
        return sorted(mails, key=lambda mail: mail.uid)

    async def _needing_binary(self, uids: list[int]) -> set[int]:
        """The UIDs whose mails have a part in binary transfer encoding and none base64 or quoted-printable."""
        response = await self._uid_fetch(uids, "(UID BODYSTRUCTURE)")
        answers: list[bytes] = []
        for item in response[:-1]:  # the last line is the status text
            line = bytes(item)
            if _FETCH_START.match(line) or not answers:
                answers.append(line)
            else:
                answers[-1] += line  # a literal inside the structure, or what follows it
        found = set()
        for answer in answers:
            uid = _FETCH_UID.search(answer)
            if uid and needs_binary(answer):
                found.add(int(uid.group(1)))
        return found

    async def _fetch_whole(self, uids: list[int], items: str, seconds: float) -> list[FetchedMail]:
        response = await self._uid_fetch(uids, items, seconds)
        mails = []
        pending_uid: int | None = None
        expecting_literal = False
        for item in response:
            if expecting_literal and isinstance(item, bytearray):
                if pending_uid is not None:
                    mails.append(FetchedMail(pending_uid, bytes(item)))
                expecting_literal = False
                continue
            line = bytes(item)
            uid = _FETCH_UID.search(line)
            if b" FETCH " in line and _LITERAL.search(line):
                pending_uid = int(uid.group(1)) if uid else None
                expecting_literal = True
            elif uid and mails and pending_uid is None:
                # A server may name the UID after the literal: ")" lines such as " UID 7)".
                mails[-1] = FetchedMail(int(uid.group(1)), mails[-1].raw)
        return mails

    async def wait_for_news(self, idle_seconds: float) -> bool:
        """IDLE until the server announces new mail or ``idle_seconds`` pass; True if mail arrived."""
        try:
            idle = await asyncio.wait_for(self._imap.idle_start(timeout=idle_seconds), self._timeout)
        except (TimeoutError, aioimaplib.Abort, OSError) as error:
            msg = f"IDLE failed: {_describe(error)}"
            raise ImapFailure(msg) from error
        arrived = False
        try:
            while not arrived:
                pushed = await self._race(self._imap.wait_server_push(timeout=idle_seconds + self._timeout), "IDLE")
                if pushed == aioimaplib.STOP_WAIT_SERVER_PUSH:
                    break
                arrived = any(_EXISTS.match(bytes(line)) for line in pushed if isinstance(line, bytes | bytearray))
        finally:
            if self._imap.has_pending_idle():
                self._imap.idle_done()
        await self._call(asyncio.shield(idle), "DONE")
        return arrived

    async def noop(self) -> None:
        """Ask the server for a sign of life; ImapFailure if none comes within the timeout."""
        response = await self._call(self._imap.noop(), "NOOP")
        if response.result != "OK":
            msg = f"NOOP refused: {_text(response.lines)}"
            raise ImapFailure(msg)

    async def close(self) -> None:
        """Log out, or drop the connection if the server does not answer."""
        if self._imap is None:
            return
        try:
            await asyncio.wait_for(self._imap.logout(), self._timeout)
        except Exception:  # noqa: BLE001 - a dead connection is closed either way
            transport = getattr(self._imap.protocol, "transport", None)
            if transport is not None:
                transport.close()

    async def _search(self, *criteria: str) -> list[int]:
        response = await self._call(self._imap.uid_search(*criteria, charset=None), "SEARCH")
        if response.result != "OK":
            msg = f"SEARCH refused: {_text(response.lines)}"
            raise ImapFailure(msg)
        uids: list[int] = []
        # aioimaplib strips "* SEARCH": the untagged lines are bare numbers; the last line is the status text.
        for line in response.lines[:-1]:
            if isinstance(line, bytes | bytearray) and _NUMBERS.fullmatch(line):
                uids.extend(int(word) for word in line.split() if word.isdigit())
        return sorted(uids)

    async def _uid_fetch(self, uids: list[int], items: str, seconds: float | None = None) -> list[Any]:
        if not uids:
            return []
        response = await self._call(self._imap.uid("fetch", ",".join(map(str, uids)), items), "FETCH", seconds)
        if response.result != "OK":
            msg = f"FETCH refused: {_text(response.lines)}"
            raise ImapFailure(msg)
        return list(response.lines)

    async def _call(self, awaitable: Any, command: str, seconds: float | None = None) -> Any:  # noqa: ANN401 - aioimaplib is untyped
        return await self._race(asyncio.wait_for(awaitable, seconds or self._timeout), command)

    async def _race(self, awaitable: Any, command: str) -> Any:  # noqa: ANN401 - aioimaplib is untyped
        """Await ``awaitable`` unless the connection is lost first."""
        task = asyncio.ensure_future(awaitable)
        lost = asyncio.ensure_future(self.lost.wait())
        try:
            await asyncio.wait({task, lost}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            lost.cancel()
        if not task.done():
            task.cancel()
            msg = f"connection lost during {command}"
            raise ImapFailure(msg)
        try:
            return task.result()
        except (TimeoutError, OSError, aioimaplib.Abort, aioimaplib.CommandTimeout) as error:
            msg = f"{command} failed: {_describe(error)}"
            raise ImapFailure(msg) from error

    def _on_lost(self, _: Exception | None) -> None:
        self.lost.set()


def _folder_state(lines: list[Any]) -> FolderState:
    uidvalidity = uidnext = None
    exists = 0
    for item in lines:
        line = bytes(item) if isinstance(item, bytes | bytearray) else b""
        if found := _UIDVALIDITY.search(line):
            uidvalidity = int(found.group(1))
        if found := _UIDNEXT.search(line):
            uidnext = int(found.group(1))
        if found := _EXISTS.match(line):
            exists = int(found.group(1))
    if uidvalidity is None:
        msg = "the server did not report UIDVALIDITY: UIDs cannot be trusted"
        raise ImapFailure(msg)
    return FolderState(uidvalidity=uidvalidity, uidnext=uidnext, exists=exists)


def _text(lines: list[Any]) -> str:
    return " ".join(bytes(line).decode("utf-8", "replace") for line in lines if isinstance(line, bytes | bytearray))[
        :300
    ]


def _describe(error: BaseException) -> str:
    return str(error) or type(error).__name__
