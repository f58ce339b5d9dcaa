"""What a web form's submission adds to its inbound message: the form, the answers, the consent, the page.

Ingest reads the visitor's submission against the form's definition and puts this on the message it
publishes (``InboundMessage.form``); the router records it beside the lead it opens, as the lead's
source (the page and its UTM parameters) and the proof of consent (the text the visitor accepted).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.errors import InvalidInboundMessage
from domain.text import InvalidText, TextKind, checked_text

UTM_PARAMETERS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
MAX_PAGE_URL = 2_000
MAX_UTM = 200
MAX_ANSWER = 4_000
MAX_KEY = 100
MAX_CONSENT_TEXT = 4_000


@dataclass(frozen=True)
class Answer:
    """One field as the visitor filled it: its key, the label they saw, and the value (normalized)."""

    key: str
    label: str
    value: str


@dataclass(frozen=True)
class FormTouch:
    """A submission of a web form, as it travels from ingest to the router."""

    form_id: UUID
    form_version: int
    submission_key: str  # the snippet's idempotency key: a double click sends the same one
    answers: tuple[Answer, ...]
    consent_text: str
    page_url: str = ""
    utm: tuple[tuple[str, str], ...] = ()
    responsible_manager_id: UUID | None = None
    creates: str = "lead"

    def __post_init__(self) -> None:
        try:
            self._check()
        except InvalidText as invalid:
            raise InvalidInboundMessage(str(invalid)) from invalid
        if self.creates not in ("lead", "deal"):
            msg = f"'form.creates' must be lead or deal, not {self.creates[:20]!r}"
            raise InvalidInboundMessage(msg)

    def _check(self) -> None:
        checked_text("form.submission_key", self.submission_key, max_length=MAX_KEY, kind=TextKind.IDENTIFIER)
        checked_text("form.consent_text", self.consent_text, max_length=MAX_CONSENT_TEXT, kind=TextKind.TEXT)
        checked_text("form.page_url", self.page_url, max_length=MAX_PAGE_URL, kind=TextKind.LINE, required=False)
        for n, answer in enumerate(self.answers):
            checked_text(f"form.answers[{n}].key", answer.key, max_length=MAX_KEY, kind=TextKind.IDENTIFIER)
            checked_text(f"form.answers[{n}].label", answer.label, max_length=MAX_KEY * 2, kind=TextKind.LINE)
            checked_text(
                f"form.answers[{n}].value", answer.value, max_length=MAX_ANSWER, kind=TextKind.TEXT, required=False
            )
        for name, value in self.utm:
            if name not in UTM_PARAMETERS:
                raise InvalidText(f"form.utm.{name}", "is not a UTM parameter")
            checked_text(f"form.utm.{name}", value, max_length=MAX_UTM, kind=TextKind.LINE)

    @property
    def source(self) -> dict[str, str]:
        """Where the visitor was: the page's address and its UTM parameters."""
        return {"page_url": self.page_url, **dict(self.utm)} if self.page_url else dict(self.utm)

    def to_dict(self) -> dict[str, Any]:
        """The submission as plain JSON-ready data."""
        return {
            "form_id": str(self.form_id),
            "form_version": self.form_version,
            "submission_key": self.submission_key,
            "answers": [{"key": a.key, "label": a.label, "value": a.value} for a in self.answers],
            "consent_text": self.consent_text,
            "page_url": self.page_url,
            "utm": dict(self.utm),
            "responsible_manager_id": str(self.responsible_manager_id) if self.responsible_manager_id else None,
            "creates": self.creates,
        }

    @classmethod
    def from_dict(cls, data: Any) -> FormTouch:  # noqa: ANN401 - untrusted input
        """Validate untrusted data into a submission, or raise InvalidInboundMessage naming the field."""
        if not isinstance(data, dict):
            msg = "'form' must be a JSON object"
            raise InvalidInboundMessage(msg)
        version = data.get("form_version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            msg = "'form.form_version' must be a whole number from 1"
            raise InvalidInboundMessage(msg)
        answers = data.get("answers")
        utm = data.get("utm") or {}
        if not isinstance(answers, list) or not all(isinstance(a, dict) for a in answers):
            msg = "'form.answers' must be a list of objects"
            raise InvalidInboundMessage(msg)
        if not isinstance(utm, dict) or not all(isinstance(v, str) for v in utm.values()):
            msg = "'form.utm' must be an object of strings"
            raise InvalidInboundMessage(msg)
        return cls(
            form_id=_uuid(data.get("form_id"), "form_id"),
            form_version=version,
            submission_key=_text(data, "submission_key"),
            answers=tuple(Answer(_text(a, "key"), _text(a, "label"), _text(a, "value")) for a in answers),
            consent_text=_text(data, "consent_text"),
            page_url=_text(data, "page_url"),
            utm=tuple(sorted((str(k), v) for k, v in utm.items())),
            responsible_manager_id=(
                _uuid(data["responsible_manager_id"], "responsible_manager_id")
                if data.get("responsible_manager_id") is not None
                else None
            ),
            creates=_text(data, "creates") or "lead",
        )


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        msg = f"'form.{name}' must be a string"
        raise InvalidInboundMessage(msg)
    return value


def _uuid(value: object, name: str) -> UUID:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return UUID(value)
    msg = f"'form.{name}' must be an id"
    raise InvalidInboundMessage(msg)
