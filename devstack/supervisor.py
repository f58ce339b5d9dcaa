"""Keeping ``make run``'s services up: a service that exits is started again, after a growing pause.

The pause starts at ``Backoff.first`` and doubles with each exit in a row up to
``Backoff.longest``, so a service that crashes at once on every start idles
instead of spinning; a service that stayed up ``Backoff.healthy_after`` seconds
before it exited starts over at the first pause. Every exit and restart is said
in one line (``projections exited with status 1; restarting in 2 s``).
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

STOP_TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class Backoff:
    """How long to wait before starting an exited service again."""

    first: float = 1.0
    longest: float = 30.0
    healthy_after: float = 60.0

    def pause(self, exits_in_a_row: int) -> float:
        """The pause after the ``exits_in_a_row``-th exit without a healthy stretch in between."""
        return min(self.first * 2.0 ** max(exits_in_a_row - 1, 0), self.longest)


@dataclass
class _Service:
    name: str
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    exits_in_a_row: int = 0
    restart_at: float | None = None
    pauses: list[float] = field(default_factory=list)


def describe_exit(returncode: int) -> str:
    """``exited with status 1`` or ``was killed by SIGKILL``, as ops say it."""
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with status {returncode}"


class Supervisor:
    """Starts named services through ``start`` and restarts each one that exits, with backoff.

    ``check`` does one round (notice exits, start what is due); ``run`` repeats it until told to
    stop. Restarts are counted per service, and ``wait_for_restarts`` lets a caller wait on them.
    """

    def __init__(
        self,
        services: Iterable[str],
        start: Callable[[str], subprocess.Popen[bytes]],
        *,
        backoff: Backoff | None = None,
        say: Callable[[str], None] = print,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Describe the services; nothing starts until :meth:`start_all`."""
        self._services = {name: _Service(name) for name in services}
        self._start = start
        self._backoff = backoff or Backoff()
        self._say = say
        self._clock = clock
        self._changed = threading.Condition()
        self.restarts: Counter[str] = Counter()

    @property
    def processes(self) -> dict[str, subprocess.Popen[bytes]]:
        """The current process of every service that has one."""
        return {s.name: s.process for s in self._services.values() if s.process is not None}

    def pauses(self, service: str) -> list[float]:
        """The pauses chosen before each restart of ``service``, in order."""
        return list(self._services[service].pauses)

    def start_all(self) -> None:
        """Start every service."""
        for service in self._services.values():
            self._launch(service)

    def check(self) -> None:
        """Notice services that exited, say so, and start those whose pause is over."""
        now = self._clock()
        for service in self._services.values():
            process = service.process
            if process is not None and process.poll() is not None:
                self._exited(service, process.returncode, now)
            if service.restart_at is not None and now >= service.restart_at:
                self._launch(service)
                with self._changed:
                    self.restarts[service.name] += 1
                    self._changed.notify_all()
                pid = service.process.pid if service.process else "?"
                self._say(f"{service.name} restarted (pid {pid})")

    def run(self, stopping: threading.Event, interval: float = 0.2) -> None:
        """Check every ``interval`` seconds until ``stopping`` is set."""
        while not stopping.is_set():
            self.check()
            stopping.wait(interval)

    def wait_for_restarts(self, service: str, count: int, timeout: float) -> bool:
        """Wait until ``service`` was restarted ``count`` times in all; False if ``timeout`` passed first."""
        with self._changed:
            return self._changed.wait_for(lambda: self.restarts[service] >= count, timeout)

    def stop_all(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """SIGTERM every running service at once, then SIGKILL those still up after ``timeout``."""
        running = [s.process for s in self._services.values() if s.process and s.process.poll() is None]
        for service in self._services.values():
            service.restart_at = None
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in running:
            try:
                process.wait(max(deadline - time.monotonic(), 0.0))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _exited(self, service: _Service, returncode: int, now: float) -> None:
        if now - service.started_at >= self._backoff.healthy_after:
            service.exits_in_a_row = 0
        service.exits_in_a_row += 1
        pause = self._backoff.pause(service.exits_in_a_row)
        service.pauses.append(pause)
        service.process = None
        service.restart_at = now + pause
        self._say(f"{service.name} {describe_exit(returncode)}; restarting in {pause:g} s")

    def _launch(self, service: _Service) -> None:
        service.restart_at = None
        service.started_at = self._clock()
        service.process = self._start(service.name)


def supervise_until_stopped(
    supervisor: Supervisor,
    signals: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP),
    ready: Callable[[], None] | None = None,
) -> signal.Signals:
    """Supervise until one of ``signals`` arrives (Ctrl-C, ``kill``, a closed terminal), then stop every service.

    Call from the main thread (only it may set signal handlers); ``ready`` is called once they are
    set. Returns the signal that stopped it.
    """
    stopping = threading.Event()
    received: list[signal.Signals] = []

    def request_stop(signum: int, _frame: object) -> None:
        received.append(signal.Signals(signum))
        stopping.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in signals}
    try:
        if ready is not None:
            ready()
        supervisor.run(stopping)
    finally:
        supervisor.stop_all()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return received[0]
