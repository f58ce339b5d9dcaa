"""The inbound message: the published language of the inbound topic."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.attachments import Attachment
from domain.channels import MAX_ADDRESS_LENGTH, Channel, ChannelAddress
from domain.errors import DomainError, InvalidInboundMessage
from domain.inbound import MAX_ID_LENGTH, MAX_TEXT_LENGTH, InboundMessage

RECEIVED = datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def message(**overrides: Any) -> InboundMessage:
    fields: dict[str, Any] = {
        "channel": Channel.WEBCHAT,
        "channel_message_id": "v1/m1",
        "thread": "v1",
        "sender": ChannelAddress(Channel.WEBCHAT, "v1"),
        "text": "hello",
        "received_at": RECEIVED,
        "sender_name": "Visitor",
        "source": "widget",
    }
    fields.update(overrides)
    return InboundMessage(**fields)


def payload(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = message().to_dict()
    data.update(overrides)
    return data


def test_to_dict_of_a_webchat_message_is_plain_strings() -> None:
    assert message().to_dict() == {
        "channel": "webchat",
        "channel_message_id": "v1/m1",
        "thread": "v1",
        "sender": "webchat:v1",
        "sender_name": "Visitor",
        "text": "hello",
        "received_at": "2025-03-01T09:30:15.123456+00:00",
        "source": "widget",
    }


def test_round_trip_through_json() -> None:
    original = message(received_at=RECEIVED.astimezone(timezone(timedelta(hours=3))))
    restored = InboundMessage.from_dict(json.loads(json.dumps(original.to_dict())))
    assert restored == original
    assert restored.received_at.utcoffset() == timedelta(hours=3)
    assert restored.channel is Channel.WEBCHAT


def test_the_key_keeps_one_thread_in_one_partition() -> None:
    assert message().key == "webchat/v1"
    assert message(channel_message_id="v1/m2").key == message().key


def test_optional_fields_default_to_empty() -> None:
    data = payload()
    del data["sender_name"], data["source"]
    restored = InboundMessage.from_dict(data)
    assert (restored.sender_name, restored.source) == ("", "")


def test_extra_fields_are_ignored() -> None:
    assert InboundMessage.from_dict(payload(unexpected="x")) == message()


def test_the_error_is_a_domain_error() -> None:
    assert issubclass(InvalidInboundMessage, DomainError)


@pytest.mark.parametrize("data", [None, [], "text", 42, [("channel", "webchat")]])
def test_not_an_object(data: Any) -> None:
    with pytest.raises(InvalidInboundMessage, match="must be a JSON object"):
        InboundMessage.from_dict(data)


@pytest.mark.parametrize("field", ["channel", "channel_message_id", "thread", "sender", "text", "received_at"])
def test_missing_field(field: str) -> None:
    data = payload()
    del data[field]
    with pytest.raises(InvalidInboundMessage, match=f"field '{field}' is missing or not a string"):
        InboundMessage.from_dict(data)


@pytest.mark.parametrize("field", ["channel", "channel_message_id", "thread", "sender", "text", "received_at"])
@pytest.mark.parametrize("value", [None, 7, ["x"], {"x": 1}, True])
def test_non_string_field(field: str, value: Any) -> None:
    with pytest.raises(InvalidInboundMessage, match=f"field '{field}' is missing or not a string"):
        InboundMessage.from_dict(payload(**{field: value}))


@pytest.mark.parametrize("channel", ["fax", "WEBCHAT", ""])
def test_unknown_channel(channel: str) -> None:
    with pytest.raises(InvalidInboundMessage, match=f"unknown channel '{channel}'"):
        InboundMessage.from_dict(payload(channel=channel))


@pytest.mark.parametrize("when", ["yesterday", "", "2025-13-01T00:00:00+00:00", "1714000000"])
def test_bad_time(when: str) -> None:
    with pytest.raises(InvalidInboundMessage, match="is not an ISO 8601 time"):
        InboundMessage.from_dict(payload(received_at=when))


def test_naive_time() -> None:
    with pytest.raises(InvalidInboundMessage, match="received_at must carry a time zone"):
        InboundMessage.from_dict(payload(received_at="2025-03-01T09:30:00"))


def test_text_at_the_limit_is_accepted_and_one_more_is_not() -> None:
    assert len(InboundMessage.from_dict(payload(text="x" * MAX_TEXT_LENGTH)).text) == MAX_TEXT_LENGTH
    with pytest.raises(InvalidInboundMessage, match=f"'text' is longer than {MAX_TEXT_LENGTH} characters"):
        InboundMessage.from_dict(payload(text="x" * (MAX_TEXT_LENGTH + 1)))


def test_empty_text_is_allowed_by_the_message_itself() -> None:
    # Attachment-only messages carry no text; connectors decide what they accept.
    assert InboundMessage.from_dict(payload(text="")).text == ""


@pytest.mark.parametrize("field", ["channel_message_id", "thread"])
@pytest.mark.parametrize("value", ["", "x" * (MAX_ID_LENGTH + 1)])
def test_ids_must_have_a_bounded_length(field: str, value: str) -> None:
    problem = f"(must not be empty|is longer than {MAX_ID_LENGTH} characters)"
    with pytest.raises(InvalidInboundMessage, match=f"'{field}' {problem}"):
        InboundMessage.from_dict(payload(**{field: value}))


def test_sender_from_another_channel() -> None:
    with pytest.raises(InvalidInboundMessage, match=re.escape("sender email:a@example.com is not a webchat address")):
        InboundMessage.from_dict(payload(sender="email:a@example.com"))


def test_sender_without_a_channel() -> None:
    with pytest.raises(InvalidInboundMessage, match="must look like 'channel:value'"):
        InboundMessage.from_dict(payload(sender="v1"))


def test_sender_in_an_unknown_channel() -> None:
    with pytest.raises(InvalidInboundMessage, match="unknown channel 'fax' in address 'fax:123'"):
        InboundMessage.from_dict(payload(sender="fax:123"))


@pytest.mark.parametrize("value", ["", "x" * (MAX_ADDRESS_LENGTH + 1)])
def test_sender_address_length(value: str) -> None:
    problem = f"(must not be empty|is longer than {MAX_ADDRESS_LENGTH} characters)"
    with pytest.raises(InvalidInboundMessage, match=f"'webchat address' {problem}"):
        InboundMessage.from_dict(payload(sender=f"webchat:{value}"))


def test_an_address_value_may_contain_colons() -> None:
    address = ChannelAddress.parse("phone:+7:800:555")
    assert address == ChannelAddress(Channel.PHONE, "+7:800:555")
    assert str(address) == "phone:+7:800:555"


# What the text rule lets through: no control characters (Cc) or lone surrogates (Cs); ids without surrounding blanks.
_lines = st.characters(blacklist_categories=("Cc", "Cs"))
_ids = st.text(_lines, min_size=1, max_size=MAX_ID_LENGTH).filter(lambda s: s.strip() == s and s)
_addresses = st.text(_lines, min_size=1, max_size=MAX_ADDRESS_LENGTH).filter(lambda s: s.strip() == s and s)
_free_text = st.text(st.one_of(_lines, st.sampled_from("\t\n\r")), max_size=300)
_offsets = st.integers(min_value=-23 * 60, max_value=23 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@given(
    channel=st.sampled_from(list(Channel)),
    channel_message_id=_ids,
    thread=_ids,
    address=_addresses,
    text=_free_text,
    received_at=st.datetimes(timezones=_offsets),
    sender_name=st.text(_lines, max_size=40),
    source=st.text(_lines, max_size=40),
)
def test_any_valid_message_round_trips(  # noqa: PLR0913
    channel: Channel,
    channel_message_id: str,
    thread: str,
    address: str,
    text: str,
    received_at: datetime,
    sender_name: str,
    source: str,
) -> None:
    original = InboundMessage(
        channel=channel,
        channel_message_id=channel_message_id,
        thread=thread,
        sender=ChannelAddress(channel, address),
        text=text,
        received_at=received_at,
        sender_name=sender_name,
        source=source,
    )
    restored = InboundMessage.from_dict(json.loads(json.dumps(original.to_dict())))
    assert restored == original
    assert restored.received_at.utcoffset() == received_at.utcoffset()


# Every text field is checked by the one rule at the edge, and the error names the field.
_FORBIDDEN = {"NUL": "a\x00b", "surrogate": "a\ud800b", r"U\+001B": "a\x1bb"}


@pytest.mark.parametrize("field", ["channel_message_id", "thread", "text", "subject", "sender_name", "source"])
@pytest.mark.parametrize("problem", list(_FORBIDDEN))
def test_every_text_field_refuses_what_the_rule_forbids(field: str, problem: str) -> None:
    with pytest.raises(InvalidInboundMessage, match=f"'{field}' .*{problem}"):
        message(**{field: _FORBIDDEN[problem]})


@pytest.mark.parametrize("problem", list(_FORBIDDEN))
def test_every_reference_and_correspondent_is_checked(problem: str) -> None:
    with pytest.raises(InvalidInboundMessage, match=rf"'replies_to\[1\]' .*{problem}"):
        message(replies_to=("ok", _FORBIDDEN[problem]))
    with pytest.raises(InvalidInboundMessage, match=rf"'correspondents\[0\]' .*{problem}"):
        message(correspondents=(_FORBIDDEN[problem],))


@pytest.mark.parametrize("problem", list(_FORBIDDEN))
def test_the_sender_address_is_checked(problem: str) -> None:
    with pytest.raises(InvalidInboundMessage, match=f"'webchat address' .*{problem}"):
        ChannelAddress(Channel.WEBCHAT, _FORBIDDEN[problem])
    with pytest.raises(InvalidInboundMessage, match=f"'webchat address' .*{problem}"):
        InboundMessage.from_dict(payload(sender=f"webchat:{_FORBIDDEN[problem]}"))


@pytest.mark.parametrize("field", ["filename", "content_type"])
@pytest.mark.parametrize("problem", list(_FORBIDDEN))
def test_attachment_names_are_checked(field: str, problem: str) -> None:
    fields: dict[str, Any] = {"sha256": "0" * 64, "filename": "a.pdf", "content_type": "application/pdf"}
    fields[field] = _FORBIDDEN[problem]
    with pytest.raises(InvalidInboundMessage, match=f"'attachment {field}' .*{problem}"):
        Attachment(**fields, size=1, kept=True)


@pytest.mark.parametrize("field", ["channel_message_id", "thread"])
@pytest.mark.parametrize("value", [" v1", "v1 ", "v1\n", "\t"])
def test_ids_are_one_line_without_surrounding_blanks(field: str, value: str) -> None:
    with pytest.raises(InvalidInboundMessage, match=f"'{field}'"):
        message(**{field: value})


def test_free_text_keeps_its_line_breaks_and_tabs() -> None:
    assert message(text="one\r\ntwo\tthree").text == "one\r\ntwo\tthree"


@pytest.mark.parametrize("field", ["subject", "sender_name"])
def test_one_line_fields_refuse_line_breaks(field: str) -> None:
    with pytest.raises(InvalidInboundMessage, match=f"'{field}' .*U\\+000A"):
        message(**{field: "one\ntwo"})


def test_a_refusal_is_an_inbound_message_error_not_a_bare_value_error() -> None:
    # The router skips what InvalidInboundMessage names; anything else would stop its partition.
    with pytest.raises(InvalidInboundMessage):
        InboundMessage.from_dict(payload(channel_message_id="a\x00b"))


def test_from_visitor_refuses_a_client_id_with_nul() -> None:
    with pytest.raises(InvalidInboundMessage, match="'channel_message_id' must not contain NUL"):
        InboundMessage.from_visitor("v1", "a\x00b", "x", RECEIVED)


_sha256 = st.text("0123456789abcdef", min_size=64, max_size=64)
_attachments = st.builds(
    Attachment,
    sha256=_sha256,
    filename=st.text(_lines, max_size=40),
    content_type=st.text(_lines, max_size=40),
    size=st.integers(min_value=0, max_value=2**40),
    kept=st.booleans(),
)


@given(
    address=_addresses,
    thread=_ids,
    received_at=st.datetimes(timezones=_offsets),
    subject=st.text(_lines, max_size=80),
    replies_to=st.lists(_ids, max_size=5).map(tuple),
    attachments=st.lists(_attachments, max_size=3).map(tuple),
    copy=st.tuples(st.booleans(), st.booleans()),
    correspondents=st.lists(_addresses, max_size=5).map(tuple),
)
def test_any_valid_mail_round_trips_with_what_only_mail_has(  # noqa: PLR0913
    address: str,
    thread: str,
    received_at: datetime,
    subject: str,
    replies_to: tuple[str, ...],
    attachments: tuple[Attachment, ...],
    copy: tuple[bool, bool],
    correspondents: tuple[str, ...],
) -> None:
    original = InboundMessage(
        channel=Channel.EMAIL,
        channel_message_id=f"<{thread}>",
        thread=thread,
        sender=ChannelAddress(Channel.EMAIL, address),
        text="",
        received_at=received_at,
        subject=subject,
        replies_to=replies_to,
        attachments=attachments,
        crm_copy=copy[0],
        forwarded=copy[1],
        correspondents=correspondents,
    )
    assert InboundMessage.from_dict(json.loads(json.dumps(original.to_dict()))) == original


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
_MAIL = {
    **message().to_dict(),
    "subject": "Re: order",
    "replies_to": ["<a@x>"],
    "attachments": [
        {"sha256": "0" * 64, "filename": "a.pdf", "content_type": "application/pdf", "size": 1, "kept": True}
    ],
    "correspondents": ["anna@example.com"],
}


@given(st.sampled_from(sorted(_MAIL)), _json)
def test_whatever_a_field_holds_no_other_error_escapes(field: str, value: Any) -> None:
    for data in (value, {**_MAIL, field: value}, {**_MAIL, "attachments": [value]}):
        try:
            InboundMessage.from_dict(data)
        except InvalidInboundMessage:
            continue
