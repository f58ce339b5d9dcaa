"""A visitor's submission of a web form, read field by field against the form's definition.

Every field is checked, and every problem named, before anything is published: a submission is
either all good, and becomes one inbound message, or refused with an error per field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.channels import Channel, ChannelAddress
from domain.currencies import amount_of_money
from domain.emails import email_address
from domain.errors import DomainError
from domain.form_touch import MAX_PAGE_URL, MAX_UTM, UTM_PARAMETERS, Answer, FormTouch
from domain.inbound import MAX_NAME_LENGTH, InboundMessage
from domain.intake import Intake
from domain.lead_details import MAX_COMMENT_LENGTH, MAX_PRODUCT_INTEREST_LENGTH, LeadDetails
from domain.phones import phone_number
from domain.text import InvalidText, TextKind, checked_text
from domain.web_form import FieldKind, FormDefinition, FormField, Target

HONEYPOT = "website"  # hidden from people by the snippet; only a bot fills it
MAX_LINE_ANSWER = 256
MAX_TEXT_ANSWER = 4_000
_KEY_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
MIN_KEY, MAX_KEY = 8, 100
_TEXT_KINDS = frozenset({FieldKind.COMMENT, FieldKind.CUSTOM})


class InvalidSubmission(DomainError):
    """The submission is refused; ``errors`` says, per field, what is wrong."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {problem}" for name, problem in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class FormVersion:
    """A form as the submission is read against it: its id, the version the visitor saw, its definition."""

    form_id: UUID
    version: int
    definition: FormDefinition


def read_submission(
    form: FormVersion, body: dict[str, Any], received_at: datetime, default_region: str = ""
) -> InboundMessage:
    """The inbound message a valid submission becomes; InvalidSubmission naming every field at fault."""
    errors: dict[str, str] = {}
    key = _envelope(body, errors)
    page_url = _page_url(body.get("page_url"), errors)
    utm = _utm(body.get("utm"), errors)
    given = body.get("fields")
    if not isinstance(given, dict):
        errors["fields"] = "must be an object of the form's fields, by key"
        given = {}
    unknown = sorted(str(name) for name in given if form.definition.field(str(name)) is None)
    for name in unknown[:10]:
        errors[name[:MAX_KEY]] = "is not a field of this form"
    answers: dict[str, str] = {}
    for field in form.definition.fields:
        try:
            value = _answer(field, given.get(field.key), default_region)
        except InvalidText as invalid:
            errors[field.key] = invalid.problem
        else:
            if value:
                answers[field.key] = value
    reach = [f for f in form.definition.fields if f.target in (Target.CONTACT_EMAIL, Target.CONTACT_PHONE)]
    if not any(f.key in answers or f.key in errors for f in reach):
        errors[reach[0].key] = "is required: give an e-mail or a phone, so that we can answer"
    if errors:
        raise InvalidSubmission(errors)
    return _message(form, answers, key, page_url, utm, received_at, default_region)


def _envelope(body: dict[str, Any], errors: dict[str, str]) -> str:
    """The snippet's own fields: the honeypot, the consent, the idempotency key (returned)."""
    honeypot = body.get(HONEYPOT)
    if honeypot not in (None, ""):
        errors[HONEYPOT] = "must be left empty: it is hidden from people, and only automated senders fill it"
    if body.get("consent") is not True:
        errors["consent"] = "must be accepted (true): the form asks for consent to the text shown with it"
    key = body.get("idempotency_key")
    if not isinstance(key, str) or not MIN_KEY <= len(key) <= MAX_KEY or not set(key) <= _KEY_CHARACTERS:
        errors["idempotency_key"] = f"must be {MIN_KEY}-{MAX_KEY} letters, digits, - or _ chosen by the snippet"
        return ""
    return key


