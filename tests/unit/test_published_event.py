"""A stored event as the domain-events topic carries it: written by the outbox relay, read by the projections."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import DomainError
from domain.published_event import MAX_NOTIFICATION_ID, InvalidPublishedEvent, PublishedEvent
from services.router.published import encode

AGGREGATE = UUID("5f0c6c1e-0000-4000-8000-000000000001")
AT = datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def published(**overrides: Any) -> PublishedEvent:
    fields: dict[str, Any] = {
        "notification_id": 42,
        "type": "Manager.Registered",
        "aggregate_id": AGGREGATE,
        "version": 1,
        "occurred_at": AT,
        "data": {"name": "Anna", "email": "anna@example.com", "capacity": 3},
    }
    fields.update(overrides)
    return PublishedEvent(**fields)


def payload(**overrides: Any) -> dict[str, Any]:
    data = published().to_dict()
    data.update(overrides)
    return data


def test_on_the_wire_it_is_what_the_topic_has_always_carried() -> None:
    assert encode(published()) == (
        b'{"notification_id":42,"type":"Manager.Registered","aggregate_id":"5f0c6c1e-0000-4000-8000-000000000001",'
        b'"version":1,"occurred_at":"2025-03-01T09:30:15.123456+00:00",'
        b'"data":{"name":"Anna","email":"anna@example.com","capacity":3}}'
    )


def test_a_stand_in_keeps_the_envelope_and_says_why_it_has_no_data() -> None:
    stand_in = published().stand_in()
    assert stand_in.to_dict() == {**payload(), "data": None, "withheld": "too_large"}
    assert PublishedEvent.from_dict(json.loads(encode(stand_in))) == stand_in


def test_a_withheld_event_carries_no_data() -> None:
    with pytest.raises(InvalidPublishedEvent, match="withheld event carries no 'data'"):
        published(withheld="too_large")


def test_the_error_is_a_domain_error_and_a_value_error() -> None:
    assert issubclass(InvalidPublishedEvent, DomainError)
    assert issubclass(InvalidPublishedEvent, ValueError)


@pytest.mark.parametrize("data", [None, [], "event", 42])
def test_not_an_object(data: Any) -> None:
    with pytest.raises(InvalidPublishedEvent, match="JSON object"):
        PublishedEvent.from_dict(data)


@pytest.mark.parametrize("field", ["notification_id", "type", "aggregate_id", "version", "occurred_at", "data"])
def test_a_missing_field_is_named(field: str) -> None:
    data = payload()
    del data[field]
    with pytest.raises(InvalidPublishedEvent, match=f"'{field}'"):
        PublishedEvent.from_dict(data)


@pytest.mark.parametrize("value", ["7", 7.0, True, 0, -1, MAX_NOTIFICATION_ID + 1, None])
def test_the_notification_id_is_a_place_in_the_log_counted_from_one(value: Any) -> None:
    with pytest.raises(InvalidPublishedEvent, match="'notification_id' must be a whole number"):
        PublishedEvent.from_dict(payload(notification_id=value))


@pytest.mark.parametrize("value", ["1", -1, False, 1.5])
def test_the_version_is_a_whole_number(value: Any) -> None:
    with pytest.raises(InvalidPublishedEvent, match="'version' must be a whole number"):
        PublishedEvent.from_dict(payload(version=value))


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("type", "", "must not be empty"),
        ("type", "Lead.\x00Assigned", "NUL"),
        ("type", 5, "must be a string"),
        ("aggregate_id", "not-a-uuid", "is not a UUID"),
        ("aggregate_id", "\ud800", "is not a UUID"),
        ("aggregate_id", 5, "must be a string"),
        ("occurred_at", "\x00", "is not an ISO 8601 time"),
        ("occurred_at", "yesterday", "is not an ISO 8601 time"),
        ("occurred_at", "2025-03-01T09:30:15", "must carry a time zone"),
        ("withheld", 5, "must be a string"),
    ],
)
def test_each_field_is_checked_and_named(field: str, value: Any, problem: str) -> None:
    with pytest.raises(InvalidPublishedEvent, match=f"'{field}'.*{problem}|{problem}.*'{field}'"):
        PublishedEvent.from_dict(payload(**{field: value}))


@pytest.mark.parametrize("data", [None, [], "x"])
def test_the_data_of_an_event_not_withheld_is_an_object(data: Any) -> None:
    with pytest.raises(InvalidPublishedEvent, match="'data' must be a JSON object"):
        PublishedEvent.from_dict(payload(data=data))


def test_extra_fields_are_ignored() -> None:
    assert PublishedEvent.from_dict(payload(extra="x")) == published()


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
_offsets = st.integers(min_value=-23 * 60, max_value=23 * 60).map(lambda m: timezone(timedelta(minutes=m)))
_types = st.from_regex(r"[A-Z][a-z]{1,12}\.[A-Z][A-Za-z]{1,20}", fullmatch=True)


@given(
    notification_id=st.integers(min_value=1, max_value=MAX_NOTIFICATION_ID),
    kind=_types,
    aggregate_id=st.uuids(),
    version=st.integers(min_value=0, max_value=10**6),
    occurred_at=st.datetimes(timezones=_offsets),
    data=st.dictionaries(st.text(max_size=12), _json, max_size=5),
    withheld=st.booleans(),
)
def test_any_event_round_trips_through_its_record(  # noqa: PLR0913
    notification_id: int,
    kind: str,
    aggregate_id: UUID,
    version: int,
    occurred_at: datetime,
    data: dict[str, Any],
    withheld: bool,
) -> None:
    original = PublishedEvent(notification_id, kind, aggregate_id, version, occurred_at, data)
    if withheld:
        original = original.stand_in()
    restored = PublishedEvent.from_dict(json.loads(encode(original)))
    assert restored == original
    assert restored.occurred_at.utcoffset() == occurred_at.utcoffset()


@given(_json)
def test_whatever_the_record_holds_no_other_error_escapes(value: Any) -> None:
    for data in (value, payload(data=value), payload(notification_id=value), payload(occurred_at=value)):
        try:
            PublishedEvent.from_dict(data)
        except InvalidPublishedEvent:
            continue


@given(
    notification_id=st.integers(min_value=1, max_value=MAX_NOTIFICATION_ID),
    kind=_types,
    version=st.integers(min_value=0, max_value=MAX_NOTIFICATION_ID),
    occurred_at=st.datetimes(timezones=_offsets),
    data=st.dictionaries(st.text(max_size=12), _json, max_size=5),
)
def test_a_stored_event_made_the_quick_way_is_the_event_the_constructor_makes(
    notification_id: int, kind: str, version: int, occurred_at: datetime, data: dict[str, Any]
) -> None:
    made = PublishedEvent.stored(notification_id, kind, AGGREGATE, version, occurred_at, data)
    expected = PublishedEvent(notification_id, kind, AGGREGATE, version, occurred_at, data)
    assert made == expected
    assert vars(made) == vars(expected)
    assert list(vars(made)) == list(vars(expected))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("notification_id", 0),
        ("notification_id", True),
        ("notification_id", MAX_NOTIFICATION_ID + 1),
        ("notification_id", 7.0),
        ("type", ""),
        ("type", "Lead.\x00Assigned"),
        ("type", 5),
        ("version", -1),
        ("version", False),
        ("version", "1"),
        ("occurred_at", datetime(2025, 3, 1, 9, 30)),  # noqa: DTZ001 - the naive time refused
    ],
)
def test_a_stored_event_made_the_quick_way_is_refused_as_the_constructor_refuses_it(field: str, value: Any) -> None:
    fields = {**published().__dict__, field: value}
    with pytest.raises(InvalidPublishedEvent) as expected:
        PublishedEvent(**fields)
    fields["event_type"] = fields.pop("type")
    del fields["withheld"]
    with pytest.raises(InvalidPublishedEvent) as refused:
        PublishedEvent.stored(**fields)
    assert str(refused.value) == str(expected.value)


class _Count(int):
    """A whole number of a subclass of int: accepted by the constructor's checks, so by the quick way too."""


def test_a_whole_number_of_a_subclass_is_accepted_the_quick_way_as_by_the_constructor() -> None:
    made = PublishedEvent.stored(_Count(5), "Lead.Assigned", AGGREGATE, _Count(2), AT, {})
    assert made == PublishedEvent(_Count(5), "Lead.Assigned", AGGREGATE, _Count(2), AT, {})
