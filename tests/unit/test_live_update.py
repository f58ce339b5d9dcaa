"""What the projections tell the gateways: the read models that changed, in NOTIFY payloads."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import DomainError
from domain.live_update import NOTIFY_LIMIT, InvalidLiveUpdate, ReadModelsChanged

ANNA = UUID("5f0c6c1e-0000-4000-8000-000000000001")
BORIS = UUID("5f0c6c1e-0000-4000-8000-000000000002")


def test_on_the_wire_the_names_say_what_the_ids_are() -> None:
    changed = ReadModelsChanged(conversation_ids=(ANNA, BORIS), message_notification_ids=(41, 42))
    assert changed.to_dict() == {"conversation_ids": [str(ANNA), str(BORIS)], "message_notification_ids": [41, 42]}
    assert changed.payloads() == [json.dumps(changed.to_dict())]


def test_a_payload_under_the_earlier_one_letter_names_is_read() -> None:
    earlier = json.dumps({"c": [str(ANNA)], "m": [7]})
    assert ReadModelsChanged.from_payload(earlier) == ReadModelsChanged((ANNA,), (7,))


def test_either_list_may_be_left_out() -> None:
    assert ReadModelsChanged.from_dict({}) == ReadModelsChanged()
    assert ReadModelsChanged.from_dict({"message_notification_ids": [3]}) == ReadModelsChanged((), (3,))


def test_nothing_changed_is_no_notification() -> None:
    assert ReadModelsChanged().payloads() == []


def test_a_large_change_is_split_under_the_limit_in_order() -> None:
    conversations = tuple(uuid4() for _ in range(400))
    messages = tuple(range(10**15, 10**15 + 600))
    payloads = ReadModelsChanged(conversations, messages).payloads()
    assert len(payloads) > 1
    assert all(len(payload.encode()) <= NOTIFY_LIMIT for payload in payloads)
    read = [ReadModelsChanged.from_payload(payload) for payload in payloads]
    assert tuple(c for part in read for c in part.conversation_ids) == conversations
    assert tuple(m for part in read for m in part.message_notification_ids) == messages


def test_the_default_limit_is_under_what_postgres_accepts() -> None:
    assert NOTIFY_LIMIT < 8000


def test_the_error_is_a_domain_error() -> None:
    assert issubclass(InvalidLiveUpdate, DomainError)


@pytest.mark.parametrize("payload", ["not json", "[" * 100_000, ""])
def test_a_payload_that_is_not_json(payload: str) -> None:
    with pytest.raises(InvalidLiveUpdate, match="a live update must be JSON"):
        ReadModelsChanged.from_payload(payload)


@pytest.mark.parametrize("data", [None, [], "c", 7])
def test_not_an_object(data: Any) -> None:
    with pytest.raises(InvalidLiveUpdate, match="a live update must be a JSON object"):
        ReadModelsChanged.from_dict(data)


@pytest.mark.parametrize("name", ["conversation_ids", "c"])
def test_conversations_must_be_a_list(name: str) -> None:
    with pytest.raises(InvalidLiveUpdate, match="'conversation_ids' must be a list"):
        ReadModelsChanged.from_dict({name: str(ANNA)})


@pytest.mark.parametrize("value", ["v1", 7, None, ["x"], "g" * 32])
def test_a_conversation_id_that_is_not_a_uuid(value: Any) -> None:
    with pytest.raises(InvalidLiveUpdate, match=r"'conversation_ids\[1\]' must be a UUID"):
        ReadModelsChanged.from_dict({"conversation_ids": [str(ANNA), value]})


@pytest.mark.parametrize("value", ["7", 0, -1, 1.5, True, None, 2**63])
def test_a_message_notification_id_that_is_not_one(value: Any) -> None:
    with pytest.raises(InvalidLiveUpdate, match=r"'message_notification_ids\[0\]' must be a notification id"):
        ReadModelsChanged.from_dict({"m": [value]})


@given(
    conversations=st.lists(st.uuids(), max_size=300).map(tuple),
    messages=st.lists(st.integers(min_value=1, max_value=2**63 - 1), max_size=300).map(tuple),
    limit=st.integers(min_value=200, max_value=NOTIFY_LIMIT),
)
def test_any_change_splits_into_payloads_that_read_back_whole(
    conversations: tuple[UUID, ...], messages: tuple[int, ...], limit: int
) -> None:
    payloads = ReadModelsChanged(conversations, messages).payloads(limit)
    assert all(len(payload.encode()) <= limit for payload in payloads)
    read = [ReadModelsChanged.from_payload(payload) for payload in payloads]
    assert all(part.conversation_ids or part.message_notification_ids for part in read)
    assert tuple(c for part in read for c in part.conversation_ids) == conversations
    assert tuple(m for part in read for m in part.message_notification_ids) == messages


@given(conversations=st.lists(st.uuids(), max_size=20).map(tuple), messages=st.lists(st.integers(1, 10**9)).map(tuple))
def test_any_change_round_trips_through_json(conversations: tuple[UUID, ...], messages: tuple[int, ...]) -> None:
    original = ReadModelsChanged(conversations, messages)
    assert ReadModelsChanged.from_dict(json.loads(json.dumps(original.to_dict()))) == original


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)


@given(_json)
def test_whatever_a_payload_holds_no_other_error_escapes(value: Any) -> None:
    for data in (
        value,
        {"conversation_ids": value},
        {"message_notification_ids": [value]},
        {"c": [value]},
        {"deal_ids": value},
        {"reminder_activity_ids": [value]},
    ):
        try:
            ReadModelsChanged.from_dict(data)
        except InvalidLiveUpdate:
            continue
    for payload in (json.dumps(value), str(value)):
        try:
            ReadModelsChanged.from_payload(payload)
        except InvalidLiveUpdate:
            continue


def test_deals_activities_and_reminders_travel_under_their_names() -> None:
    changed = ReadModelsChanged(deal_ids=(ANNA,), activity_ids=(BORIS,), reminder_activity_ids=(BORIS,))
    assert changed.to_dict() == {
        "conversation_ids": [],
        "message_notification_ids": [],
        "deal_ids": [str(ANNA)],
        "activity_ids": [str(BORIS)],
        "reminder_activity_ids": [str(BORIS)],
    }
    assert [ReadModelsChanged.from_payload(p) for p in changed.payloads()] == [changed]


def test_a_payload_written_before_deals_were_told_reads_as_no_deal_changed() -> None:
    earlier = json.dumps({"conversation_ids": [str(ANNA)], "message_notification_ids": [7]})
    assert ReadModelsChanged.from_payload(earlier) == ReadModelsChanged((ANNA,), (7,), (), (), ())


@pytest.mark.parametrize("name", ["deal_ids", "activity_ids", "reminder_activity_ids"])
def test_a_deal_or_activity_id_that_is_not_a_uuid(name: str) -> None:
    with pytest.raises(InvalidLiveUpdate, match=rf"'{name}\[1\]' must be a UUID"):
        ReadModelsChanged.from_dict({name: [str(ANNA), 7]})
    with pytest.raises(InvalidLiveUpdate, match=f"'{name}' must be a list"):
        ReadModelsChanged.from_dict({name: str(ANNA)})


_ids = st.lists(st.uuids(), max_size=150).map(tuple)


@given(
    conversations=_ids,
    messages=st.lists(st.integers(min_value=1, max_value=2**63 - 1), max_size=150).map(tuple),
    deals=_ids,
    activities=_ids,
    reminders=_ids,
    limit=st.integers(min_value=300, max_value=NOTIFY_LIMIT),
)
def test_every_kind_of_change_splits_into_payloads_that_read_back_whole(  # noqa: PLR0913 - one list of each kind
    conversations: tuple[UUID, ...],
    messages: tuple[int, ...],
    deals: tuple[UUID, ...],
    activities: tuple[UUID, ...],
    reminders: tuple[UUID, ...],
    limit: int,
) -> None:
    original = ReadModelsChanged(conversations, messages, deals, activities, reminders)
    payloads = original.payloads(limit)
    assert all(len(payload.encode()) <= limit for payload in payloads)
    read = [ReadModelsChanged.from_payload(payload) for payload in payloads]
    assert all(part != ReadModelsChanged() for part in read)
    assert tuple(d for part in read for d in part.deal_ids) == deals
    assert tuple(a for part in read for a in part.activity_ids) == activities
    assert tuple(r for part in read for r in part.reminder_activity_ids) == reminders
    assert tuple(c for part in read for c in part.conversation_ids) == conversations
    assert tuple(m for part in read for m in part.message_notification_ids) == messages
    assert ReadModelsChanged.from_dict(json.loads(json.dumps(original.to_dict()))) == original
