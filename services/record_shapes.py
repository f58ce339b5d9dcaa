"""The JSON of each topic's records, as the topics' AsyncAPI document shows them.

The typed messages of ``domain/`` write and read these records (``to_dict``/``from_dict``, with the
one text rule); the models here only describe them, and nothing is decoded through them. Readers
pass over fields they do not know, so the shapes allow more than they list. The docstrings and
descriptions below are the document's text, in Markdown.
``tests/unit/test_record_shapes.py`` checks that whatever the domain writes fits its shape, and
that every field shown here is one the domain writes.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field, GetPydanticSchema

from domain.attachments import MAX_ATTACHMENTS, MAX_CONTENT_TYPE_LENGTH, MAX_FILENAME_LENGTH
from domain.call_event import MAX_CALL_ID_LENGTH, MAX_URL_LENGTH, CallDirection, CallEventKind
from domain.channels import Channel
from domain.conversation import DeliveryOutcome
from domain.delivery_report import MAX_DETAIL_LENGTH
from domain.emails import MAX_EMAIL_LENGTH
from domain.form_touch import MAX_ANSWER, MAX_CONSENT_TEXT, MAX_PAGE_URL
from domain.inbound import (
    MAX_ID_LENGTH,
    MAX_NAME_LENGTH,
    MAX_REFERENCES,
    MAX_SUBJECT_LENGTH,
    MAX_TEXT_LENGTH,
)
from domain.lead_details import MAX_COMMENT_LENGTH, MAX_PRODUCT_INTEREST_LENGTH
from domain.phones import MAX_PHONE_TEXT_LENGTH
from domain.published_event import MAX_NOTIFICATION_ID, MAX_TYPE_LENGTH

_ADDRESS = "an address in its channel, written 'channel:value' (webchat:VISITOR_ID, email:anna@example.com)"
_LEFT_OUT = "Left out when empty."


class AttachmentRecord(BaseModel):
    """A file a customer sent; its bytes are in the attachment store, under its content hash."""

    sha256: str = Field(pattern="^[0-9a-f]{64}$", description="The file's SHA-256, in lowercase hex.")
    filename: str = Field(max_length=MAX_FILENAME_LENGTH)
    content_type: str = Field(max_length=MAX_CONTENT_TYPE_LENGTH)
    size: int = Field(ge=0, description="Bytes.")
    kept: bool = Field(description="False when the file was over the size the store keeps.")


class IntakeRecord(BaseModel):
    """What a form or a pre-chat step adds to a message (`Intake`, `domain/intake.py`); each field left out when empty.

    The router joins the message to the contact with this e-mail or phone, and routes its lead by the
    amount and product interest.
    """

    email: str = Field(default="", max_length=MAX_EMAIL_LENGTH, description="The customer's e-mail, in lower case.")
    phone: str = Field(default="", pattern=r"^\+[1-9][0-9]{1,14}$", description="The customer's phone, in E.164.")
    phone_text: str = Field(default="", max_length=MAX_PHONE_TEXT_LENGTH, description="The phone as typed.")
    amount: str = Field(default="", description="The lead's amount, a decimal number written as a string.")
    currency: str = Field(default="", pattern="^[A-Z]{3}$", description="ISO 4217 code of the amount's currency.")
    product_interest: str = Field(default="", max_length=MAX_PRODUCT_INTEREST_LENGTH)
    comment: str = Field(default="", max_length=MAX_COMMENT_LENGTH)


class AnswerRecord(BaseModel):
    """One field of a web form as the visitor filled it."""

    key: str = Field(max_length=100)
    label: str = Field(max_length=200, description="The label the visitor saw.")
    value: str = Field(max_length=MAX_ANSWER, description="The value, checked (an e-mail in lower case).")


class FormRecord(BaseModel):
    """A web form's submission (`FormTouch`, `domain/form_touch.py`); the router keeps it beside the lead."""

    form_id: UUID
    form_version: int = Field(ge=1, description="The version of the form the visitor saw and sent.")
    submission_key: str = Field(max_length=100, description="The snippet's idempotency key: one per submission.")
    answers: list[AnswerRecord]
    consent_text: str = Field(max_length=MAX_CONSENT_TEXT, description="The consent text the visitor accepted.")
    page_url: str = Field(default="", max_length=MAX_PAGE_URL, description="The page the form was sent from.")
    utm: dict[str, str] = Field(default={}, description="The page's UTM parameters (utm_source, utm_medium, ...).")
    responsible_manager_id: UUID | None = Field(default=None, description="The form's responsible manager.")
    creates: Literal["lead", "deal"] = Field(description="A lead, or a lead with a deal on the contact.")