def _answer(field: FormField, value: object, default_region: str) -> str:
    """The field's value, checked and in its one form; empty when not given and not required."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if field.required:
            raise InvalidText(field.key, "is required")
        return ""
    if field.kind is FieldKind.PHONE:
        # Kept as typed (the contact shows it so) once checked: the E.164 form is taken again when matching.
        return phone_number(value, default_region, field=field.key).text
    if field.kind is FieldKind.EMAIL:
        return email_address(value, field=field.key)
    if field.kind is FieldKind.AMOUNT:
        return str(amount_of_money(value, field.key))
    if field.kind is FieldKind.NAME:
        return checked_text(field.key, value, max_length=MAX_NAME_LENGTH, kind=TextKind.NAME).strip()
    long_text = field.kind in _TEXT_KINDS
    limit = MAX_TEXT_ANSWER if long_text else MAX_LINE_ANSWER
    return checked_text(field.key, value, max_length=limit, kind=TextKind.TEXT if long_text else TextKind.LINE).strip()


def _page_url(value: object, errors: dict[str, str]) -> str:
    if value is None or value == "":
        return ""
    try:
        url = checked_text("page_url", value, max_length=MAX_PAGE_URL, kind=TextKind.IDENTIFIER)
    except InvalidText as invalid:
        errors["page_url"] = invalid.problem
        return ""
    if not url.startswith(("https://", "http://")):
        errors["page_url"] = "must be the address of the page the form is on (http or https)"
    return url


def _utm(value: object, errors: dict[str, str]) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        errors["utm"] = "must be an object of UTM parameters"
        return ()
    utm = []
    for name, text in sorted(value.items()):
        if name not in UTM_PARAMETERS:
            errors[f"utm.{str(name)[:40]}"] = f"is not a UTM parameter ({', '.join(UTM_PARAMETERS)})"
            continue
        try:
            checked = checked_text(f"utm.{name}", text, max_length=MAX_UTM, kind=TextKind.LINE, required=False)
        except InvalidText as invalid:
            errors[f"utm.{name}"] = invalid.problem
            continue
        if checked.strip():
            utm.append((name, checked.strip()))
    return tuple(utm)


def _message(  # noqa: PLR0913 - the parts of a valid submission
    form: FormVersion,
    answers: dict[str, str],
    key: str,
    page_url: str,
    utm: tuple[tuple[str, str], ...],
    received_at: datetime,
    default_region: str,
) -> InboundMessage:
    definition = form.definition
    by_target: dict[Target, list[tuple[FormField, str]]] = {}
    for field in definition.fields:
        if field.key in answers:
            by_target.setdefault(field.target, []).append((field, answers[field.key]))

    def one(target: Target) -> str:
        return by_target[target][0][1] if target in by_target else ""

    comments = by_target.get(Target.LEAD_COMMENT, [])
    comment = comments[0][1] if len(comments) == 1 else "\n".join(f"{f.label}: {v}" for f, v in comments)
    typed = one(Target.CONTACT_PHONE)
    phone = phone_number(typed, default_region).number if typed else ""
    details = LeadDetails.checked(
        one(Target.LEAD_AMOUNT) or None,
        definition.currency,
        one(Target.LEAD_PRODUCT_INTEREST)[:MAX_PRODUCT_INTEREST_LENGTH],
        comment[:MAX_COMMENT_LENGTH],
    )
    email = one(Target.CONTACT_EMAIL)
    thread = f"{form.form_id}/{key}"
    shown = [Answer(f.key, f.label[:200], answers[f.key]) for f in definition.fields if f.key in answers]
    return InboundMessage(
        channel=Channel.FORM,
        channel_message_id=thread,
        thread=thread,
        sender=ChannelAddress(Channel.FORM, email or phone),
        text="\n".join(f"{a.label}: {a.value}" for a in shown),
        received_at=received_at,
        sender_name=one(Target.CONTACT_NAME),
        source=definition.source,
        subject=definition.name,
        intake=Intake(email=email, phone=phone, phone_text=typed, details=details),
        form=FormTouch(
            form_id=form.form_id,
            form_version=form.version,
            submission_key=key,
            answers=tuple(shown),
            consent_text=definition.consent_text,
            page_url=page_url,
            utm=utm,
            responsible_manager_id=definition.responsible_manager_id,
            creates=definition.creates.value,
        ),
    )
