"""A web form as a visitor submitted it: kept beside the lead it opened, as its source and its consent.

One per lead (its id derives from the lead's), recorded by the router in the transaction that opens
the lead, so a submission published twice is recorded once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.form_touch import FormTouch

_NAMESPACE = UUID("0d6b51c6-6f0e-4f55-8f4e-2b7c6a3e9a41")


def submitted_form_id(lead_id: UUID) -> UUID:
    """The submission that opened a lead."""
    return uuid5(_NAMESPACE, f"submitted-form/{lead_id}")


class SubmittedForm(Aggregate):
    """The answers, the consent text accepted and when, and where the visitor was (page and UTM)."""

    @staticmethod
    def create_id(lead_id: UUID, **_: Any) -> UUID:  # noqa: ANN401 - the rest of the event's fields
        """One per lead."""
        return submitted_form_id(lead_id)

    @event("Received")
    def __init__(  # noqa: PLR0913 - everything a submission proves, in one event
        self,
        lead_id: UUID,
        contact_id: UUID,
        conversation_id: UUID,
        form_id: UUID,
        form_version: int,
        answers: list[dict[str, str]],
        consent_text: str,
        consented_at: datetime,
        source: dict[str, str],
    ) -> None:
        self.lead_id = lead_id
        self.contact_id = contact_id
        self.form_id = form_id
        self.form_version = form_version
        self.answers = answers
        self.consent_text = consent_text
        self.consented_at = consented_at
        self.source = source

    @classmethod
    def of(
        cls, touch: FormTouch, lead_id: UUID, contact_id: UUID, conversation_id: UUID, at: datetime
    ) -> SubmittedForm:
        """The record of ``touch``, which opened ``lead_id`` at ``at``."""
        return cls(
            lead_id=lead_id,
            contact_id=contact_id,
            conversation_id=conversation_id,
            form_id=touch.form_id,
            form_version=touch.form_version,
            answers=[{"key": a.key, "label": a.label, "value": a.value} for a in touch.answers],
            consent_text=touch.consent_text,
            consented_at=at,
            source=touch.source,
        )
