"""A lead's qualification: new, in progress, then qualified or junk with a reason; apart from its routing."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest

from domain.lead import Lead, LeadStatus, Qualification, QualificationRefused
from domain.lead_details import LeadDetails
from domain.text import InvalidText

ANNA = uuid4()


def new_lead() -> Lead:
    lead = Lead(conversation_id=uuid4(), contact_id=uuid4(), channel="webchat", source="")
    lead.collect_events()
    return lead


def test_a_lead_goes_new_in_progress_qualified_each_step_an_event_with_who() -> None:
    lead = new_lead()
    lead.take_in_progress(by=ANNA)
    lead.qualify(by=ANNA)
    events = lead.collect_events()
    assert [type(e).__name__ for e in events] == ["TakenInProgress", "Qualified"]
    assert all(e.by == ANNA for e in events)  # type: ignore[attr-defined]
    assert lead.qualification is Qualification.QUALIFIED
    assert lead.status is LeadStatus.NEW  # routing is not touched


def test_junk_carries_its_reason_and_can_be_taken_back_in_progress() -> None:
    lead = new_lead()
    lead.mark_junk("spam", by=ANNA)
    assert (lead.qualification, lead.junk_reason) == (Qualification.JUNK, "spam")
    lead.take_in_progress(by=ANNA)
    assert (lead.qualification, lead.junk_reason) == (Qualification.IN_PROGRESS, "")


@pytest.mark.parametrize(
    ("steps", "refused"),
    [
        (["qualify"], "take it in progress before qualifying"),
        (["take", "take"], "only a new or junk lead"),
        (["take", "qualify", "junk"], "only a new or in-progress lead"),
        (["junk", "qualify"], "take it in progress before qualifying"),
    ],
)
def test_a_step_out_of_order_is_refused_saying_why_and_changes_nothing(steps: list[str], refused: str) -> None:
    lead = new_lead()
    act = {
        "take": lambda: lead.take_in_progress(by=ANNA),
        "qualify": lambda: lead.qualify(by=ANNA),
        "junk": lambda: lead.mark_junk("no budget", by=ANNA),
    }
    for step in steps[:-1]:
        act[step]()
    before = (lead.qualification, lead.version)
    with pytest.raises(QualificationRefused, match=refused):
        act[steps[-1]]()
    assert (lead.qualification, lead.version) == before


def test_details_are_checked_and_recorded_once_each_change() -> None:
    lead = new_lead()
    details = LeadDetails.checked(" 1250.50 ", "eur", "CRM licences", "wants 10 seats")
    assert details == LeadDetails(Decimal("1250.50"), "EUR", "CRM licences", "wants 10 seats")
    lead.change_details(details, by=ANNA)
    lead.change_details(details, by=ANNA)
    (changed,) = lead.collect_events()
    assert changed.amount == Decimal("1250.50")  # type: ignore[attr-defined]
    assert lead.details == details


@pytest.mark.parametrize(
    ("given", "field", "problem"),
    [
        ({"amount": "12,5", "currency": "EUR"}, "amount", "not a decimal number"),
        ({"amount": "-1", "currency": "EUR"}, "amount", "negative"),
        ({"amount": 12.5, "currency": "EUR"}, "amount", "written as a string"),
        ({"amount": "1.00001", "currency": "EUR"}, "amount", "at most 4 digits"),
        ({"amount": "1e20", "currency": "EUR"}, "amount", "below"),
        ({"amount": "NaN", "currency": "EUR"}, "amount", "finite"),
        ({"amount": "10"}, "currency", "required with an amount"),
        ({"amount": "10", "currency": "EURO"}, "currency", "ISO 4217"),
        ({"currency": "XXX"}, "currency", "ISO 4217"),
        ({"product_interest": "a\nb"}, "product_interest", "control character"),
        ({"comment": "x" * 4001}, "comment", "longer than"),
    ],
)
def test_wrong_details_are_refused_naming_the_field(given: dict[str, object], field: str, problem: str) -> None:
    with pytest.raises(InvalidText, match=problem) as refused:
        LeadDetails.checked(**given)
    assert refused.value.field == field
