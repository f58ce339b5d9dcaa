"""A throwaway Dovecot IMAP server with its own configuration, users and Maildirs in one directory.

Listens on 127.0.0.1 only, allows plaintext logins without TLS, keeps users in
passwd-files and mail in Maildir++ folders under the directory. Nothing outside
the directory is read or written besides the Dovecot binaries, and the system's
own Dovecot service is left alone.

The whole server (master, login, auth and mail processes) runs as one
unprivileged user: the current user, or ``switchboard-mail`` when started by
root, since Dovecot refuses mail access as UID 0.

Typical use::

    with LocalDovecot(tmp_path / "dovecot", free_port()) as dovecot:
        dovecot.add_user("ana", "secret")
        dovecot.put_mails("ana", "INBOX", raw_mails)
        ...  # an IMAP client logs in as ana/secret on dovecot.host:dovecot.port
"""

from __future__ import annotations

import base64
import contextlib
import grp
import hashlib
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Self

SERVICE_USER = "switchboard-mail"
DOVECOT = "/usr/sbin/dovecot"
DOVEADM = "/usr/bin/doveadm"

_HOST = "127.0.0.1"
_START_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 30.0
_COMMAND_TIMEOUT_S = 60.0
_POLL_INTERVAL_S = 0.05
_SOCKET_PATH_MAX = 107  # bytes of a unix socket path, its terminating NUL aside
_DEEPEST_SOCKET = len("/token-login/imap-urlauth")
_LOG_TAIL_CHARS = 3000
_USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]*")

# What Dovecot 2.3 advertises after login with this configuration. ``imap_capability``
# replaces the list as a whole, so leaving one capability out means naming all the others.
_CAPABILITIES = (
    "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS "
    "THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS "
    "LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH "
    "LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+"
)


class DovecotUnavailable(RuntimeError):
    """The local Dovecot could not be started, stopped or asked about its mail."""


