"""Stored events read back as the domain-events topic carries them: tags untagged at any depth, bad JSON refused."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID

import asyncpg
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.published_event import PublishedEvent
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


@pytest.mark.parametrize(
    "state",
    [
        b'{"timestamp": "2026-01-01T00:00:00+00:00", "count": 123456789012345678901234567890}',
        b'{"timestamp": "2026-01-01T00:00:00+00:00", "count": -9223372036854775809, "share": 0.5}',
        b'{"timestamp": "2026-01-01T00:00:00+00:00", "lines": [{"line": {"count": 18446744073709551616}}]}',
        b'{"timestamp": "2026-01-01T00:00:00+00:00", "line": {"count": 18446744073709551616}, "id": 1}',
    ],
)
def test_an_integer_past_64_bits_is_read_exactly(state: bytes) -> None:
    expected = json.loads(state)
    del expected["timestamp"]
    assert repr(published(_row(state)).data) == repr(expected)


@pytest.mark.parametrize(
    "value",
    [
        {"_type_": "x", "plan": "gold"},
        {"_type_": 1, "_data_": "x"},
        {"_type_": "uuid_hex", "_data_": 7},
        {"_type_": "uuid_hex", "_data_": "f04bbdb815865d959dc423f7e79c72a9", "note": "x"},
    ],
)
def test_a_value_shaped_like_a_tag_but_not_one_is_the_events_own(value: dict[str, Any]) -> None:
    state = b'{"timestamp": "2026-01-01T00:00:00+00:00", "values": ' + json.dumps(value).encode() + b"}"
    assert published(_row(state)).data["values"] == value


# The reading as it was before it was made quicker, kept as the reference every quicker path must equal.
_NINETEEN_DIGITS = re.compile(rb"[0-9]{19}")


def _read_as_before(state: bytes) -> Any:
    try:
        if _NINETEEN_DIGITS.search(state):
            attributes = json.loads(state)
        else:
            try:
                attributes = orjson.loads(state)
            except orjson.JSONDecodeError:
                attributes = json.loads(state)
    except ValueError as error:
        msg = f"stored event 7 is not the event store's JSON: {error}"
        raise UnreadableStoredEvent(msg) from None
    if not isinstance(attributes, dict):
        msg = "stored event 7 is not a JSON object"
        raise UnreadableStoredEvent(msg)
    _untag_as_before(attributes)
    occurred_at = attributes.pop("timestamp", None)
    if not isinstance(occurred_at, str):
        msg = "stored event 7 has no timestamp"
        raise UnreadableStoredEvent(msg)
    attributes.pop("originator_topic", None)
    return PublishedEvent(7, "Deal.LineAdded", AGGREGATE, 2, datetime.fromisoformat(occurred_at), attributes)


def _untag_as_before(values: dict[str, Any] | list[Any]) -> None:
    for place, value in values.items() if isinstance(values, dict) else enumerate(values):
        if isinstance(value, dict):
            kind, data = value.get("_type_"), value.get("_data_")
            if "_type_" not in value or len(value) != 2 or not isinstance(kind, str) or not isinstance(data, str):
                _untag_as_before(value)
            elif kind == "uuid_hex":
                values[place] = f"{data[:8]}-{data[8:12]}-{data[12:16]}-{data[16:20]}-{data[20:]}"  # type: ignore[index]
            elif kind in ("datetime_iso", "decimal_str"):
                values[place] = data  # type: ignore[index]
            else:
                msg = f"a value tagged {kind!r}, which the event store does not write"
                raise UnreadableStoredEvent(msg)
        elif isinstance(value, list):
            _untag_as_before(value)


def _outcome(read: Callable[[bytes], Any], state: bytes) -> tuple[str, ...]:
    """What reading ``state`` gives, with every value's type: repr tells 1 from 1.0 and True, and keeps key order."""
    try:
        event = read(state)
    except (UnreadableStoredEvent, ValueError) as error:
        return (type(error).__name__, str(error))
    return (repr(event), repr(event.occurred_at.utcoffset()), type(event.aggregate_id).__name__)


_hex = st.text("0123456789abcdef", min_size=32, max_size=32)
_tag_like_text = st.sampled_from(
    [
        '{"_type_":"uuid_hex","_data_":"f04bbdb815865d959dc423f7e79c72a9"}',
        '{"_type_":"datetime_iso","_data_":"2026-03-02T09:00:00+00:00"}',
        '"_type_"',
        "\\u005f",
        '{"_type_":"',
        "1234567890123456789012",
        "uuid_hex",
        "datetime_iso",
        "decimal_str",
        "pickle",
    ]
)
_texts = st.text(max_size=12) | _tag_like_text | st.tuples(st.text(max_size=4), _tag_like_text).map("".join)
_tags = (
    st.builds(lambda data: {"_type_": "uuid_hex", "_data_": data}, _hex | _texts)
    | st.builds(
        lambda data: {"_type_": "datetime_iso", "_data_": data},
        st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat) | _texts,
    )
    | st.builds(lambda data: {"_type_": "decimal_str", "_data_": data}, st.decimals(places=2).map(str) | _texts)
)
_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats()
    | _texts
    | _tags
)
_keys = st.sampled_from(["_type_", "_data_", "timestamp", "id"]) | _texts
_values = st.recursive(
    _leaves,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(_keys, inner, max_size=3)
        # shaped like a tag, not one: a third key, data that is not text, a kind the store does not write
        | st.builds(lambda kind, data: {"_type_": kind, "_data_": data}, _texts | st.integers(), inner)
        | st.builds(lambda tag, more: {**tag, **more}, _tags, st.dictionaries(_keys, inner, max_size=2))
    ),
    max_leaves=12,
)
_states = st.fixed_dictionaries(
    {},
    optional={
        "timestamp": _tags | _texts | st.integers(),
        "originator_topic": st.just("domain.deal:Deal"),
    },
).flatmap(lambda envelope: st.dictionaries(_keys, _values, max_size=6).map(lambda data: {**envelope, **data}))


def _as_written(state: dict[str, Any], how: int) -> bytes:
    if how == 0:  # the library's transcoder
        return json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")
    if how == 1:  # escaped, with spaces
        return json.dumps(state).encode()
    try:  # the store's orjson transcoder
        return orjson.dumps(state)
    except TypeError:
        return json.dumps(state).encode()


@given(_states, st.integers(min_value=0, max_value=2))
def test_any_state_reads_as_it_read_before(state: dict[str, Any], how: int) -> None:
    written = _as_written(state, how)
    assert _outcome(lambda s: published(_row(s)), written) == _outcome(_read_as_before, written)


@given(_states, st.integers(min_value=0, max_value=2), st.data())
def test_a_damaged_state_is_refused_or_read_as_before(state: dict[str, Any], how: int, data: st.DataObject) -> None:
    written = _as_written(state, how)
    cut = data.draw(st.integers(min_value=0, max_value=len(written)))
    damaged = written[:cut] + data.draw(st.binary(max_size=3)) + written[cut + data.draw(st.integers(0, 3)) :]
    assert _outcome(lambda s: published(_row(s)), damaged) == _outcome(_read_as_before, damaged)
