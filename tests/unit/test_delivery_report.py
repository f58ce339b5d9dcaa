"""The delivery-reports topic's message: round trip, and a specific error for each malformed field."""

from __future__ import annotations

import json
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.conversation import DeliveryOutcome
from domain.delivery_report import DeliveryReport, InvalidDeliveryReport
from domain.text import TextKind, is_clean

details = st.text(max_size=300).filter(lambda t: is_clean(t, TextKind.TEXT))


@given(st.uuids(), st.uuids(), st.sampled_from(DeliveryOutcome), details)
def test_a_report_survives_the_wire(conversation, reply, outcome, detail) -> None:  # type: ignore[no-untyped-def]
    report = DeliveryReport(conversation, reply, outcome, detail)
    assert DeliveryReport.from_dict(json.loads(json.dumps(report.to_dict()))) == report


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"conversation_id": "nope"}, "conversation_id"),
        ({"reply_id": None}, "reply_id"),
        ({"outcome": "lost"}, "outcome"),
        ({"detail": 5}, "detail"),
        ({"detail": "a\u0000b"}, "detail"),
    ],
)
def test_a_malformed_report_is_refused_naming_the_field(change: dict[str, object], field: str) -> None:
    good = DeliveryReport(uuid4(), uuid4(), DeliveryOutcome.SENT, "250 ok").to_dict()
    with pytest.raises(InvalidDeliveryReport, match=field):
        DeliveryReport.from_dict({**good, **change})


def test_a_report_must_be_an_object() -> None:
    with pytest.raises(InvalidDeliveryReport, match="JSON object"):
        DeliveryReport.from_dict(["sent"])
