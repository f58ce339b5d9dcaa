"""Fetching the Apache Kafka broker's jars with Maven, once per POM.

:func:`ensure_kafka_jars` resolves the runtime dependencies of ``kafka/pom.xml``
next to this module into a cache directory that :class:`~devstack.kafka.LocalKafka`
runs the broker from. Only ``mvn`` (first run) and a Java 17+ ``java`` on ``PATH``
are needed.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import logging
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "KAFKA_VERSION",
    "POM_PATH",
    "KafkaUnavailable",
    "ensure_kafka_jars",
]

_log = logging.getLogger(__name__)

KAFKA_VERSION = "4.4.0"
"""Kafka version pinned in ``kafka/pom.xml`` (org.apache.kafka:kafka_2.13)."""

POM_PATH = Path(__file__).with_name("kafka") / "pom.xml"
"""Maven project whose runtime dependencies are the broker's classpath."""

_MARKER = ".complete"
_BROKER_JAR_PREFIX = "kafka_2.13-"
_MIN_JAVA = 17
_MAVEN_TIMEOUT_S = 900.0
_LOG_TAIL_LINES = 60


class KafkaUnavailable(RuntimeError):
    """The local Kafka broker cannot be fetched, formatted or started.

    The message says what failed and what to do about it, and ends with the
    tail of the relevant output (Maven's or the broker's log) where there is one.
    """


def ensure_kafka_jars(cache_dir: Path) -> Path:
    """Return a directory holding every runtime jar of the Kafka broker.

    On first use this runs ``mvn dependency:copy-dependencies`` on
    :data:`POM_PATH` into ``cache_dir/kafka/jars-<version>-<pom hash>``; the copy
    is done in a temporary directory that is renamed into place only after it
    succeeded, with a marker file listing the jars. Later calls (and concurrent
    ones, serialised by a file lock) return at once while the marker and the
    jars it lists are present. Editing the POM selects a fresh directory.

    Raises:
        KafkaUnavailable: ``mvn`` or ``java`` is missing, or Maven failed.

    """
    pom = POM_PATH.read_bytes()
    digest = hashlib.sha256(pom).hexdigest()[:12]
    root = cache_dir.expanduser().resolve() / "kafka"
    jars_dir = root / f"jars-{KAFKA_VERSION}-{digest}"
    if _jars_complete(jars_dir):
        return jars_dir

    mvn = shutil.which("mvn")
    if mvn is None:
        msg = (
            "Apache Maven ('mvn') is not on PATH; it is needed once to download the "
            "Kafka broker jars from Maven Central. Install it (Debian: "
            "'apt-get install -y maven') or put a complete jars directory at "
            f"{jars_dir}."
        )
        raise KafkaUnavailable(msg)
    _java()  # fail early, before a long download, when Java is unusable

    root.mkdir(parents=True, exist_ok=True)
    with _file_lock(root / ".lock"):
        if _jars_complete(jars_dir):  # another process finished meanwhile
            return jars_dir
        _log.info("fetching Kafka %s jars with Maven into %s", KAFKA_VERSION, jars_dir)
        started = time.monotonic()
        staging = Path(tempfile.mkdtemp(prefix=".jars-staging-", dir=root))
        try:
            _run_maven(mvn, staging)
            jars = sorted(p.name for p in staging.glob("*.jar"))
            if not any(name.startswith(_BROKER_JAR_PREFIX) for name in jars):
                msg = f"Maven succeeded but put no {_BROKER_JAR_PREFIX}*.jar into {staging}; check {POM_PATH}."
                raise KafkaUnavailable(msg)
            (staging / _MARKER).write_text("\n".join(jars) + "\n", encoding="utf-8")
            if jars_dir.exists():  # an incomplete leftover
                shutil.rmtree(jars_dir)
            staging.rename(jars_dir)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        _log.info("fetched %d Kafka jars in %.1fs", len(jars), time.monotonic() - started)
    return jars_dir


def _jars_complete(jars_dir: Path) -> bool:
    marker = jars_dir / _MARKER
    try:
        names = marker.read_text(encoding="utf-8").split()
    except OSError:
        return False
    return bool(names) and all((jars_dir / name).is_file() for name in names)


def _run_maven(mvn: str, output_dir: Path) -> None:
    command = [
        mvn,
        "-B",
        "-q",
        "-f",
        str(POM_PATH),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={output_dir}",
    ]
    try:
        result = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=_MAVEN_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        msg = (
            f"Maven did not finish fetching the Kafka jars within "
            f"{_MAVEN_TIMEOUT_S:.0f}s; check that Maven Central is reachable."
        )
        raise KafkaUnavailable(msg) from exc
    if result.returncode != 0:
        output = _tail((result.stdout or "") + (result.stderr or ""))
        msg = (
            f"Maven failed (exit {result.returncode}) fetching the Kafka jars: "
            f"{' '.join(command)}\nCheck network access to Maven Central and "
            f"~/.m2/settings.xml. Output tail:\n{output}"
        )
        raise KafkaUnavailable(msg)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@functools.cache
def _java() -> str:
    """Return the path of a Java 17+ ``java`` from PATH, or raise."""
    java = shutil.which("java")
    if java is None:
        msg = (
            f"'java' is not on PATH; Kafka {KAFKA_VERSION} needs Java {_MIN_JAVA}+ "
            "(Debian: 'apt-get install -y openjdk-17-jre-headless')."
        )
        raise KafkaUnavailable(msg)
    try:
        result = subprocess.run(
            [java, "-version"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        msg = f"could not run '{java} -version': {exc}"
        raise KafkaUnavailable(msg) from exc
    banner = result.stderr + result.stdout
    match = re.search(r'version "(\d+)(?:\.(\d+))?', banner)
    if result.returncode != 0 or match is None:
        msg = f"'{java} -version' failed or printed no version:\n{_tail(banner)}"
        raise KafkaUnavailable(msg)
    major = int(match.group(1))
    if major == 1 and match.group(2):  # "1.8.0_..." style
        major = int(match.group(2))
    if major < _MIN_JAVA:
        msg = (
            f"{java} is Java {major}; Kafka {KAFKA_VERSION} needs Java {_MIN_JAVA}+. Put a newer 'java' first on PATH."
        )
        raise KafkaUnavailable(msg)
    return java


def _tail(text: str, lines: int = _LOG_TAIL_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])
