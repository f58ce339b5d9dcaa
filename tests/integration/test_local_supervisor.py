"""``make run``'s supervisor with real child processes: restarts with backoff, clean stops.

The children are tiny Python processes that exit, crash or hang on purpose; the tests
wait on the supervisor's restart counts (an event), never on a fixed sleep.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from devstack.supervisor import Backoff, Supervisor, describe_exit

pytestmark = pytest.mark.timeout(120)

REPO_ROOT = Path(__file__).resolve().parents[2]
WAIT = 60.0
PROGRAMS = {
    "crasher": "import sys; sys.exit(3)",
    "steady": "import time; time.sleep(600)",
    "short-lived": "import sys, time; time.sleep(0.3); sys.exit(1)",
    "stubborn": (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
        " print('ready', flush=True); time.sleep(600)"
    ),
}


def start(name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", PROGRAMS[name]], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)


@contextmanager
def supervising(supervisor: Supervisor) -> Iterator[None]:
    stopping = threading.Event()
    supervisor.start_all()
    loop = threading.Thread(target=supervisor.run, args=(stopping, 0.01))
    loop.start()
    try:
        yield
    finally:
        stopping.set()
        loop.join()
        supervisor.stop_all(timeout=5)


def said() -> tuple[list[str], Callable[[str], None]]:
    lines: list[str] = []
    return lines, lines.append


def test_a_service_that_keeps_exiting_is_restarted_with_doubling_pauses_while_others_keep_running() -> None:
    lines, say = said()
    supervisor = Supervisor(["crasher", "steady"], start, backoff=Backoff(0.05, 0.2, 60.0), say=say)
    with supervising(supervisor):
        steady = supervisor.processes["steady"].pid
        assert supervisor.wait_for_restarts("crasher", 4, WAIT), lines
        assert supervisor.processes["steady"].pid == steady
    assert supervisor.pauses("crasher")[:4] == [0.05, 0.1, 0.2, 0.2]
    assert supervisor.restarts["steady"] == 0
    assert "crasher exited with status 3; restarting in 0.05 s" in lines
    assert "crasher exited with status 3; restarting in 0.1 s" in lines
    assert any(line.startswith("crasher restarted (pid ") for line in lines)


def test_a_service_that_ran_long_enough_before_exiting_starts_over_at_the_first_pause() -> None:
    lines, say = said()
    supervisor = Supervisor(["short-lived"], start, backoff=Backoff(0.05, 5.0, healthy_after=0.2), say=say)
    with supervising(supervisor):
        assert supervisor.wait_for_restarts("short-lived", 3, WAIT), lines
    assert supervisor.pauses("short-lived")[:3] == [0.05, 0.05, 0.05]


def test_a_killed_service_is_named_with_its_signal_and_started_again() -> None:
    lines, say = said()
    supervisor = Supervisor(["steady"], start, backoff=Backoff(0.05, 0.2, 60.0), say=say)
    with supervising(supervisor):
        first = supervisor.processes["steady"]
        first.send_signal(signal.SIGKILL)
        assert supervisor.wait_for_restarts("steady", 1, WAIT), lines
        assert supervisor.processes["steady"].pid != first.pid
        assert supervisor.processes["steady"].poll() is None
    assert "steady was killed by SIGKILL; restarting in 0.05 s" in lines


def test_stopping_terminates_every_service_and_kills_one_that_ignores_sigterm() -> None:
    supervisor = Supervisor(["steady", "stubborn"], start, backoff=Backoff(0.05, 0.2, 60.0), say=lambda _: None)
    supervisor.start_all()
    stubborn = supervisor.processes["stubborn"]
    assert stubborn.stdout is not None
    assert stubborn.stdout.readline() == b"ready\n"  # SIGTERM is ignored from here on
    supervisor.stop_all(timeout=0.5)
    assert supervisor.processes["steady"].returncode == -signal.SIGTERM
    assert stubborn.returncode == -signal.SIGKILL
    supervisor.check()
    assert supervisor.restarts.total() == 0


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_to_the_supervising_process_stops_it_and_every_service(stop_signal: signal.Signals) -> None:
    script = textwrap.dedent(
        """
        import subprocess, sys
        from devstack.supervisor import Supervisor, supervise_until_stopped

        def start(name):
            return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])

        supervisor = Supervisor(["a", "b"], start, say=lambda line: None)
        supervisor.start_all()
        pids = " ".join(str(p.pid) for p in supervisor.processes.values())
        print(supervise_until_stopped(supervisor, ready=lambda: print(pids, flush=True)).name, flush=True)
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], cwd=REPO_ROOT, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True
    )
    assert parent.stdout is not None
    children = [int(pid) for pid in parent.stdout.readline().split()]
    assert len(children) == 2
    parent.send_signal(stop_signal)
    assert parent.stdout.readline().strip() == stop_signal.name
    assert parent.wait(WAIT) == 0
    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_exits_are_described_as_ops_say_them() -> None:
    assert describe_exit(1) == "exited with status 1"
    assert describe_exit(0) == "exited with status 0"
    assert describe_exit(-9) == "was killed by SIGKILL"
