"""What is a record's own failure, and what a dead letter may keep of an error."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from aiokafka.structs import ConsumerRecord

from domain.inbound import InboundMessage
from services.dead_letters import REDRIVE_HEADER, Failure, redrive_of, safe_message
from services.ingest.reply_queue import UnreadableReply, _delivery_row
from services.projections.tracking import UnreadableEvent, _event
from services.router.storing import UndecodableRecord, decoded


def record(value: bytes, headers: tuple[tuple[str, bytes], ...] = ()) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord("t.inbound", 0, 7, 0, 0, b"k", value, None, 1, len(value), headers)


def test_an_error_message_keeps_no_credentials_nul_or_lone_surrogate() -> None:
    error = ConnectionError("cannot reach postgresql://app:s3cret@db:5432/x with password=hunter2 \x00 \ud800")
    text = safe_message(error)
    assert "s3cret" not in text
    assert "hunter2" not in text
    assert "postgresql://***@db:5432/x" in text
    assert "\x00" not in text
    text.encode("utf-8")  # storable: no lone surrogate left
    assert len(safe_message(ValueError("x" * 10_000))) == 2000
    assert safe_message(KeyError()) == "KeyError"


def test_a_failure_names_the_error_type() -> None:
    failure = Failure.of(KeyError("reply_id"), attempts=3)
    assert (failure.error_type, failure.error, failure.attempts) == ("KeyError", "'reply_id'", 3)


@pytest.mark.parametrize(
    "value",
    [b"{not json", b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000, b"[1]", json.dumps({"channel": "webchat"}).encode()],
    ids=["not json", "not utf-8", "nested too deep", "not an object", "fields missing"],
)
def test_an_inbound_record_that_is_no_message_is_undecodable(value: bytes) -> None:
    with pytest.raises(UndecodableRecord, match="not an inbound message"):
        decoded(record(value))


def test_an_inbound_message_is_decoded() -> None:
    message = InboundMessage.from_visitor("v1", "m1", "hello", datetime(2026, 12, 3, tzinfo=UTC))
    assert decoded(record(json.dumps(message.to_dict()).encode())) == message


@pytest.mark.parametrize(
    "value",
    [
        b"",
        b"{",
        b"[]",
        json.dumps({"type": "x"}).encode(),
        b'{"notification_id": "a"}',
        b'{"notification_id": 1e999}',
        b'{"notification_id": 9223372036854775808}',
        b'{"notification_id": 0}',
        b"[" * 100_000,
    ],
)
def test_a_domain_events_record_without_a_notification_id_is_unreadable(value: bytes) -> None:
    with pytest.raises(UnreadableEvent, match="not a domain event"):
        _event(record(value))


def test_a_reply_queue_reads_email_replies_and_passes_over_the_rest() -> None:
    assert _delivery_row(json.dumps({"kind": "reply", "channel": "webchat"}).encode()) is None
    assert _delivery_row(json.dumps({"kind": "queue_position"}).encode()) is None
    with pytest.raises(UnreadableReply):
        _delivery_row(b"not json")
    with pytest.raises(UnreadableReply, match="conversation_id"):
        _delivery_row(json.dumps({"kind": "reply", "channel": "email", "reply_id": "0" * 32}).encode())


def test_a_redriven_record_names_its_letter() -> None:
    assert redrive_of(record(b"x", ((REDRIVE_HEADER, b"42"),))) == 42
    assert redrive_of(record(b"x", ((REDRIVE_HEADER, b"x"),))) is None
    assert redrive_of(record(b"x")) is None
