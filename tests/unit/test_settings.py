"""Settings from the environment: the secret, the event store's settings, trusted origins."""

from __future__ import annotations

import json
import os

import pytest
from pydantic import ValidationError

from services.settings import ConfigurationError, Settings, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sees only the SWITCHBOARD_* variables it sets itself."""
    for name in list(os.environ):
        if name.upper().startswith("SWITCHBOARD_"):
            monkeypatch.delenv(name)


@pytest.mark.parametrize("key", ["", "short", "x" * 15])
def test_a_missing_or_short_secret_is_refused(key: str) -> None:
    with pytest.raises(RuntimeError, match="SWITCHBOARD_SECRET_KEY must be set to at least 16 characters"):
        Settings(secret_key=key).require_secret()


def test_the_default_is_no_secret_at_all() -> None:
    with pytest.raises(RuntimeError, match="SWITCHBOARD_SECRET_KEY"):
        Settings().require_secret()


def test_a_long_enough_secret_is_returned() -> None:
    assert Settings(secret_key="k" * 16).require_secret() == "k" * 16


def test_the_secret_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWITCHBOARD_SECRET_KEY", "from-the-environment-0123")
    assert Settings().require_secret() == "from-the-environment-0123"


def test_the_secret_is_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWITCHBOARD_SECRET_KEY", "do-not-print-this-key")
    settings = Settings()
    assert "do-not-print-this-key" not in repr(settings)
    assert "do-not-print-this-key" not in str(settings)
    assert "do-not-print-this-key" not in settings.model_dump_json()


def test_environment_variables_use_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWITCHBOARD_KAFKA_BOOTSTRAP", "kafka:9092")
    monkeypatch.setenv("SWITCHBOARD_HTTP_PORT", "9000")
    monkeypatch.setenv("KAFKA_BOOTSTRAP", "ignored:1")
    settings = Settings()
    assert settings.kafka_bootstrap == "kafka:9092"
    assert settings.http_port == 9000


def test_event_store_env_parses_the_database_url() -> None:
    env = Settings(database_url="postgresql://alice:s3cret@db.internal:6543/inbox").event_store_env()
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert env["POSTGRES_HOST"] == "db.internal"
    assert env["POSTGRES_PORT"] == "6543"
    assert env["POSTGRES_USER"] == "alice"
    assert env["POSTGRES_PASSWORD"] == "s3cret"
    assert env["POSTGRES_DBNAME"] == "inbox"
    assert all(isinstance(v, str) for v in env.values())


def test_event_store_env_fills_in_what_the_url_leaves_out() -> None:
    env = Settings(database_url="postgresql://db/inbox").event_store_env()
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"]) == ("db", "5432")
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("postgres", "")
    assert env["POSTGRES_DBNAME"] == "inbox"


def test_the_default_database_is_local() -> None:
    env = Settings().event_store_env()
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"], env["POSTGRES_DBNAME"]) == ("127.0.0.1", "5432", "switchboard")


def test_event_store_env_decodes_percent_escapes() -> None:
    env = Settings(database_url="postgresql://sw%40ops:p%40ss%2Fword@db:5432/inbox").event_store_env()
    assert env["POSTGRES_USER"] == "sw@ops"
    assert env["POSTGRES_PASSWORD"] == "p@ss/word"


def test_origins_default_to_the_consoles_own() -> None:
    assert Settings().origins == ["http://127.0.0.1:8080", "http://localhost:8080"]


def test_default_origins_follow_the_http_port() -> None:
    assert Settings(http_port=9000).origins == ["http://127.0.0.1:9000", "http://localhost:9000"]


def test_configured_origins_replace_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWITCHBOARD_ALLOWED_ORIGINS", '["https://shop.example.com"]')
    assert Settings().origins == ["https://shop.example.com"]


def test_public_urls_default_from_host_and_ports() -> None:
    settings = Settings(http_host="10.0.0.5", http_port=8000, webchat_port=8001)
    assert settings.console_url == "http://10.0.0.5:8000"
    assert settings.webchat_url == "ws://10.0.0.5:8001/"


def test_public_urls_can_be_set() -> None:
    settings = Settings(public_url="https://inbox.example.com", webchat_public_url="wss://chat.example.com/")
    assert settings.console_url == "https://inbox.example.com"
    assert settings.webchat_url == "wss://chat.example.com/"


@pytest.mark.parametrize(
    "field",
    ["inbound_partitions", "outbound_partitions", "router_batch_size"],
)
def test_counts_must_be_positive(field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        Settings(**{field: 0})


def test_sessions_last_at_least_a_minute() -> None:
    with pytest.raises(ValidationError, match="session_ttl_seconds"):
        Settings(session_ttl_seconds=59)


def test_a_bad_mailbox_is_named_without_its_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWITCHBOARD_MAILBOXES", '[{"name": "sales", "password": "hunter2-secret", "imap_port": "x"}]')
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    message = str(caught.value)
    assert "mailboxes.0.imap_host: Field required" in message
    assert "mailboxes.0.imap_port" in message
    assert "hunter2" not in message


def test_mailboxes_are_read_from_json(monkeypatch: pytest.MonkeyPatch) -> None:
    box = {"name": "sales", "address": "s@shop.example", "imap_host": "imap", "username": "u", "password": "p"}
    monkeypatch.setenv("SWITCHBOARD_MAILBOXES", json.dumps([box]))
    (mailbox,) = load_settings().mailboxes
    assert (mailbox.name, mailbox.imap_port, mailbox.imap_tls, mailbox.password.get_secret_value()) == (
        "sales",
        993,
        True,
        "p",
    )
    assert "'p'" not in repr(mailbox)
