"""The shapes the AsyncAPI document shows are the records the domain's typed messages write."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

from domain.attachments import Attachment
from domain.call_event import CallDirection, CallEvent, CallEventKind
from domain.channels import MAX_ADDRESS_LENGTH, Channel, ChannelAddress
from domain.conversation import DeliveryOutcome
from domain.delivery_report import DeliveryReport
from domain.form_touch import Answer, FormTouch
from domain.inbound import MAX_ID_LENGTH, InboundMessage
from domain.intake import Intake
from domain.lead_details import LeadDetails
from domain.outbound import OutboundMessage, OutboundReply, QueuePosition
from domain.published_event import PublishedEvent
from services.record_shapes import (
    AttachmentRecord,
    CallEventRecord,
    DeliveryReportRecord,
    EventRecord,
    FormRecord,
    InboundRecord,
    IntakeRecord,
    OutboundRecord,
    QueuePositionRecord,
    ReplyRecord,
)

AT = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
IDS = (UUID(int=1), UUID(int=2), UUID(int=3))
FORM = FormTouch(
    form_id=IDS[0],
    form_version=2,
    submission_key="k-0123456789",
    answers=(Answer("name", "Your name", "Anna"),),
    consent_text="I agree.",
    page_url="https://shop.example/?utm_source=google",
    utm=(("utm_source", "google"),),
    responsible_manager_id=IDS[1],
    creates="deal",
)
FILE = Attachment(sha256="0" * 64, filename="a.pdf", content_type="application/pdf", size=1, kept=True)

# Every field set: what each record holds at its fullest.
FULL: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (
        InboundRecord,
        InboundMessage(
            channel=Channel.EMAIL,
            channel_message_id="<m1@x>",
            thread="<m0@x>",
            sender=ChannelAddress(Channel.EMAIL, "anna@example.com"),
            text="hello",
            received_at=AT,
            sender_name="Anna",
            source="sales",
            subject="Order",
            replies_to=("<m0@x>",),
            attachments=(FILE,),
            crm_copy=True,
            forwarded=True,
            correspondents=("boris@example.com",),
            sender_verified=True,
            intake=Intake(
                email="anna@example.com",
                phone="+37120000000",
                phone_text="20 000 000",
                details=LeadDetails.checked("1250.50", "EUR", "CRM licences", "10 seats"),
            ),
            edit_of="<m0@x>",
            form=FORM,
        ).to_dict(),
    ),
    (AttachmentRecord, FILE.to_dict()),
    (FormRecord, FORM.to_dict()),
    (
        IntakeRecord,
        Intake(
            email="anna@example.com",
            phone="+37120000000",
            phone_text="20 000 000",
            details=LeadDetails.checked("1250.50", "EUR", "CRM licences", "10 seats"),
        ).to_dict(),
    ),
    (
        ReplyRecord,
        OutboundReply(
            *IDS,
            channel=Channel.EMAIL,
            address=ChannelAddress(Channel.EMAIL, "anna@example.com"),
            text="It ships today.",
            sent_at=AT,
            source="sales",
            subject="Re: Order",
            in_reply_to="<m1@x>",
            references=("<m0@x>", "<m1@x>"),
            attachments=(FILE,),
            operator_name="Anna Petrova",
        ).to_dict(),
    ),
    (QueuePositionRecord, QueuePosition(IDS[0], 2).to_dict()),
    (EventRecord, PublishedEvent(7, "Lead.Assigned", IDS[0], 1, AT, {"x": 1}).stand_in().to_dict()),
    (DeliveryReportRecord, DeliveryReport(IDS[0], IDS[1], DeliveryOutcome.REFUSED, "550 no such user").to_dict()),
    (
        CallEventRecord,
        {
            **CallEvent(
                "shop",
                "CA1",
                CallEventKind.ENDED,
                AT,
                CallDirection.INCOMING,
                "+37120000000",
                "+37167000000",
                "101",
                192,
                "completed",
            ).to_dict(),
            **CallEvent(
                "shop", "CA1", CallEventKind.RECORDING, AT, recording_url="https://r.example/1", recording_seconds=9
            ).to_dict(),
            "kind": "ended",
        },
    ),
]


@pytest.mark.parametrize(("shape", "written"), FULL, ids=[shape.__name__ for shape, _ in FULL])
def test_every_field_shown_is_one_the_domain_writes_and_no_other(
    shape: type[BaseModel], written: dict[str, Any]
) -> None:
    assert set(written) == set(shape.model_fields)
    shape.model_validate_json(json.dumps(written))


def test_the_shape_of_an_outbound_record_is_chosen_by_its_kind() -> None:
    outbound = TypeAdapter[Any](OutboundRecord)
    reply, position = dict(FULL)[ReplyRecord], dict(FULL)[QueuePositionRecord]
    assert isinstance(outbound.validate_json(json.dumps(reply)), ReplyRecord)
    assert isinstance(outbound.validate_json(json.dumps(position)), QueuePositionRecord)
    with pytest.raises(ValidationError):
        outbound.validate_json(json.dumps({**position, "kind": "reply"}))


def test_a_shape_refuses_what_the_domain_refuses() -> None:
    with pytest.raises(ValidationError, match="received_at"):
        InboundRecord.model_validate_json(json.dumps({**FULL[0][1], "received_at": "2025-03-01T09:30:00"}))
    with pytest.raises(ValidationError, match="position"):
        QueuePositionRecord.model_validate_json(json.dumps({**dict(FULL)[QueuePositionRecord], "position": 0}))


_lines = st.characters(blacklist_categories=("Cc", "Cs"))
_ids = st.text(_lines, min_size=1, max_size=MAX_ID_LENGTH).filter(lambda s: s.strip() == s and s)
_addresses = st.text(_lines, min_size=1, max_size=MAX_ADDRESS_LENGTH).filter(lambda s: s.strip() == s and s)
_times = st.datetimes(timezones=st.integers(-23 * 60, 23 * 60).map(lambda m: timezone(timedelta(minutes=m))))
_files = st.builds(
    Attachment,
    sha256=st.text("0123456789abcdef", min_size=64, max_size=64),
    filename=st.text(_lines, max_size=20),
    content_type=st.text(_lines, max_size=20),
    size=st.integers(min_value=0),
    kept=st.booleans(),
)
_emails = st.from_regex(r"[a-z][a-z0-9]{0,6}(\.[a-z]{1,3})?@[a-z]{1,8}\.(lv|com)", fullmatch=True)
_intakes = st.builds(
    Intake,
    email=st.one_of(st.just(""), _emails),
    phone=st.sampled_from(["", "+37120000000", "+16502530000", "+442079460958"]),
    phone_text=st.text(_lines, max_size=20),
    details=st.builds(
        LeadDetails.checked,
        amount=st.one_of(st.none(), st.decimals(min_value=0, max_value=10**9, places=2)),
        currency=st.sampled_from(["EUR", "USD", "JPY"]),
        product_interest=st.text(_lines, max_size=20),
        comment=st.text(st.one_of(_lines, st.sampled_from("\t\n")), max_size=20),
    ),
)


@st.composite
def inbound_messages(draw: st.DrawFn) -> InboundMessage:
    channel = draw(st.sampled_from(list(Channel)))
    return InboundMessage(
        channel=channel,
        channel_message_id=draw(_ids),
        thread=draw(_ids),
        sender=ChannelAddress(channel, draw(_addresses)),
        text=draw(st.text(st.one_of(_lines, st.sampled_from("\t\n\r")), max_size=100)),
        received_at=draw(_times),
        sender_name=draw(st.text(_lines, max_size=20)),
        source=draw(st.text(_lines, max_size=20)),
        subject=draw(st.text(_lines, max_size=20)),
        replies_to=tuple(draw(st.lists(_ids, max_size=3))),
        attachments=tuple(draw(st.lists(_files, max_size=2))),
        crm_copy=draw(st.booleans()),
        forwarded=draw(st.booleans()),
        correspondents=tuple(draw(st.lists(_addresses, max_size=3))),
        intake=draw(st.one_of(st.none(), _intakes)),
        edit_of=draw(st.one_of(st.just(""), _ids)),
    )


@st.composite
def outbound_messages(draw: st.DrawFn) -> OutboundMessage:
    if draw(st.booleans()):
        return QueuePosition(draw(st.uuids()), draw(st.integers(min_value=1, max_value=2**31 - 1)))
    channel = draw(st.sampled_from(list(Channel)))
    return OutboundReply(
        conversation_id=draw(st.uuids()),
        reply_id=draw(st.uuids()),
        manager_id=draw(st.uuids()),
        channel=channel,
        address=ChannelAddress(channel, draw(_addresses)),
        text=draw(st.text(st.one_of(_lines, st.sampled_from("\t\n\r")), max_size=100)),
        sent_at=draw(_times),
        source=draw(st.text(_lines, max_size=20)),
        subject=draw(st.text(_lines, max_size=20)),
        in_reply_to=draw(st.one_of(st.just(""), _ids)),
        references=tuple(draw(st.lists(_ids, max_size=3))),
    )


@st.composite
def published_events(draw: st.DrawFn) -> PublishedEvent:
    event = PublishedEvent(
        notification_id=draw(st.integers(min_value=1, max_value=2**63 - 1)),
        type=draw(st.from_regex(r"[A-Z][a-z]{1,10}\.[A-Z][A-Za-z]{1,20}", fullmatch=True)),
        aggregate_id=draw(st.uuids()),
        version=draw(st.integers(min_value=0, max_value=10**6)),
        occurred_at=draw(_times),
        data=draw(st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=8) | st.none(), max_size=3)),
    )
    return event.stand_in() if draw(st.booleans()) else event


def fits(shape: Any, message: InboundMessage | OutboundMessage | PublishedEvent) -> None:
    written = message.to_dict()
    TypeAdapter[Any](shape).validate_json(json.dumps(written))


@given(inbound_messages())
def test_any_inbound_message_fits_its_shape(message: InboundMessage) -> None:
    fits(InboundRecord, message)
    assert set(message.to_dict()) <= set(InboundRecord.model_fields)


@given(outbound_messages())
def test_any_outbound_message_fits_its_shape(message: OutboundMessage) -> None:
    fits(OutboundRecord, message)
    shape = ReplyRecord if isinstance(message, OutboundReply) else QueuePositionRecord
    assert set(message.to_dict()) <= set(shape.model_fields)


@given(published_events())
def test_any_published_event_fits_its_shape(event: PublishedEvent) -> None:
    fits(EventRecord, event)
    assert set(event.to_dict()) <= set(EventRecord.model_fields)
