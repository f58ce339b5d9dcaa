"""The container deployment: docker-compose.kafka.yml and the Dockerfile, read as data.

Port policy checked here: only the gateway (8080) and ingest (8081) publish ports, each on 127.0.0.1 of
the host; Kafka and PostgreSQL are reachable inside the compose network only.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from services.settings import Settings
from services.topics import topic_specs

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE = REPO_ROOT / "docker-compose.kafka.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"

SWITCHBOARD_SERVICES = ("router", "ingest", "projections", "gateway")
BROKERS = ("kafka-1", "kafka-2", "kafka-3")
REPLICAS, MIN_INSYNC = 3, 2
ONE_SHOT = ("topics",)
HTTP_SERVICES = ("gateway", "ingest")
INTENDED_PORTS = {
    "gateway": {("127.0.0.1", "8080", "8080")},
    "ingest": {("127.0.0.1", "8081", "8081")},
}
REQUIRED_ENV = ("SWITCHBOARD_DATABASE_URL", "SWITCHBOARD_KAFKA_BOOTSTRAP", "SWITCHBOARD_SECRET_KEY")
LONG_RUNNING_RESTART = "unless-stopped"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment, whether written as a mapping or as KEY=VALUE items."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) if "=" in item else (item, "") for item in raw)
    return {str(k): "" if v is None else str(v) for k, v in raw.items()}


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    """Each dependency and its condition (a bare list means service_started)."""
    raw = service.get("depends_on") or {}
    if isinstance(raw, list):
        return dict.fromkeys(raw, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in raw.items()}


def published_ports(service: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(host address, host port, container port) for each published port; no address means every address."""
    ports = set()
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            ports.add((str(entry.get("host_ip", "")), str(entry.get("published", "")), str(entry["target"])))
            continue
        parts = str(entry).split("/")[0].rsplit(":", 2)
        if len(parts) == 3:
            ports.add((parts[0].strip("[]"), parts[1], parts[2]))
        elif len(parts) == 2:
            ports.add(("", parts[0], parts[1]))
        else:
            ports.add(("", "", parts[0]))
    return ports


def healthcheck_command(service: dict[str, Any]) -> str:
    test = (service.get("healthcheck") or {}).get("test")
    assert test, "no healthcheck"
    return test if isinstance(test, str) else " ".join(str(t) for t in test)


def test_the_required_services_exist(services: dict[str, dict[str, Any]]) -> None:
    assert {*BROKERS, "postgres", *ONE_SHOT, *SWITCHBOARD_SERVICES} <= set(services)


