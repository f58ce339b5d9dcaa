"""The topics' AsyncAPI document is generated from the brokers, and the committed one is what they generate."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.asyncapi import DOCUMENT, rendered

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_document_is_what_the_code_generates() -> None:
    committed = (REPO_ROOT / DOCUMENT).read_text(encoding="utf-8")
    assert committed == rendered(), f"{DOCUMENT} is out of date: run `switchboard asyncapi` and commit it"


@pytest.fixture
def document() -> dict[str, Any]:
    generated: dict[str, Any] = json.loads(rendered())
    return generated


def payload(document: dict[str, Any], channel: str) -> dict[str, Any]:
    """The schema of the record a channel carries, its reference followed."""
    (reference,) = document["channels"][channel]["messages"].values()
    message = document["components"]["messages"][reference["$ref"].rsplit("/", 1)[1]]
    schema: dict[str, Any] = document["components"]["schemas"][message["payload"]["$ref"].rsplit("/", 1)[1]]
    return schema


def test_each_topic_shows_the_record_it_carries(document: dict[str, Any]) -> None:
    published = payload(document, "switchboard.inbound:Publisher")
    assert published["title"] == "InboundRecord"
    assert {"channel", "channel_message_id", "sender", "received_at"} <= set(published["required"])
    outbound = payload(document, "switchboard.outbound:Publisher")
    assert [kind["$ref"].rsplit("/", 1)[1] for kind in outbound["oneOf"]] == ["ReplyRecord", "QueuePositionRecord"]
    assert outbound["discriminator"] == "kind"
    events = payload(document, "switchboard.domain-events:Publisher")
    assert events["title"] == "EventRecord"
    assert {"notification_id", "type", "aggregate_id", "data"} <= set(events["required"])


def test_the_routers_batch_subscriber_shows_one_record_not_a_list(document: dict[str, Any]) -> None:
    received = payload(document, "switchboard.inbound:OnInbound")
    assert received["type"] == "object"
    assert received["properties"] == payload(document, "switchboard.inbound:Publisher")["properties"]
    operation = document["operations"]["switchboard.inbound:OnInboundSubscribe"]
    assert operation["action"] == "receive"


def test_making_the_document_connects_to_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        msg = "the document must be made without connecting anywhere"
        raise AssertionError(msg)

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert json.loads(rendered())["asyncapi"] == "3.0.0"


def test_the_command_writes_json_or_yaml(tmp_path: Path) -> None:
    for name in ("asyncapi.json", "asyncapi.yaml"):
        written = subprocess.run(
            [sys.executable, "-m", "services.cli", "asyncapi", "--output", str(tmp_path / "docs" / name)],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert written.returncode == 0, written.stderr
    from_json = json.loads((tmp_path / "docs" / "asyncapi.json").read_text(encoding="utf-8"))
    assert yaml.safe_load((tmp_path / "docs" / "asyncapi.yaml").read_text(encoding="utf-8")) == from_json
    assert from_json == json.loads(rendered())
