"""A web form an admin defines: its fields, where each goes in the CRM, what it creates and who gets it.

A visitor fills the form on any site through the embedded snippet; what they send is read against
this definition (``domain/form_submission.py``). The form's ``source`` is the lead's source, so routing
rules can name it (``when: {source: [contact-us]}``).
"""

from __future__ import annotations

import contextlib
import enum
import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.currencies import currency_code
from domain.errors import DomainError, InvalidField
from domain.text import TextKind, checked_text

MAX_FORM_NAME = 200
MAX_LABEL = 200
MAX_FIELDS = 30
MAX_CONSENT = 4_000
MAX_SUCCESS = 1_000
MAX_ORIGINS = 20
MAX_ORIGIN = 200
_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
_SOURCE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_ORIGIN = re.compile(r"https?://[a-z0-9.-]+(:[0-9]{1,5})?")
# The snippet's own fields, which no field of a form may be named.
RESERVED_KEYS = frozenset({"consent", "idempotency_key", "page_url", "utm", "website"})


class FormArchived(DomainError):
    """The form is archived: it takes no more submissions and no more changes."""


class FieldKind(enum.StrEnum):
    """What a field asks for, which decides how its answer is checked."""

    NAME = "name"
    PHONE = "phone"
    EMAIL = "email"
    COMPANY = "company"
    COMMENT = "comment"
    PRODUCT_INTEREST = "product_interest"
    AMOUNT = "amount"
    CUSTOM = "custom"


class Target(enum.StrEnum):
    """Where an answer goes in the CRM."""

    CONTACT_NAME = "contact.name"
    CONTACT_PHONE = "contact.phone"
    CONTACT_EMAIL = "contact.email"
    LEAD_AMOUNT = "lead.amount"
    LEAD_PRODUCT_INTEREST = "lead.product_interest"
    LEAD_COMMENT = "lead.comment"
    # Only in the message the lead's conversation opens with, which the manager reads first.
    MESSAGE = "message"


class Creates(enum.StrEnum):
    """What a submission makes besides its contact."""

    LEAD = "lead"
    DEAL = "deal"  # a lead and, on the contact, a deal opened for it


_DEFAULT_TARGET = {
    FieldKind.NAME: Target.CONTACT_NAME,
    FieldKind.PHONE: Target.CONTACT_PHONE,
    FieldKind.EMAIL: Target.CONTACT_EMAIL,
    FieldKind.COMPANY: Target.MESSAGE,
    FieldKind.COMMENT: Target.LEAD_COMMENT,
    FieldKind.PRODUCT_INTEREST: Target.LEAD_PRODUCT_INTEREST,
    FieldKind.AMOUNT: Target.LEAD_AMOUNT,
    FieldKind.CUSTOM: Target.MESSAGE,
}
# A kind's own target, or the message; free text may also go to the lead's comment.
_FREE_TEXT = frozenset({FieldKind.COMPANY, FieldKind.COMMENT, FieldKind.PRODUCT_INTEREST, FieldKind.CUSTOM})
# Each of these holds one value: two fields cannot both fill it.
_SINGLE = frozenset(_DEFAULT_TARGET.values()) - {Target.MESSAGE, Target.LEAD_COMMENT}


@dataclass(frozen=True)
class FormField:
    """One field: its key in the submission, its kind, the label shown, whether it is required, its target."""

    key: str
    kind: FieldKind
    label: str
    required: bool
    target: Target

    def to_dict(self) -> dict[str, Any]:
        """The field as JSON-ready data."""
        return {
            "key": self.key,
            "kind": self.kind.value,
            "label": self.label,
            "required": self.required,
            "maps_to": self.target.value,
        }

    @classmethod
    def checked(cls, data: object, where: str) -> FormField:
        """A field from what an admin sent; InvalidField naming ``where`` and the part at fault."""
        if not isinstance(data, dict):
            raise InvalidField(where, "must be an object with key, kind, label, required and maps_to")
        key = data.get("key")
        if not isinstance(key, str) or not _KEY.fullmatch(key) or key in RESERVED_KEYS:
            raise InvalidField(
                f"{where}.key", "must be 1-40 lower-case letters, digits or _ starting with a letter, and not reserved"
            )
        try:
            kind = FieldKind(str(data.get("kind")))
        except ValueError:
            raise InvalidField(f"{where}.kind", f"must be one of {', '.join(k.value for k in FieldKind)}") from None
        label = checked_text(f"{where}.label", data.get("label"), max_length=MAX_LABEL, kind=TextKind.LINE).strip()
        required = data.get("required", False)
        if not isinstance(required, bool):
            raise InvalidField(f"{where}.required", "must be true or false")
        given = data.get("maps_to")
        try:
            target = _DEFAULT_TARGET[kind] if given is None else Target(str(given))
        except ValueError:
            raise InvalidField(f"{where}.maps_to", f"must be one of {', '.join(t.value for t in Target)}") from None
        allowed = {_DEFAULT_TARGET[kind], Target.MESSAGE} | ({Target.LEAD_COMMENT} if kind in _FREE_TEXT else set())
        if target not in allowed:
            named = ", ".join(sorted(t.value for t in allowed))
            raise InvalidField(f"{where}.maps_to", f"a {kind} field may go to {named}")
        return cls(key=key, kind=kind, label=label, required=required, target=target)


