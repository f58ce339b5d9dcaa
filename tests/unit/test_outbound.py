"""Replies and queue notices: the published language of the outbound topic."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.channels import MAX_ADDRESS_LENGTH, Channel, ChannelAddress
from domain.errors import DomainError
from domain.inbound import MAX_ID_LENGTH, MAX_REFERENCES, MAX_SUBJECT_LENGTH
from domain.outbound import (
    MAX_REPLY_TEXT,
    InvalidOutboundMessage,
    OutboundReply,
    QueuePosition,
    bound_for,
    outbound_from_dict,
)

CONVERSATION = UUID("5f0c6c1e-0000-4000-8000-000000000001")
REPLY_ID = UUID("5f0c6c1e-0000-4000-8000-000000000002")
MANAGER = UUID("5f0c6c1e-0000-4000-8000-000000000003")
SENT = datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def reply(**overrides: Any) -> OutboundReply:
    fields: dict[str, Any] = {
        "conversation_id": CONVERSATION,
        "reply_id": REPLY_ID,
        "manager_id": MANAGER,
        "channel": Channel.EMAIL,
        "address": ChannelAddress(Channel.EMAIL, "anna@example.com"),
        "text": "It ships today.\nRegards",
        "sent_at": SENT,
        "source": "sales",
        "subject": "Delivery to Riga",
        "in_reply_to": "riga-1@customer.example",
        "references": ("news-1@shop.example", "riga-1@customer.example"),
    }
    fields.update(overrides)
    return OutboundReply(**fields)


def payload(**overrides: Any) -> dict[str, Any]:
    data = reply().to_dict()
    data.update(overrides)
    return data


def test_a_reply_on_the_wire_is_what_the_topic_has_always_carried() -> None:
    assert reply().to_dict() == {
        "kind": "reply",
        "conversation_id": str(CONVERSATION),
        "reply_id": str(REPLY_ID),
        "manager_id": str(MANAGER),
        "channel": "email",
        "address": "email:anna@example.com",
        "text": "It ships today.\nRegards",
        "sent_at": "2025-03-01T09:30:15.123456+00:00",
        "source": "sales",
        "subject": "Delivery to Riga",
        "in_reply_to": "riga-1@customer.example",
        "references": ["news-1@shop.example", "riga-1@customer.example"],
    }


def test_a_queue_notice_on_the_wire_is_what_the_topic_has_always_carried() -> None:
    notice = QueuePosition(CONVERSATION, 3)
    assert notice.to_dict() == {"kind": "queue_position", "conversation_id": str(CONVERSATION), "position": 3}


def test_a_record_the_relay_published_before_the_types_is_read() -> None:
    # As the relay wrote it: the OperatorReplied event's data, its kind and its conversation, in that order.
    earlier = (
        '{"kind": "reply", "reply_id": "5f0c6c1e-0000-4000-8000-000000000002",'
        ' "manager_id": "5f0c6c1e-0000-4000-8000-000000000003", "text": "It ships today.\\nRegards",'
        ' "sent_at": "2025-03-01T09:30:15.123456+00:00", "channel": "email", "address": "email:anna@example.com",'
        ' "source": "sales", "subject": "Delivery to Riga", "in_reply_to": "riga-1@customer.example",'
        ' "references": ["news-1@shop.example", "riga-1@customer.example"],'
        ' "conversation_id": "5f0c6c1e-0000-4000-8000-000000000001"}'
    )
    assert outbound_from_dict(json.loads(earlier)) == reply()
    notice = '{"kind": "queue_position", "conversation_id": "5f0c6c1e-0000-4000-8000-000000000001", "position": 2}'
    assert outbound_from_dict(json.loads(notice)) == QueuePosition(CONVERSATION, 2)


def test_both_kinds_round_trip_through_json() -> None:
    for message in (reply(), reply(channel=Channel.WEBCHAT, address=ChannelAddress(Channel.WEBCHAT, "v1"))):
        restored = outbound_from_dict(json.loads(json.dumps(message.to_dict())))
        assert restored == message
        assert isinstance(restored, OutboundReply)
        assert restored.channel is message.channel
    assert outbound_from_dict(json.loads(json.dumps(QueuePosition(CONVERSATION, 1).to_dict()))) == QueuePosition(
        CONVERSATION, 1
    )


def test_the_time_keeps_its_offset() -> None:
    sent = SENT.astimezone(timezone(timedelta(hours=3)))
    assert OutboundReply.from_dict(payload(sent_at=sent.isoformat())).sent_at.utcoffset() == timedelta(hours=3)


def test_what_only_mail_has_may_be_left_out() -> None:
    data = payload()
    for name in ("source", "subject", "in_reply_to", "references"):
        del data[name]
    restored = OutboundReply.from_dict(data)
    assert (restored.source, restored.subject, restored.in_reply_to, restored.references) == ("", "", "", ())


def test_extra_fields_are_ignored() -> None:
    assert OutboundReply.from_dict(payload(unexpected="x")) == reply()


def test_the_errors_are_domain_errors() -> None:
    assert issubclass(InvalidOutboundMessage, DomainError)


@pytest.mark.parametrize("data", [None, [], "text", 42, [("kind", "reply")]])
def test_not_an_object(data: Any) -> None:
    with pytest.raises(InvalidOutboundMessage, match="an outbound message must be a JSON object"):
        outbound_from_dict(data)


@pytest.mark.parametrize("kind", [None, "", "Reply", "queue", 1, ["reply"]])
def test_an_unknown_kind(kind: Any) -> None:
    with pytest.raises(InvalidOutboundMessage, match="'kind' must be one of 'reply', 'queue_position', not "):
        outbound_from_dict(payload(kind=kind))


def test_each_type_reads_only_its_own_kind() -> None:
    with pytest.raises(InvalidOutboundMessage, match="'kind' must be 'queue_position', not 'reply'"):
        QueuePosition.from_dict(payload())
    with pytest.raises(InvalidOutboundMessage, match="'kind' must be 'reply', not 'queue_position'"):
        OutboundReply.from_dict(QueuePosition(CONVERSATION, 1).to_dict())


@pytest.mark.parametrize("field", ["reply_id", "conversation_id", "manager_id", "address", "sent_at"])
def test_a_missing_field_is_named(field: str) -> None:
    data = payload()
    del data[field]
    with pytest.raises(InvalidOutboundMessage, match=f"'{field}' must be a string, not null"):
        OutboundReply.from_dict(data)


@pytest.mark.parametrize("field", ["reply_id", "conversation_id", "manager_id"])
@pytest.mark.parametrize("value", ["not-a-uuid", "5f0c6c1e", "g" * 32])
def test_an_id_that_is_not_a_uuid(field: str, value: str) -> None:
    with pytest.raises(InvalidOutboundMessage, match=f"'{field}' '{value}' is not a UUID"):
        OutboundReply.from_dict(payload(**{field: value}))


@pytest.mark.parametrize(("field", "value", "problem"), [
    ("reply_id", " " + str(REPLY_ID)[1:], "must not start or end with blanks"),
    ("conversation_id", str(CONVERSATION)[:-1] + "\x00", "must not contain NUL characters"),
    ("manager_id", 7, "must be a string, not a number"),
    ("reply_id", "x" * 37, "is longer than 36 characters"),
])  # fmt: skip
def test_ids_go_through_the_text_rule(field: str, value: Any, problem: str) -> None:
    with pytest.raises(InvalidOutboundMessage, match=f"'{field}' {problem}"):
        OutboundReply.from_dict(payload(**{field: value}))


@pytest.mark.parametrize("channel", [None, "fax", "EMAIL", 3])
def test_an_unknown_channel(channel: Any) -> None:
    with pytest.raises(InvalidOutboundMessage, match=r"'channel' must be one of webchat, email, .* not "):
        OutboundReply.from_dict(payload(channel=channel))


@pytest.mark.parametrize(("address", "problem"), [
    ("anna@example.com", "must look like 'channel:value'"),
    ("fax:123", "unknown channel 'fax'"),
    ("email:", "'email address' must not be empty"),
])  # fmt: skip
def test_an_address_that_is_not_one(address: str, problem: str) -> None:
    with pytest.raises(InvalidOutboundMessage, match=f"'address' is not an address: .*{re.escape(problem)}"):
        OutboundReply.from_dict(payload(address=address))


def test_an_address_of_another_channel() -> None:
    with pytest.raises(InvalidOutboundMessage, match="'address' webchat:v1 is not an address in email"):
        OutboundReply.from_dict(payload(address="webchat:v1"))


def test_an_address_too_long() -> None:
    with pytest.raises(InvalidOutboundMessage, match=f"'email address' is longer than {MAX_ADDRESS_LENGTH}"):
        OutboundReply.from_dict(payload(address="email:" + "a" * (MAX_ADDRESS_LENGTH + 1)))


@pytest.mark.parametrize("when", ["yesterday", "2025-13-01T00:00:00+00:00", "1714000000"])
def test_a_time_that_is_not_one(when: str) -> None:
    with pytest.raises(InvalidOutboundMessage, match=re.escape(f"'sent_at' '{when}' is not an ISO 8601 time")):
        OutboundReply.from_dict(payload(sent_at=when))


def test_a_time_without_a_zone() -> None:
    with pytest.raises(InvalidOutboundMessage, match="'sent_at' must carry a time zone"):
        OutboundReply.from_dict(payload(sent_at="2025-03-01T09:30:00"))


@pytest.mark.parametrize("value", [None, 7, ["hi"], {"x": 1}, True])
def test_a_text_that_is_not_a_string(value: Any) -> None:
    with pytest.raises(InvalidOutboundMessage, match="'text' must be a string, not "):
        OutboundReply.from_dict(payload(text=value))


def test_the_text_of_a_reply_stored_with_nul_or_a_lone_surrogate_is_delivered_without_them() -> None:
    assert OutboundReply.from_dict(payload(text="Null\x00byte \ud800here")).text == "Nullbyte ?here"


def test_other_control_characters_in_the_text_are_refused() -> None:
    with pytest.raises(InvalidOutboundMessage, match="'text' must not contain the control character U\\+0007"):
        OutboundReply.from_dict(payload(text="bell\x07"))


def test_the_text_has_a_bound() -> None:
    assert len(OutboundReply.from_dict(payload(text="x" * MAX_REPLY_TEXT)).text) == MAX_REPLY_TEXT
    with pytest.raises(InvalidOutboundMessage, match=f"'text' is longer than {MAX_REPLY_TEXT} characters"):
        OutboundReply.from_dict(payload(text="x" * (MAX_REPLY_TEXT + 1)))


@pytest.mark.parametrize(("field", "value", "problem"), [
    ("subject", "two\nlines", "must not contain the control character U+000A"),
    ("subject", "x" * (MAX_SUBJECT_LENGTH + 1), f"is longer than {MAX_SUBJECT_LENGTH} characters"),
    ("source", "sa\x00les", "must not contain NUL characters"),
    ("source", 5, "must be a string, not 5"),
    ("in_reply_to", " <id@x>", "must not start or end with blanks"),
    ("in_reply_to", "x" * (MAX_ID_LENGTH + 1), f"is longer than {MAX_ID_LENGTH} characters"),
])  # fmt: skip
def test_what_mail_threads_by_goes_through_the_text_rule(field: str, value: Any, problem: str) -> None:
    with pytest.raises(InvalidOutboundMessage, match=f"'{field}' {re.escape(problem)}"):
        OutboundReply.from_dict(payload(**{field: value}))


@pytest.mark.parametrize("references", ["a@x", [1], [None], {"a": 1}])
def test_references_must_be_a_list_of_strings(references: Any) -> None:
    with pytest.raises(InvalidOutboundMessage, match="'references' must be a list of strings"):
        OutboundReply.from_dict(payload(references=references))


def test_each_reference_goes_through_the_text_rule() -> None:
    with pytest.raises(InvalidOutboundMessage, match=r"'references\[1\]' must not be empty"):
        OutboundReply.from_dict(payload(references=["a@x", ""]))
    with pytest.raises(InvalidOutboundMessage, match=f"'references' must hold at most {MAX_REFERENCES} ids"):
        OutboundReply.from_dict(payload(references=[f"{n}@x" for n in range(MAX_REFERENCES + 1)]))


@pytest.mark.parametrize(("position", "problem"), [
    (0, "must be between 1 and"),
    (-1, "must be between 1 and"),
    (2**31, "must be between 1 and"),
    (True, "must be a whole number"),
    (1.5, "must be a whole number"),
    ("2", "must be a whole number"),
    (None, "must be a whole number"),
])  # fmt: skip
def test_a_queue_position_is_a_place_counted_from_one(position: Any, problem: str) -> None:
    data = {"kind": "queue_position", "conversation_id": str(CONVERSATION), "position": position}
    with pytest.raises(InvalidOutboundMessage, match=f"'position' {problem}"):
        outbound_from_dict(data)


def test_a_queue_notice_needs_its_conversation() -> None:
    with pytest.raises(InvalidOutboundMessage, match="'conversation_id' 'v1' is not a UUID"):
        outbound_from_dict({"kind": "queue_position", "conversation_id": "v1", "position": 1})


@pytest.mark.parametrize(("data", "channel"), [
    ({"kind": "reply", "channel": "email"}, Channel.EMAIL),
    ({"kind": "reply", "channel": "webchat", "text": 7}, Channel.WEBCHAT),
    ({"kind": "reply", "channel": "fax"}, None),
    ({"kind": "reply", "channel": ["email"]}, None),
    ({"kind": "reply"}, None),
    ({"kind": "queue_position", "channel": "email"}, None),
    (["reply"], None),
    ("email", None),
])  # fmt: skip
def test_a_record_is_bound_for_the_channel_its_reply_names(data: object, channel: Channel | None) -> None:
    assert bound_for(data) is channel


# What the text rule lets through: no control characters (Cc) or lone surrogates (Cs); ids without surrounding blanks.
_lines = st.characters(blacklist_categories=("Cc", "Cs"))
_ids = st.text(_lines, min_size=1, max_size=MAX_ID_LENGTH).filter(lambda s: s.strip() == s and s)
_addresses = st.text(_lines, min_size=1, max_size=MAX_ADDRESS_LENGTH).filter(lambda s: s.strip() == s and s)
_free_text = st.text(st.one_of(_lines, st.sampled_from("\t\n\r")), max_size=300)
_offsets = st.integers(min_value=-23 * 60, max_value=23 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@given(
    channel=st.sampled_from(list(Channel)),
    ids=st.tuples(st.uuids(), st.uuids(), st.uuids()),
    address=_addresses,
    text=_free_text,
    sent_at=st.datetimes(timezones=_offsets),
    lines=st.tuples(st.text(_lines, max_size=40), st.text(_lines, max_size=80)),
    in_reply_to=st.one_of(st.just(""), _ids),
    references=st.lists(_ids, max_size=5).map(tuple),
)
def test_any_valid_reply_round_trips(  # noqa: PLR0913
    channel: Channel,
    ids: tuple[UUID, UUID, UUID],
    address: str,
    text: str,
    sent_at: datetime,
    lines: tuple[str, str],
    in_reply_to: str,
    references: tuple[str, ...],
) -> None:
    original = OutboundReply(
        conversation_id=ids[0],
        reply_id=ids[1],
        manager_id=ids[2],
        channel=channel,
        address=ChannelAddress(channel, address),
        text=text,
        sent_at=sent_at,
        source=lines[0],
        subject=lines[1],
        in_reply_to=in_reply_to,
        references=references,
    )
    assert outbound_from_dict(json.loads(json.dumps(original.to_dict()))) == original


@given(conversation=st.uuids(), position=st.integers(min_value=1, max_value=2**31 - 1))
def test_any_queue_notice_round_trips(conversation: UUID, position: int) -> None:
    original = QueuePosition(conversation, position)
    assert outbound_from_dict(json.loads(json.dumps(original.to_dict()))) == original


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(), lambda inner: st.lists(inner, max_size=3)))
def test_whatever_the_record_holds_no_other_error_escapes(value: Any) -> None:
    for data in (value, payload(text=value), payload(references=value), payload(reply_id=value)):
        try:
            outbound_from_dict(data)
        except InvalidOutboundMessage:
            continue