class InboundRecord(BaseModel):
    """One message a customer sent through a channel (`InboundMessage`, `domain/inbound.py`).

    Key: `channel/thread`, so one thread stays in one partition, in order.
    """

    channel: Channel
    channel_message_id: str = Field(
        min_length=1, max_length=MAX_ID_LENGTH, description="The message's id, unique in its channel."
    )
    thread: str = Field(min_length=1, max_length=MAX_ID_LENGTH, description="The channel's thread.")
    sender: str = Field(description=f"Who sent it: {_ADDRESS}.")
    sender_name: str = Field(default="", max_length=MAX_NAME_LENGTH)
    text: str = Field(max_length=MAX_TEXT_LENGTH)
    received_at: AwareDatetime
    source: str = Field(default="", max_length=MAX_NAME_LENGTH, description="The mailbox or widget it came in by.")
    subject: str = Field(default="", max_length=MAX_SUBJECT_LENGTH, description=_LEFT_OUT)
    replies_to: list[str] = Field(
        default=[],
        max_length=MAX_REFERENCES,
        description=f"Ids of the messages it answers, the nearest first. {_LEFT_OUT}",
    )
    attachments: list[AttachmentRecord] = Field(default=[], description=_LEFT_OUT)
    crm_copy: bool = Field(default=False, description="A copy sent to the CRM's address. Left out when false.")
    forwarded: bool = Field(default=False, description="A CRM copy forwarding someone's mail. Left out when false.")
    correspondents: list[str] = Field(
        default=[], description=f"Who else it concerns, a forward's first sender first. {_LEFT_OUT}"
    )
    sender_verified: bool = Field(
        default=False,
        description="The channel vouches for the sender (a mail: its server's authentication results). "
        "Left out when false.",
    )
    intake: IntakeRecord | None = Field(
        default=None, description=f"What a form, a pre-chat step or a contact card adds. {_LEFT_OUT}"
    )
    edit_of: str = Field(
        default="", max_length=MAX_ID_LENGTH, description=f"The id of the message this one edits. {_LEFT_OUT}"
    )
    form: FormRecord | None = Field(default=None, description=f"A web form's submission. {_LEFT_OUT}")


class ReplyRecord(BaseModel):
    """An operator's reply, with where and how the customer's channel delivers it (`OutboundReply`).

    Key: the conversation id. Each channel's consumer reads only the replies bound for its channel.
    """

    kind: Literal["reply"]
    conversation_id: UUID
    reply_id: UUID
    manager_id: UUID
    channel: Channel
    address: str = Field(description=f"Where the reply goes: {_ADDRESS}.")
    text: str
    sent_at: AwareDatetime
    source: str = Field(default="", description="The mailbox or widget the reply goes out of.")
    subject: str = Field(default="", max_length=MAX_SUBJECT_LENGTH)
    in_reply_to: str = Field(default="", max_length=MAX_ID_LENGTH, description="The customer's message it answers.")
    references: list[str] = Field(default=[], max_length=MAX_REFERENCES, description="The thread's message ids.")
    attachments: list[AttachmentRecord] = Field(
        default=[], max_length=MAX_ATTACHMENTS, description=f"Files sent with the reply. {_LEFT_OUT}"
    )
    operator_name: str = Field(
        default="", max_length=MAX_NAME_LENGTH, description=f"Who answers, as a web-chat visitor sees them. {_LEFT_OUT}"
    )


