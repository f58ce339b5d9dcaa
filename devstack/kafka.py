"""A real single-node Apache Kafka broker (KRaft mode) for development and tests.

The broker runs from the jars that Maven resolves from ``kafka/pom.xml`` next to
this module; no Kafka distribution, Docker or ZooKeeper is needed, only ``mvn``
(first run) and a Java 17+ ``java`` on ``PATH``.

Typical use::

    jars = ensure_kafka_jars(Path(".cache"))
    with LocalKafka(jars, tmp_path / "kafka", port=free_port) as kafka:
        produce_to(kafka.bootstrap_servers)

The node is a combined broker+controller listening only on 127.0.0.1. Its data
directory keeps the cluster id and the formatted log dirs, so a new
:class:`LocalKafka` (or ``start()`` after ``stop()``) on the same directory
comes back with the same topics and records.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import signal
import socket
import subprocess
import time
import uuid
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Self

from devstack.kafka_jars import (
    _BROKER_JAR_PREFIX,
    KAFKA_VERSION,
    POM_PATH,
    KafkaUnavailable,
    _java,
    _tail,
    ensure_kafka_jars,
)
from devstack.kafka_probe import _broker_ready
from devstack.leftovers import PidFile

if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import TracebackType

__all__ = [
    "KAFKA_VERSION",
    "POM_PATH",
    "KafkaUnavailable",
    "LocalKafka",
    "ensure_kafka_jars",
]

_log = logging.getLogger(__name__)

_HOST = "127.0.0.1"
_FORMAT_TIMEOUT_S = 120.0
_STOP_TIMEOUT_S = 30.0
_POLL_INTERVAL_S = 0.1

_JVM_OPTIONS: tuple[str, ...] = (
    "-Xms256m",
    "-Xmx512m",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
)
# The format tool is a short-lived JVM: favour start-up time over throughput.
_TOOL_JVM_OPTIONS: tuple[str, ...] = (
    "-Xmx256m",
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-Djava.awt.headless=true",
)

_DEFAULT_PROPERTIES: Mapping[str, str] = {
    "offsets.topic.replication.factor": "1",
    "offsets.topic.num.partitions": "1",
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
    "transaction.state.log.num.partitions": "1",
    "share.coordinator.state.topic.replication.factor": "1",
    "share.coordinator.state.topic.min.isr": "1",
    "default.replication.factor": "1",
    "min.insync.replicas": "1",
    "auto.create.topics.enable": "false",
    "group.initial.rebalance.delay.ms": "0",
    "num.partitions": "1",
    "num.network.threads": "2",
    "num.io.threads": "4",
    "num.recovery.threads.per.data.dir": "1",
    "log.segment.bytes": str(16 * 1024 * 1024),
    "log.retention.hours": "24",
    "log.retention.check.interval.ms": "60000",
    "delete.topic.enable": "true",
    # After a kill() the restarted node cannot register until the controller
    # has fenced its previous incarnation, i.e. after one session timeout
    # (9 s by default). Heartbeats are in-process, so a shorter one is safe.
    "broker.heartbeat.interval.ms": "500",
    "broker.session.timeout.ms": "4000",
}

_LOG4J2_PROPERTIES = """\
# Written by devstack/kafka.py: everything goes to stdout, which the
# parent redirects to the broker's log file.
# Kafka logs its own shutdown from a JVM shutdown hook: keep log4j's hook from
# stopping the logging context first (which would drop those lines).
status = warn
name = switchboard-local-kafka
shutdownHook = disable
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
"""


class LocalKafka:
    """One combined broker+controller Kafka node, run as a child JVM.

    Args:
        jars_dir: directory from :func:`ensure_kafka_jars`.
        data_dir: where the config, cluster id and log dirs live; reused as-is
            by later starts, so topics and records survive a restart.
        port: the client (PLAINTEXT) port on 127.0.0.1. The controller port is
            picked automatically.
        log_file: where the JVM's output goes (appended);
            ``data_dir/kafka.log`` by default.
        overrides: extra or replacement ``server.properties`` entries.

    """

    def __init__(
        self,
        jars_dir: Path,
        data_dir: Path,
        port: int,
        *,
        log_file: Path | None = None,
        overrides: Mapping[str, str] | None = None,
    ) -> None:
        """Describe the node; nothing runs until :meth:`start`."""
        self._jars_dir = jars_dir.resolve()
        self._data_dir = data_dir.resolve()
        self._port = port
        self._log_file = (log_file or self._data_dir / "kafka.log").resolve()
        self._overrides = dict(overrides or {})
        self._controller_port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._finalizer: weakref.finalize[[subprocess.Popen[bytes]], LocalKafka] | None = None

    # ---------------------------------------------------------------- properties

    @property
    def bootstrap_servers(self) -> str:
        """The client bootstrap address, ``"127.0.0.1:<port>"``."""
        return f"{_HOST}:{self._port}"

    @property
    def port(self) -> int:
        """The client (PLAINTEXT) port."""
        return self._port

    @property
    def data_dir(self) -> Path:
        """The node's data directory."""
        return self._data_dir

    @property
    def log_file(self) -> Path:
        """The file the broker's output is appended to."""
        return self._log_file

    @property
    def pid_file(self) -> PidFile:
        """Names the running broker, so that a later run can stop it if its parent died without doing so."""
        return PidFile(self._data_dir / "kafka.pid")

    @property
    def running(self) -> bool:
        """Whether the broker process has been started and has not exited."""
        return self._process is not None and self._process.poll() is None

    # ---------------------------------------------------------------- lifecycle

    def start(self, timeout: float = 90.0) -> None:
        """Start the broker and return once it answers Kafka requests.

        Writes ``server.properties`` and a log4j2 config into
        ``data_dir/config``, formats the storage on first start only, launches
        ``java -cp '<jars>/*' kafka.Kafka server.properties`` in its own process
        group, then polls the client port with ApiVersions and Metadata requests
        until the node lists itself as a live broker.

        Raises:
            KafkaUnavailable: Java is unusable, the port is taken, formatting
                failed, or the broker exited or was not ready within ``timeout``
                seconds (the message ends with the log tail).
            RuntimeError: the broker is already running.

        """
        if self.running:
            msg = f"Kafka on {self.bootstrap_servers} is already running"
            raise RuntimeError(msg)
        self._close_process()
        java = _java()
        self._check_jars()
        if not _port_free(self._port):
            msg = (
                f"port {self._port} on {_HOST} is already in use; pick another port "
                "for LocalKafka (or stop whatever listens there)."
            )
            raise KafkaUnavailable(msg)
        if self._controller_port is None or not _port_free(self._controller_port):
            self._controller_port = _free_port(exclude=self._port)

        config_dir = self._data_dir / "config"
        config_dir.mkdir(parents=True, exist_ok=True)
        self._log_file.parent.mkdir(parents=True, exist_ok=True)
        server_properties = config_dir / "server.properties"
        log4j_config = config_dir / "log4j2.properties"
        server_properties.write_text(self._server_properties(), encoding="utf-8")
        log4j_config.write_text(_LOG4J2_PROPERTIES, encoding="utf-8")
        log_offset = self._log_size()

        if not (self._kraft_dir / "meta.properties").is_file():
            self._format(java, server_properties, log4j_config, log_offset)

        command = [
            java,
            *_JVM_OPTIONS,
            f"-Dlog4j2.configurationFile={log4j_config}",
            "-cp",
            f"{self._jars_dir}/*",
            "kafka.Kafka",
            str(server_properties),
        ]
        started = time.monotonic()
        with self._log_file.open("ab") as log:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self._data_dir,
                process_group=0,
            )
        self._finalizer = weakref.finalize(self, _kill_group, self._process)
        self.pid_file.write(self._process.pid)
        try:
            self._wait_ready(self._process, started + timeout, log_offset)
        except BaseException:  # includes KeyboardInterrupt: leave no orphan JVM
            self.kill()
            raise
        _log.info(
            "Kafka %s ready on %s in %.1fs (pid %d, log %s)",
            KAFKA_VERSION,
            self.bootstrap_servers,
            time.monotonic() - started,
            self._process.pid,
            self._log_file,
        )

    def stop(self, timeout: float = _STOP_TIMEOUT_S) -> None:
        """Shut the broker down cleanly: SIGTERM, wait, then SIGKILL.

        Does nothing if it is not running.
        """
        process = self._process
        if process is not None and process.poll() is None:
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _log.warning(
                    "Kafka pid %d ignored SIGTERM for %.0fs; killing it",
                    process.pid,
                    timeout,
                )
                _kill_group(process)
            self.pid_file.remove()
        self._close_process()

    def kill(self) -> None:
        """Kill the broker at once with SIGKILL (an unclean crash, for fault tests)."""
        process = self._process
        if process is not None:
            _kill_group(process)
            self.pid_file.remove()
        self._close_process()

    def __enter__(self) -> Self:
        """Start the broker (with the default timeout) unless already running."""
        if not self.running:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the broker."""
        self.stop()

    def __repr__(self) -> str:
        """Show the address, data dir and state."""
        state = "running" if self.running else "stopped"
        return f"LocalKafka({self.bootstrap_servers}, data_dir={str(self._data_dir)!r}, {state})"

    # ---------------------------------------------------------------- internals

    @property
    def _kraft_dir(self) -> Path:
        return self._data_dir / "kraft-logs"

    def _check_jars(self) -> None:
        if not any(self._jars_dir.glob(f"{_BROKER_JAR_PREFIX}*.jar")):
            msg = (
                f"no {_BROKER_JAR_PREFIX}*.jar in {self._jars_dir}; pass the directory returned by ensure_kafka_jars()."
            )
            raise KafkaUnavailable(msg)

    def _server_properties(self) -> str:
        if self._controller_port is None:
            msg = "controller port is chosen by start()"
            raise RuntimeError(msg)
        properties: dict[str, str] = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{_HOST}:{self._controller_port}",
            "listeners": (f"PLAINTEXT://{_HOST}:{self._port},CONTROLLER://{_HOST}:{self._controller_port}"),
            "advertised.listeners": f"PLAINTEXT://{_HOST}:{self._port}",
            "listener.security.protocol.map": ("PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"),
            "inter.broker.listener.name": "PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "log.dirs": str(self._kraft_dir),
            **_DEFAULT_PROPERTIES,
            **self._overrides,
        }
        lines = ["# Written by devstack/kafka.py; rewritten on every start."]
        lines += [f"{key}={_escape(value)}" for key, value in properties.items()]
        return "\n".join(lines) + "\n"

    def _cluster_id(self) -> str:
        path = self._data_dir / "cluster.id"
        if path.is_file():
            return path.read_text(encoding="utf-8").strip()
        cluster_id = _random_kafka_uuid()
        path.write_text(cluster_id + "\n", encoding="utf-8")
        return cluster_id

    def _format(self, java: str, server_properties: Path, log4j_config: Path, log_offset: int) -> None:
        command = [
            java,
            *_TOOL_JVM_OPTIONS,
            f"-Dlog4j2.configurationFile={log4j_config}",
            "-cp",
            f"{self._jars_dir}/*",
            "kafka.tools.StorageTool",
            "format",
            "--config",
            str(server_properties),
            "--cluster-id",
            self._cluster_id(),
            "--ignore-formatted",
        ]
        with self._log_file.open("ab") as log:
            try:
                result = subprocess.run(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=self._data_dir,
                    timeout=_FORMAT_TIMEOUT_S,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                msg = f"formatting Kafka storage took over {_FORMAT_TIMEOUT_S:.0f}s\n{self._log_tail(log_offset)}"
                raise KafkaUnavailable(msg) from exc
        if result.returncode != 0:
            msg = (
                f"formatting Kafka storage in {self._kraft_dir} failed "
                f"(exit {result.returncode}); log {self._log_file}:\n"
                f"{self._log_tail(log_offset)}"
            )
            raise KafkaUnavailable(msg)

    def _wait_ready(self, process: subprocess.Popen[bytes], deadline: float, log_offset: int) -> None:
        while True:
            code = process.poll()
            if code is not None:
                self._close_process()
                msg = (
                    f"Kafka exited with code {code} while starting on "
                    f"{self.bootstrap_servers}; log {self._log_file}:\n"
                    f"{self._log_tail(log_offset)}"
                )
                raise KafkaUnavailable(msg)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            if _broker_ready(_HOST, self._port, timeout=min(2.0, remaining)):
                return
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=min(_POLL_INTERVAL_S, max(remaining, 0.0)))
        self.kill()
        msg = (
            f"Kafka on {self.bootstrap_servers} was not ready within the timeout; "
            f"log {self._log_file}:\n{self._log_tail(log_offset)}"
        )
        raise KafkaUnavailable(msg)

    def _close_process(self) -> None:
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        self._process = None

    def _log_size(self) -> int:
        try:
            return self._log_file.stat().st_size
        except FileNotFoundError:
            return 0

    def _log_tail(self, offset: int) -> str:
        try:
            with self._log_file.open("rb") as log:
                log.seek(offset)
                text = log.read().decode("utf-8", errors="replace")
        except OSError as exc:
            return f"(could not read {self._log_file}: {exc})"
        return _tail(text) or "(log is empty)"


# Process and port handling


def _escape(value: str) -> str:
    """Escape a value for a Java .properties file."""
    return value.replace("\\", "\\\\").replace("\n", "\\n")


def _random_kafka_uuid() -> str:
    """Return a cluster id as Kafka's ``Uuid.randomUuid().toString()`` would."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")
        if not text.startswith("-"):  # Kafka avoids ids that look like CLI flags
            return text


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Java server sockets use SO_REUSEADDR too, so TIME_WAIT does not count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((_HOST, port))
        except OSError:
            return False
    return True


def _free_port(exclude: int) -> int:
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((_HOST, 0))
            port: int = sock.getsockname()[1]
        if port != exclude:
            return port


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)  # the JVM leads its own process group


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        _signal_group(process, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=_STOP_TIMEOUT_S)
