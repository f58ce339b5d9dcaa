"""Chat signals: what passes live between the console and the widget and is no event of the log.

An operator types, a visitor types, a conversation was just closed (the widget asks for a rating).
They are ephemeral: lost when nobody listens, never stored, never replayed. The gateway and ingest
pass them to each other as these, by name of the visitor whose web chat they concern.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any, ClassVar, Self
from uuid import UUID

from domain import json_input
from domain.errors import DomainError
from domain.text import InvalidText, TextKind, checked_text

MAX_VISITOR_ID, MAX_OPERATOR_NAME = 200, 200


class InvalidChatSignal(DomainError, ValueError):
    """A chat signal that cannot be read; the message names the field."""


class SignalKind(enum.StrEnum):
    """What a signal says."""

    OPERATOR_TYPING = "operator_typing"  # to the visitor
    CONVERSATION_CLOSED = "conversation_closed"  # to the visitor, who is asked for a rating
    VISITOR_TYPING = "visitor_typing"  # to the operators who may see the conversation


class _Signal:
    """What every chat signal shares: its payload is its ``to_dict`` as JSON, read back by ``from_payload``."""

    WHAT: ClassVar[str]  # what the signal is, in the errors that refuse it

    def to_dict(self) -> dict[str, Any]:
        """The signal as plain JSON-ready data."""
        raise NotImplementedError

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> Self:
        """The signal from a JSON object's fields, or InvalidChatSignal naming what is wrong."""
        raise NotImplementedError

    def to_payload(self) -> str:
        """The signal as a notification's payload."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: Any) -> Self:  # noqa: ANN401 - untrusted input
        """Read a signal, or raise InvalidChatSignal naming what is wrong."""
        if not isinstance(data, dict):
            msg = f"{cls.WHAT} must be a JSON object"
            raise InvalidChatSignal(msg)
        return cls.from_fields(data)

    @classmethod
    def from_payload(cls, payload: str) -> Self:
        """Read a notification's payload, or raise InvalidChatSignal."""
        try:
            data = json_input.loads(payload)
        except ValueError:
            msg = f"{cls.WHAT} must be JSON"
            raise InvalidChatSignal(msg) from None
        return cls.from_dict(data)


@dataclass(frozen=True)
class ChatSignal(_Signal):
    """One signal about a visitor's web chat."""

    WHAT: ClassVar[str] = "a chat signal"

    kind: SignalKind
    visitor_id: str
    operator_name: str = ""

    def __post_init__(self) -> None:
        try:
            checked_text("visitor_id", self.visitor_id, max_length=MAX_VISITOR_ID, kind=TextKind.IDENTIFIER)
            checked_text(
                "operator_name", self.operator_name, max_length=MAX_OPERATOR_NAME, kind=TextKind.LINE, required=False
            )
        except InvalidText as invalid:
            raise InvalidChatSignal(str(invalid)) from None

    def to_dict(self) -> dict[str, Any]:
        """The signal as plain JSON-ready data."""
        return {"kind": self.kind.value, "visitor_id": self.visitor_id, "operator_name": self.operator_name}

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> ChatSignal:
        """The signal from a JSON object's fields, or InvalidChatSignal naming what is wrong."""
        try:
            kind = SignalKind(str(data.get("kind")))
        except ValueError:
            msg = f"'kind' must be one of {', '.join(SignalKind)}"
            raise InvalidChatSignal(msg) from None
        name = data.get("operator_name", "")
        return cls(kind, data.get("visitor_id"), name if isinstance(name, str) else "")  # type: ignore[arg-type]


@dataclass(frozen=True)
class ColleagueTyping(_Signal):
    """An operator types in a conversation (any channel): shown to the colleagues who may see it, on every gateway."""

    WHAT: ClassVar[str] = "a colleague's typing"

    conversation_id: UUID
    manager_id: UUID
    name: str

    def __post_init__(self) -> None:
        try:
            checked_text("name", self.name, max_length=MAX_OPERATOR_NAME, kind=TextKind.LINE)
        except InvalidText as invalid:
            raise InvalidChatSignal(str(invalid)) from None

    def to_dict(self) -> dict[str, Any]:
        """The signal as plain JSON-ready data."""
        return {"conversation_id": str(self.conversation_id), "manager_id": str(self.manager_id), "name": self.name}

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> ColleagueTyping:
        """The signal from a JSON object's fields, or InvalidChatSignal naming what is wrong."""
        ids = {}
        for key in ("conversation_id", "manager_id"):
            try:
                ids[key] = UUID(str(data.get(key)))
            except ValueError:
                msg = f"'{key}' must be an id"
                raise InvalidChatSignal(msg) from None
        name = data.get("name")
        return cls(ids["conversation_id"], ids["manager_id"], name if isinstance(name, str) else "")