@pytest.mark.parametrize("name", [*ONE_SHOT, *SWITCHBOARD_SERVICES])
def test_switchboard_services_build_the_image_and_run_their_command(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    service = services[name]
    build = service.get("build")
    context = build if isinstance(build, str) else (build or {}).get("context")
    assert context in {".", "./"}
    assert service["command"] == ["switchboard", name]


@pytest.mark.parametrize("name", [*ONE_SHOT, *SWITCHBOARD_SERVICES])
def test_switchboard_services_get_database_kafka_and_secret(services: dict[str, dict[str, Any]], name: str) -> None:
    env = environment(services[name])
    missing = [key for key in REQUIRED_ENV if not env.get(key)]
    assert missing == []


@pytest.mark.parametrize("name", [*ONE_SHOT, *SWITCHBOARD_SERVICES])
def test_the_secret_is_required_not_defaulted(services: dict[str, dict[str, Any]], name: str) -> None:
    secret = environment(services[name])["SWITCHBOARD_SECRET_KEY"]
    # ${VAR:?message} makes compose refuse to start without it; ${VAR:-x} or a literal would sign with a known key.
    assert re.fullmatch(r"\$\{SWITCHBOARD_SECRET_KEY:\?[^}]+\}", secret), secret


def test_no_env_file_can_supply_a_default_secret(services: dict[str, dict[str, Any]]) -> None:
    assert all("env_file" not in s for s in services.values())


@pytest.mark.parametrize("name", [*ONE_SHOT, *SWITCHBOARD_SERVICES])
def test_services_reach_postgres_and_kafka_by_their_service_names(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    env = environment(services[name])
    url = urlsplit(env["SWITCHBOARD_DATABASE_URL"])
    postgres = environment(services["postgres"])
    assert url.scheme in {"postgresql", "postgres"}
    assert (url.hostname, url.port or 5432) == ("postgres", 5432)
    assert url.username == postgres["POSTGRES_USER"]
    assert url.password == postgres["POSTGRES_PASSWORD"]
    assert url.path.lstrip("/") == postgres["POSTGRES_DB"]
    advertised = {environment(services[b])["KAFKA_ADVERTISED_LISTENERS"].split("://", 1)[1] for b in BROKERS}
    assert set(env["SWITCHBOARD_KAFKA_BOOTSTRAP"].split(",")) == advertised


@pytest.mark.parametrize("name", SWITCHBOARD_SERVICES)
def test_long_running_services_wait_for_their_dependencies(services: dict[str, dict[str, Any]], name: str) -> None:
    assert depends_on(services[name]) == {
        **dict.fromkeys(BROKERS, "service_healthy"),
        "postgres": "service_healthy",
        "topics": "service_completed_successfully",
    }
    assert services[name].get("restart") == LONG_RUNNING_RESTART


def test_topics_run_once_after_kafka_is_healthy(services: dict[str, dict[str, Any]]) -> None:
    topics = services["topics"]
    assert depends_on(topics) == dict.fromkeys(BROKERS, "service_healthy")
    # Restarting a finished one-shot job would run it forever; `service_completed_successfully` needs it to stop.
    assert topics.get("restart", "no") in {"no", False, "on-failure"}


@pytest.mark.parametrize("broker", BROKERS)
def test_kafka_runs_kraft_with_auto_topic_creation_off(services: dict[str, dict[str, Any]], broker: str) -> None:
    kafka = services[broker]
    assert re.fullmatch(r"apache/kafka:4\.\d+\.\d+", kafka["image"])
    env = environment(kafka)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    node_id = env["KAFKA_NODE_ID"]
    assert f"{node_id}@{broker}:9093" in env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")
    assert "CONTROLLER" in env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    assert "CONTROLLER://" in env["KAFKA_LISTENERS"]
    assert "PLAINTEXT://" in env["KAFKA_LISTENERS"]
    assert env["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{broker}:9092"
    assert "KAFKA_ZOOKEEPER_CONNECT" not in env
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"


def test_three_brokers_form_one_cluster_each_with_its_own_data(services: dict[str, dict[str, Any]]) -> None:
    envs = [environment(services[b]) for b in BROKERS]
    assert sorted(e["KAFKA_NODE_ID"] for e in envs) == ["1", "2", "3"]
    assert len({e["CLUSTER_ID"] for e in envs}) == 1
    assert len({e["KAFKA_CONTROLLER_QUORUM_VOTERS"] for e in envs}) == 1
    assert len(envs[0]["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")) == len(BROKERS)
    volumes = [str(services[b]["volumes"][0]).split(":")[0] for b in BROKERS]
    assert len(set(volumes)) == len(BROKERS)


@pytest.mark.parametrize("broker", BROKERS)
def test_the_internal_topics_are_replicated_like_ours(services: dict[str, dict[str, Any]], broker: str) -> None:
    env = environment(services[broker])
    for key in (
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR",
        "KAFKA_DEFAULT_REPLICATION_FACTOR",
    ):
        assert env[key] == str(REPLICAS), key
    for key in (
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR",
        "KAFKA_MIN_INSYNC_REPLICAS",
    ):
        assert env[key] == str(MIN_INSYNC), key
    assert env["KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE"] == "false"


@pytest.mark.parametrize("name", [*ONE_SHOT, *SWITCHBOARD_SERVICES])
def test_switchboard_creates_its_topics_with_three_replicas_and_two_in_sync(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    env = environment(services[name])
    settings = Settings(
        topic_replication_factor=int(env["SWITCHBOARD_TOPIC_REPLICATION_FACTOR"]),
        topic_min_insync_replicas=int(env["SWITCHBOARD_TOPIC_MIN_INSYNC_REPLICAS"]),
    )
    assert (settings.topic_replication_factor, settings.topic_min_insync_replicas) == (REPLICAS, MIN_INSYNC)
    specs = topic_specs(settings)
    assert {(s.replication_factor, s.configs["min.insync.replicas"]) for s in specs} == {(REPLICAS, str(MIN_INSYNC))}
    assert settings.topic_replication_factor <= len(BROKERS)


def test_postgres_is_18_with_its_data_in_a_volume(services: dict[str, dict[str, Any]]) -> None:
    postgres = services["postgres"]
    assert postgres["image"].split(":")[1].split(".")[0] == "18"
    targets = [str(v).split(":")[1] if isinstance(v, str) else v["target"] for v in postgres.get("volumes", [])]
    assert "/var/lib/postgresql" in targets  # the 18+ image layout; mounting .../data is refused


@pytest.mark.parametrize(
    ("name", "probe"),
    [
        *((broker, "/opt/kafka/bin/kafka-broker-api-versions.sh") for broker in BROKERS),
        ("postgres", "pg_isready"),
        ("gateway", "/healthz"),
    ],
)
def test_healthchecks(services: dict[str, dict[str, Any]], name: str, probe: str) -> None:
    assert probe in healthcheck_command(services[name])


def test_the_gateway_healthcheck_probes_its_own_port(services: dict[str, dict[str, Any]]) -> None:
    command = healthcheck_command(services["gateway"])
    port = environment(services["gateway"]).get("SWITCHBOARD_HTTP_PORT", "8080")
    assert f":{port}/healthz" in command
    assert "python" in command  # the slim image has no curl or wget


@pytest.mark.parametrize("name", HTTP_SERVICES)
def test_http_services_listen_on_every_container_address(services: dict[str, dict[str, Any]], name: str) -> None:
    assert environment(services[name])["SWITCHBOARD_HTTP_HOST"] == "0.0.0.0"


def test_the_console_tells_browsers_reachable_urls(services: dict[str, dict[str, Any]]) -> None:
    env = environment(services["gateway"])
    assert "0.0.0.0" not in env.get("SWITCHBOARD_PUBLIC_URL", "0.0.0.0")
    assert "0.0.0.0" not in env.get("SWITCHBOARD_WEBCHAT_PUBLIC_URL", "0.0.0.0")


def test_ports_are_published_only_where_intended(services: dict[str, dict[str, Any]]) -> None:
    published = {name: published_ports(service) for name, service in services.items()}
    assert {name: ports for name, ports in published.items() if ports} == INTENDED_PORTS


def test_no_service_shares_the_host_network(services: dict[str, dict[str, Any]]) -> None:
    assert all(s.get("network_mode") != "host" for s in services.values())


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("127.0.0.1:8080:8080", {("127.0.0.1", "8080", "8080")}),
        ("8080:8080", {("", "8080", "8080")}),
        ("8080", {("", "", "8080")}),
        ("0.0.0.0:8081:8081/tcp", {("0.0.0.0", "8081", "8081")}),
        ({"target": 8080, "published": 80, "host_ip": "127.0.0.1"}, {("127.0.0.1", "80", "8080")}),
    ],
)
def test_the_port_reader_understands_every_syntax(entry: Any, expected: set[tuple[str, str, str]]) -> None:
    assert published_ports({"ports": [entry]}) == expected


def test_the_dockerfile_builds_a_non_root_gateway_image() -> None:
    text = DOCKERFILE.read_text()
    instructions = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    froms = [line for line in instructions if line.upper().startswith("FROM ")]
    assert froms
    # The console is built in a Node stage of its own; only its built files reach a Python stage.
    assert froms[0].split() == ["FROM", "node:22-slim", "AS", "console"]
    assert all(line.split()[1] == "python:3.11-slim" for line in froms[1:])
    assert "pip install" in text
    users = [line.split()[1] for line in instructions if line.upper().startswith("USER ")]
    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}
    cmds = [line for line in instructions if line.upper().startswith("CMD ")]
    assert cmds[-1] == 'CMD ["switchboard", "gateway"]'
    assert "libpq5" in text  # psycopg's pure-Python build needs the system libpq


def test_the_image_carries_the_product_and_neither_the_development_stack_nor_the_benchmarks() -> None:
    stages = re.split(r"^FROM ", DOCKERFILE.read_text(), flags=re.MULTILINE)[1:]
    copied = [
        {line.split()[1] for line in stage.splitlines() if line.upper().startswith("COPY ") and "--from" not in line}
        for stage in stages
    ]
    assert copied[0] == {"console/package.json", "console"}  # the console's sources, built in its stage
    assert copied[1] == {"pyproject.toml", "domain", "application", "connectors", "services"}
    assert copied[2:] == [set()]
    from_console = [line for line in DOCKERFILE.read_text().splitlines() if line.startswith("COPY --from=console")]
    assert from_console == [
        "COPY --from=console /src/services/console/static/console ./services/console/static/console"
    ]
    assert not re.search(r"pip (wheel|install)[^\n]*\[", DOCKERFILE.read_text())  # installed with no extra
