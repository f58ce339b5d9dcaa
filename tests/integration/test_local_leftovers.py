"""What a killed ``make run`` leaves running is found by its pid files and stopped, and only that.

The abandoned run is a real process that starts PostgreSQL, Kafka and a service the way
``run_local`` does and is then SIGKILLed, so nothing of it gets to stop them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.kafka import KafkaUnavailable
from devstack.leftovers import AlreadyRunning, PidFile, alive, claim, stop_postgres, stop_recorded
from devstack.ports import free_port
from devstack.stack import LocalStack

REPO_ROOT = Path(__file__).resolve().parents[2]
SLEEPER = [sys.executable, "-c", "import time; time.sleep(600)"]

ABANDONED_RUN = textwrap.dedent(
    """
    import subprocess, sys, time
    from pathlib import Path
    from devstack.stack import LocalStack

    stack = LocalStack(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
    stack.postgres.start()
    stack.kafka.start()
    service = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], process_group=0)
    stack.service_file("router").write(service.pid)
    postmaster = int((stack.postgres.data_dir / "postmaster.pid").read_text().split()[0])
    print(postmaster, stack.kafka.pid_file.read().pid, service.pid, flush=True)
    time.sleep(600)
    """
)


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(SLEEPER, stdin=subprocess.DEVNULL)
    yield process
    process.kill()
    process.wait()


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_killed_runs_postgres_kafka_and_services_are_stopped_and_the_ports_serve_again(
    kafka_jars: Path, tmp_path: Path
) -> None:
    ports = (free_port(), free_port())
    args = [str(tmp_path / "local"), str(ports[0]), str(ports[1]), str(kafka_jars)]
    run = subprocess.Popen(
        [sys.executable, "-c", ABANDONED_RUN, *args], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True
    )
    assert run.stdout is not None
    pids = [int(pid) for pid in run.stdout.readline().split()]
    run.send_signal(signal.SIGKILL)
    run.wait()
    stack = LocalStack(tmp_path / "local", *ports, kafka_jars)
    try:
        assert len(pids) == 3, pids
        assert all(alive(pid) for pid in pids)
        with pytest.raises(KafkaUnavailable, match="already in use"):
            stack.kafka.start()

        stopped = stack.stop_leftovers()

        assert [line.split(" (")[0] for line in stopped] == ["stopped router", "stopped Kafka", "stopped PostgreSQL"]
        assert not any(alive(pid) for pid in pids)
        stack.postgres.start()
        stack.kafka.start()
        assert stack.kafka.running
    finally:
        stack.kafka.stop()
        stack.postgres.stop()
        for pid in pids:  # whatever the cleanup missed, so the session leaves no orphans
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_pid_reused_by_another_process_is_not_signalled(tmp_path: Path, sleeper: subprocess.Popen[bytes]) -> None:
    pid_file = PidFile(tmp_path / "router.pid")
    pid_file.write(sleeper.pid)
    recorded = json.loads(pid_file.path.read_text())
    pid_file.path.write_text(json.dumps({**recorded, "started": recorded["started"] - 1}))  # an earlier process

    assert stop_recorded(pid_file, "router") is None

    assert sleeper.poll() is None
    assert not pid_file.path.exists()


def test_a_pid_running_another_command_is_not_signalled(tmp_path: Path, sleeper: subprocess.Popen[bytes]) -> None:
    pid_file = PidFile(tmp_path / "router.pid")
    pid_file.write(sleeper.pid)
    recorded = json.loads(pid_file.path.read_text())
    pid_file.path.write_text(json.dumps({**recorded, "command": ["python", "-m", "services.cli", "router"]}))

    assert stop_recorded(pid_file, "router") is None
    assert sleeper.poll() is None


def test_the_recorded_process_itself_is_stopped(tmp_path: Path, sleeper: subprocess.Popen[bytes]) -> None:
    pid_file = PidFile(tmp_path / "router.pid")
    pid_file.write(sleeper.pid)

    assert stop_recorded(pid_file, "router") == f"stopped router (pid {sleeper.pid}) left running by an earlier run"
    assert sleeper.wait(10) == -signal.SIGTERM


def test_a_postmaster_pid_that_is_not_our_postgres_is_left_alone(
    tmp_path: Path, sleeper: subprocess.Popen[bytes]
) -> None:
    data_dir = tmp_path / "postgres"
    data_dir.mkdir()
    (data_dir / "postmaster.pid").write_text(f"{sleeper.pid}\n{data_dir}\n")

    def refuse() -> None:
        pytest.fail("a process that is not our PostgreSQL was to be stopped")

    assert stop_postgres(data_dir, refuse) is None
    assert sleeper.poll() is None


def test_a_second_run_on_a_live_runs_directory_is_refused(tmp_path: Path, sleeper: subprocess.Popen[bytes]) -> None:
    run_file = PidFile(tmp_path / "run" / "run.pid")
    run_file.write(sleeper.pid)
    with pytest.raises(AlreadyRunning, match=f"pid {sleeper.pid}"):
        claim(run_file)
    sleeper.kill()
    sleeper.wait()
    claim(run_file)  # the earlier run is gone: this one takes over
    recorded = run_file.read()
    assert recorded is not None
    assert recorded.pid == os.getpid()