class LocalDovecot:
    """One Dovecot instance in ``directory`` serving IMAP on ``127.0.0.1:port``.

    With ``idle=False`` the server does not advertise IDLE, so clients fall back to polling.
    """

    host = _HOST

    def __init__(self, directory: Path, port: int, *, idle: bool = True) -> None:
        self.directory = directory
        self.port = port
        self.idle = idle
        self._as_other_user = os.geteuid() == 0
        self._user = _service_user() if self._as_other_user else pwd.getpwuid(os.geteuid()).pw_name
        self._account = pwd.getpwnam(self._user)
        # Started by root, every Dovecot and doveadm process runs as the service user instead.
        self._run_uid = self._account.pw_uid if self._as_other_user else None
        self._run_gid = self._account.pw_gid if self._as_other_user else None
        self._run_groups: list[int] | None = [] if self._as_other_user else None
        self._greeting = f"switchboard-dovecot-{secrets.token_hex(6)} ready"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        """Dovecot's log file (also receives the master's own output)."""
        return self.directory / "dovecot.log"

    @property
    def config_path(self) -> Path:
        """The generated ``dovecot.conf``."""
        return self.directory / "dovecot.conf"

    @property
    def users_dir(self) -> Path:
        """One passwd-file per user, named after it, with its plaintext password."""
        return self.directory / "users"

    @property
    def mail_dir(self) -> Path:
        """The directory holding one home directory (with its ``Maildir``) per user."""
        return self.directory / "mail"

    @property
    def running(self) -> bool:
        """Whether the master process started by :meth:`start` is alive."""
        return self._process is not None and self._process.poll() is None

    def add_user(self, name: str, password: str) -> None:
        """Add a user (or change its password), running or not; a new user can log in at once."""
        if not _USER_NAME.fullmatch(name):
            raise ValueError(f"unsupported user name {name!r}")
        if any(char in password for char in ":\r\n\0"):
            raise ValueError("passwords may not contain ':', line breaks or NUL")
        self._prepare_directory()
        staged = self.users_dir / f".{name}.{secrets.token_hex(4)}"
        staged.write_text(f"{name}:{{PLAIN}}{password}::::::\n")
        staged.chmod(0o600)
        self._chown(staged)
        staged.replace(self.users_dir / name)
        self._make_dir(self.mail_dir / name)

    def start(self, timeout: float = _START_TIMEOUT_S) -> None:
        """Start the server and return once the port answers with this instance's IMAP greeting."""
        if self.running:
            return
        self._prepare_directory()
        self.config_path.write_text(self._config())
        self._chown(self.config_path)
        log_offset = self.log_path.stat().st_size
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [DOVECOT, "-F", "-c", str(self.config_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.directory,
                start_new_session=True,
                user=self._run_uid,
                group=self._run_gid,
                extra_groups=self._run_groups,
            )
        deadline = time.monotonic() + timeout
        while not self._greets():
            if self._process.poll() is not None:
                self._process = None
                raise DovecotUnavailable(f"dovecot exited while starting\n{self._log_tail(log_offset)}")
            if time.monotonic() > deadline:
                self.stop()
                raise DovecotUnavailable(
                    f"dovecot did not greet on {_HOST}:{self.port} within {timeout:.0f}s\n{self._log_tail(log_offset)}"
                )
            time.sleep(_POLL_INTERVAL_S)

    def stop(self, timeout: float = _STOP_TIMEOUT_S) -> None:
        """Stop the server; returns once its processes are gone and the port is closed."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        # Mail processes can outlive the master by seconds; a stopped server drops its clients at once.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while self._port_open():
            if time.monotonic() > deadline:
                raise DovecotUnavailable(
                    f"{_HOST}:{self.port} still accepts connections after stop\n{self._log_tail()}"
                )
            time.sleep(_POLL_INTERVAL_S)

    def restart(self) -> None:
        """Stop and start again on the same port, with the same users and mail."""
        self.stop()
        self.start()

    def folder_path(self, user: str, folder: str) -> Path:
        """The Maildir++ directory of ``folder`` (``INBOX`` or a ``/``-separated name) of ``user``."""
        root = self.mail_dir / user / "Maildir"
        if folder.upper() == "INBOX":
            return root
        parts = folder.split("/")
        if not all(parts) or any("." in part or part.startswith("~") for part in parts):
            raise ValueError(f"unsupported folder name {folder!r}")
        return root / ("." + ".".join(_mutf7(part) for part in parts))

    def create_folder(self, user: str, folder: str) -> None:
        """Create ``folder`` for ``user`` (and the Maildir itself) if missing."""
        self._require_user(user)
        root = self.mail_dir / user / "Maildir"
        for path in dict.fromkeys((root, self.folder_path(user, folder))):
            self._make_dir(path)
            for sub in ("cur", "new", "tmp"):
                self._make_dir(path / sub)
            if path != root and not (path / "maildirfolder").exists():
                (path / "maildirfolder").touch()
                self._chown(path / "maildirfolder")

    def put_mails(self, user: str, folder: str, raws: Iterable[bytes]) -> int:
        """Deliver raw RFC 5322 mails into ``folder`` as new mail, in order; returns how many.

        The files are written straight into the Maildir (``tmp/`` then renamed into
        ``new/``), the way a local delivery agent does, so thousands take well under
        a second and an idling client is told about them by Dovecot.
        """
        self.create_folder(user, folder)
        path = self.folder_path(user, folder)
        now = time.time()
        stamp = f"{int(now)}.M{int(now % 1 * 1_000_000):06d}P{os.getpid()}"
        hostname = socket.gethostname().replace("/", "\\057").replace(":", "\\072")
        owner = (self._account.pw_uid, self._account.pw_gid) if self._as_other_user else None
        count = 0
        for count, raw in enumerate(raws, start=1):
            name = f"{stamp}Q{count:07d}_{secrets.token_hex(4)}.{hostname},S={len(raw)}"
            staged = path / "tmp" / name
            fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                if owner is not None:
                    os.fchown(fd, *owner)
                view = memoryview(raw)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
            staged.rename(path / "new" / name)
        return count

    def uidvalidity(self, user: str, folder: str) -> int:
        """The folder's current UIDVALIDITY, as Dovecot reports it."""
        output = self._doveadm("-f", "flow", "mailbox", "status", "-u", user, "uidvalidity", folder)
        match = re.search(r"uidvalidity=(\d+)", output)
        if match is None:
            raise DovecotUnavailable(f"unexpected doveadm output: {output!r}")
        return int(match.group(1))

    def change_uidvalidity(self, user: str, folder: str) -> int:
        """Give the folder a new, higher UIDVALIDITY, keeping its mails; returns the new value."""
        wanted = max(self.uidvalidity(user, folder) + 1, int(time.time()))
        self._doveadm("mailbox", "update", "-u", user, "--uid-validity", str(wanted), folder)
        current = self.uidvalidity(user, folder)
        if current != wanted:
            raise DovecotUnavailable(f"UIDVALIDITY of {folder!r} is {current}, not the {wanted} just set")
        return current

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"LocalDovecot({str(self.directory)!r}, {self.port}, idle={self.idle})"

    def _config(self) -> str:
        run_dir, state_dir = self._run_dir, self.directory / "state"
        capability = "" if self.idle else f"imap_capability = {_CAPABILITIES.replace(' IDLE ', ' ')}\n"
        return f"""\
# Generated by devstack.dovecot for one throwaway instance; rewritten on every start.
instance_name = switchboard-dovecot-{self.port}
base_dir = {run_dir}
state_dir = {state_dir}
log_path = {self.log_path}
info_log_path = {self.log_path}
debug_log_path = {self.log_path}
protocols = imap
listen = {_HOST}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
auth_verbose = yes
login_greeting = {self._greeting}
default_internal_user = {self._user}
default_internal_group = {_group_name(self._account.pw_gid)}
default_login_user = {self._user}
mail_uid = {self._account.pw_uid}
mail_gid = {self._account.pw_gid}
first_valid_uid = {self._account.pw_uid}
last_valid_uid = {self._account.pw_uid}
first_valid_gid = {self._account.pw_gid}
last_valid_gid = {self._account.pw_gid}
mail_privileged_group =
mail_location = maildir:~/Maildir
mailbox_list_index = no
mailbox_idle_check_interval = 1 secs
mail_fsync = never
{capability}
namespace inbox {{
  inbox = yes
  separator = /
}}

# One file per user: Dovecot re-reads a changed passwd-file at most once a second, so a
# single shared file would hide users added within a second of the last login.
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.users_dir}/%u
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {self.users_dir}/%u
  default_fields = home={self.mail_dir}/%u
}}

protocol imap {{
  mail_max_userip_connections = 1000
}}

service imap-login {{
  chroot =
  inet_listener imap {{
    address = {_HOST}
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
  # An unusable socket turns the auth penalty off, which would otherwise delay every
  # login from 127.0.0.1 by seconds after one wrong password.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service auth-worker {{
  user = $default_internal_user
}}
"""

    def _prepare_directory(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._chown(self.directory)
        self.directory.chmod(0o700)
        if self._as_other_user:
            for parent in self.directory.parents:
                parent.chmod(parent.stat().st_mode | 0o011)
        for path in (self.directory / "state", self.mail_dir, self.users_dir):
            self._make_dir(path)
        # Dovecot insists on a world-readable base_dir; the sockets in it carry their own modes.
        self._make_dir(self._run_dir, 0o755)
        if not self.log_path.exists():
            self.log_path.touch(0o600)
            self._chown(self.log_path)

    @property
    def _run_dir(self) -> Path:
        """Where Dovecot's sockets go: inside the directory, or a short path of its own when that is too long.

        A unix socket's path holds at most 107 bytes, and Dovecot's deepest is 25 below its base_dir.
        """
        inside = self.directory / "run"
        if len(str(inside)) <= _SOCKET_PATH_MAX - _DEEPEST_SOCKET:
            return inside
        digest = hashlib.sha256(str(self.directory).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"dovecot-{digest}"

    def _make_dir(self, path: Path, mode: int = 0o700) -> None:
        try:
            path.mkdir()
        except FileExistsError:
            return  # made earlier, or by Dovecot itself at a first login
        path.chmod(mode)
        self._chown(path)

    def _chown(self, path: Path) -> None:
        if self._as_other_user:
            shutil.chown(path, self._user, self._account.pw_gid)

    def _require_user(self, user: str) -> None:
        if not (self.mail_dir / user).is_dir():
            raise ValueError(f"no such mail user {user!r}; add_user() first")

    def _doveadm(self, *args: str) -> str:
        if not self.running:
            raise DovecotUnavailable("doveadm needs the server running; call start() first")
        try:
            done = subprocess.run(
                [DOVEADM, "-c", str(self.config_path), *args],
                check=True,
                capture_output=True,
                text=True,
                timeout=_COMMAND_TIMEOUT_S,
                stdin=subprocess.DEVNULL,
                cwd=self.directory,
                user=self._run_uid,
                group=self._run_gid,
                extra_groups=self._run_groups,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            stderr = getattr(error, "stderr", "") or ""
            raise DovecotUnavailable(
                f"doveadm {' '.join(args)} failed: {stderr.strip()}\n{self._log_tail()}"
            ) from error
        return done.stdout

    def _greets(self) -> bool:
        try:
            with socket.create_connection((_HOST, self.port), timeout=1.0) as sock:
                greeting = sock.recv(4096)
        except OSError:
            return False
        return greeting.startswith(b"* OK") and self._greeting.encode() in greeting

    def _port_open(self) -> bool:
        try:
            with socket.create_connection((_HOST, self.port), timeout=1.0):
                return True
        except OSError:
            return False

    def _log_tail(self, offset: int = 0) -> str:
        try:
            with self.log_path.open("rb") as log:
                log.seek(offset)
                text = log.read().decode(errors="replace")
        except OSError:
            return ""
        return text[-_LOG_TAIL_CHARS:]


def _mutf7(name: str) -> str:
    """``name`` in IMAP's modified UTF-7 (RFC 3501 section 5.1.3), as Dovecot names Maildir++ folders."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).decode().rstrip("=")
            out.append("&" + encoded.replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if " " <= char <= "~":
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def _service_user() -> str:
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--user-group", SERVICE_USER], check=True)  # noqa: S607
    return SERVICE_USER