@dataclass(frozen=True)
class FormDefinition:
    """Everything an admin says about a form."""

    name: str
    source: str
    fields: tuple[FormField, ...]
    consent_text: str
    success_message: str
    creates: Creates = Creates.LEAD
    responsible_manager_id: UUID | None = None
    currency: str = ""
    allowed_origins: tuple[str, ...] = ()

    def field(self, key: str) -> FormField | None:
        """The field of that key, if the form has one."""
        return next((f for f in self.fields if f.key == key), None)

    def to_dict(self) -> dict[str, Any]:
        """The definition as JSON-ready data, as events store it and the API shows it."""
        return {
            "name": self.name,
            "source": self.source,
            "fields": [f.to_dict() for f in self.fields],
            "consent_text": self.consent_text,
            "success_message": self.success_message,
            "creates": self.creates.value,
            "responsible_manager_id": str(self.responsible_manager_id) if self.responsible_manager_id else None,
            "currency": self.currency,
            "allowed_origins": list(self.allowed_origins),
        }

    @classmethod
    def checked(cls, data: object) -> FormDefinition:
        """A definition from what an admin sent, every part checked; InvalidField naming the first wrong one."""
        if not isinstance(data, dict):
            raise InvalidField("definition", "must be a JSON object")
        name = checked_text("name", data.get("name"), max_length=MAX_FORM_NAME, kind=TextKind.LINE).strip()
        source = data.get("source")
        if not isinstance(source, str) or not _SOURCE.fullmatch(source):
            raise InvalidField("source", "must be 1-64 lower-case letters, digits, - or _ (the lead's source)")
        fields = _fields(data.get("fields"))
        consent = checked_text("consent_text", data.get("consent_text"), max_length=MAX_CONSENT, kind=TextKind.TEXT)
        success = checked_text(
            "success_message", data.get("success_message"), max_length=MAX_SUCCESS, kind=TextKind.TEXT
        )
        try:
            creates = Creates(str(data.get("creates", Creates.LEAD.value)))
        except ValueError:
            raise InvalidField("creates", "must be lead or deal") from None
        currency = data.get("currency") or ""
        currency = currency_code(currency) if currency else ""
        if not currency and (creates is Creates.DEAL or any(f.kind is FieldKind.AMOUNT for f in fields)):
            raise InvalidField("currency", "is required when the form asks for an amount or opens a deal")
        responsible = _manager(data.get("responsible_manager_id"))
        if creates is Creates.DEAL and responsible is None:
            raise InvalidField("responsible_manager_id", "is required when the form opens a deal: it is theirs")
        return cls(
            name=name,
            source=source,
            fields=fields,
            consent_text=consent.strip(),
            success_message=success.strip(),
            creates=creates,
            responsible_manager_id=responsible,
            currency=currency,
            allowed_origins=_origins(data.get("allowed_origins")),
        )


def _fields(value: object) -> tuple[FormField, ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_FIELDS:
        raise InvalidField("fields", f"must be a list of 1 to {MAX_FIELDS} fields")
    fields = tuple(FormField.checked(item, f"fields[{n}]") for n, item in enumerate(value))
    seen: set[str] = set()
    filled: set[Target] = set()
    for n, one in enumerate(fields):
        if one.key in seen:
            raise InvalidField(f"fields[{n}].key", f"{one.key!r} is the key of another field")
        seen.add(one.key)
        if one.target in _SINGLE and one.target in filled:
            raise InvalidField(f"fields[{n}].maps_to", f"another field already goes to {one.target}")
        filled.add(one.target)
    if not filled & {Target.CONTACT_EMAIL, Target.CONTACT_PHONE}:
        raise InvalidField("fields", "need an e-mail or a phone going to the contact, or nobody can answer")
    return fields


def _manager(value: object) -> UUID | None:
    if value is None:
        return None
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return UUID(value)
    raise InvalidField("responsible_manager_id", "must be a manager's id")


def _origins(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_ORIGINS:
        raise InvalidField("allowed_origins", f"must be a list of at most {MAX_ORIGINS} origins")
    origins = []
    for n, origin in enumerate(value):
        if not isinstance(origin, str) or len(origin) > MAX_ORIGIN or not _ORIGIN.fullmatch(origin):
            raise InvalidField(f"allowed_origins[{n}]", "must be an origin such as https://shop.example")
        origins.append(origin)
    return tuple(origins)


class WebForm(Aggregate):
    """A form's definition as it changes over time; an archived form takes no more submissions."""

    @staticmethod
    def create_id(form_id: UUID, definition: dict[str, Any], by: UUID) -> UUID:  # noqa: ARG004
        """The id the admin's request chose."""
        return form_id

    @event("Defined")
    def __init__(self, form_id: UUID, definition: dict[str, Any], by: UUID) -> None:
        self.definition = FormDefinition.checked(definition)
        self.archived = False

    @classmethod
    def define(cls, form_id: UUID, definition: FormDefinition, by: UUID) -> WebForm:
        """A new form."""
        return cls(form_id=form_id, definition=definition.to_dict(), by=by)

    def change(self, definition: FormDefinition, by: UUID) -> None:
        """The whole definition, as it now reads; submissions from then on are read against it."""
        self._refuse_if_archived()
        if definition != self.definition:
            self._changed(definition=definition.to_dict(), by=by)

    def archive(self, by: UUID) -> None:
        """Take no more submissions (what was submitted stays)."""
        if not self.archived:
            self._archived(by=by)

    def _refuse_if_archived(self) -> None:
        if self.archived:
            msg = f"form {self.id} is archived: define a new one"
            raise FormArchived(msg)

    @event("Changed")
    def _changed(self, definition: dict[str, Any], by: UUID) -> None:
        self.definition = FormDefinition.checked(definition)

    @event("Archived")
    def _archived(self, by: UUID) -> None:
        self.archived = True
