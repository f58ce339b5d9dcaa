"""Stored events read back as the domain-events topic carries them: tags untagged at any depth, bad JSON refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID

import asyncpg
import pytest

from services.projections.event_log import UnreadableStoredEvent, published

AGGREGATE = UUID("f04bbdb8-1586-5d95-9dc4-23f7e79c72a9")


def _row(state: bytes) -> asyncpg.Record:
    row: dict[str, Any] = {
        "notification_id": 7,
        "originator_id": AGGREGATE,
        "originator_version": 2,
        "topic": "domain.deal:Deal.LineAdded",
        "state": state,
    }
    return cast("asyncpg.Record", row)


def test_ids_times_and_decimals_are_untagged_at_any_depth() -> None:
    event = published(
        _row(
            b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-03-02T09:00:00+00:00"},'
            b'"originator_topic":"domain.deal:Deal",'
            b'"lines":[{"amount":{"_type_":"decimal_str","_data_":"12.50"},'
            b'"product_id":{"_type_":"uuid_hex","_data_":"f04bbdb815865d959dc423f7e79c72a9"}}],'
            b'"by":{"_type_":"uuid_hex","_data_":"00000000000000000000000000000001"},"note":null}'
        )
    )

    assert event.type == "Deal.LineAdded"
    assert event.occurred_at == datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert event.data == {
        "lines": [{"amount": "12.50", "product_id": str(AGGREGATE)}],
        "by": "00000000-0000-0000-0000-000000000001",
        "note": None,
    }


@pytest.mark.parametrize(
    ("state", "says"),
    [
        (b'{"timestamp": "2026-03-02T09:00:00+00:00", "x": {"_type_": "pickle", "_data_": "..."}}', "pickle"),
        (b"not json", "not the event store's JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"x": 1}', "no timestamp"),
    ],
)
def test_a_stored_event_that_is_not_the_stores_json_is_refused(state: bytes, says: str) -> None:
    with pytest.raises(UnreadableStoredEvent, match=says):
        published(_row(state))


def test_an_integer_past_64_bits_is_read_exactly() -> None:
    state = b'{"timestamp": "2026-01-01T00:00:00+00:00", "count": 123456789012345678901234567890}'
    assert published(_row(state)).data["count"] == 123456789012345678901234567890


@pytest.mark.parametrize(
    "value",
    [{"_type_": "x", "plan": "gold"}, {"_type_": 1, "_data_": "x"}, {"_type_": "uuid_hex", "_data_": 7}],
)
def test_a_value_shaped_like_a_tag_but_not_one_is_the_events_own(value: dict[str, Any]) -> None:
    state = b'{"timestamp": "2026-01-01T00:00:00+00:00", "values": ' + json.dumps(value).encode() + b"}"
    assert published(_row(state)).data["values"] == value