class QueuePositionRecord(BaseModel):
    """Nobody is free to answer yet: the conversation's place in the queue, counted from 1 (`QueuePosition`)."""

    kind: Literal["queue_position"]
    conversation_id: UUID
    position: int = Field(ge=1, le=2**31 - 1)


OutboundRecord = Annotated[ReplyRecord | QueuePositionRecord, Field(discriminator="kind")]


class EventRecord(BaseModel):
    """One stored event, in the event store's order (`PublishedEvent`, `domain/published_event.py`).

    Key: the aggregate id. One partition, so the topic carries the store's total order.
    """

    notification_id: int = Field(ge=1, le=MAX_NOTIFICATION_ID, description="The event's place in the store's order.")
    type: str = Field(min_length=1, max_length=MAX_TYPE_LENGTH, description="Aggregate and event, as Lead.Assigned.")
    aggregate_id: UUID
    version: int = Field(ge=0, description="The aggregate's version after the event.")
    occurred_at: AwareDatetime
    data: dict[str, Any] | None = Field(description="What the event recorded, by its type; null when withheld.")
    withheld: Literal["too_large"] | None = Field(
        default=None, description="Why the data is not here; the event waits as a dead letter. Left out when not."
    )


class DeliveryReportRecord(BaseModel):
    """How delivering one reply ended (`DeliveryReport`, `domain/delivery_report.py`).

    Key: the conversation id. The router records it on the conversation; a second report of one
    reply changes nothing.
    """

    conversation_id: UUID
    reply_id: UUID
    outcome: DeliveryOutcome = Field(description="sent, or why not: refused, gave_up, uncertain.")
    detail: str = Field(default="", max_length=MAX_DETAIL_LENGTH, description="The server's own words.")


class CallEventRecord(BaseModel):
    """One thing that happened to a call on a telephone line (`CallEvent`, `domain/call_event.py`).

    Key: `line/call_id`, so one call's events stay in one partition. The router records each kind of
    fact once per call, so a repeat changes nothing and the order of a call's facts does not matter.
    """

    line: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The line it came in on, as configured.")
    call_id: str = Field(min_length=1, max_length=MAX_CALL_ID_LENGTH, description="The provider's id for the call.")
    kind: CallEventKind
    occurred_at: AwareDatetime
    direction: CallDirection | None = Field(default=None, description="Left out only on a recording event.")
    caller: str = Field(default="", description=f"Who called: a phone number in E.164 or an extension. {_LEFT_OUT}")
    callee: str = Field(default="", description=f"Who was called, likewise. {_LEFT_OUT}")
    extension: str = Field(default="", description=f"The employee's extension that answered. {_LEFT_OUT}")
    duration_seconds: int | None = Field(default=None, ge=0, description=f"How long the call lasted. {_LEFT_OUT}")
    disposition: str = Field(default="", description=f"How it ended, in the provider's word. {_LEFT_OUT}")
    recording_url: str = Field(
        default="", max_length=MAX_URL_LENGTH, description=f"Where the recording is. {_LEFT_OUT}"
    )
    recording_seconds: int | None = Field(default=None, ge=0, description=f"The recording's length. {_LEFT_OUT}")


def _shown_as(shape: type[BaseModel]) -> GetPydanticSchema:
    """Leaves a handler's argument as its decoder made it, and shows `shape` in the document instead."""
    return GetPydanticSchema(
        lambda source, handler: handler(source),
        lambda _schema, handler: handler(shape.__pydantic_core_schema__),
    )


# A batch of inbound records as read: the router decodes each itself, so that one bad record is set
# aside rather than failing its batch. A record of the topic is one InboundMessage, which is what shows.
InboundBatch = Annotated[list[Any], _shown_as(InboundRecord)]
# The router's other batches, read the same way.
EventBatch = Annotated[list[Any], _shown_as(EventRecord)]
DeliveryReportBatch = Annotated[list[Any], _shown_as(DeliveryReportRecord)]
CallEventBatch = Annotated[list[Any], _shown_as(CallEventRecord)]
