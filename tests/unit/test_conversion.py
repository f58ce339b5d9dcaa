"""Converting a lead, as the domain decides it: which records, which ids, what is new; converting again adds nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.conversion import ConversionRefused, Converted, Record, plan_conversion
from domain.errors import InvalidField
from domain.identities import converted_record_id
from domain.lead import Lead
from domain.live_update import InvalidLiveUpdate, ReadModelsChanged

ANNA = uuid4()
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CONTACT, COMPANY, DEAL = Record.CONTACT, Record.COMPANY, Record.DEAL


def qualified_lead() -> Lead:
    lead = Lead(conversation_id=uuid4(), contact_id=uuid4(), channel="webchat", source="widget")
    lead.take_in_progress(by=ANNA)
    lead.qualify(by=ANNA)
    lead.collect_events()
    return lead


def test_a_business_becomes_a_contact_a_company_and_a_deal_in_one_converted_event() -> None:
    lead = qualified_lead()
    plan = lead.plan_conversion(frozenset({CONTACT, COMPANY, DEAL}), known_contact=lead.contact_id)
    assert plan.result == Converted(
        lead.contact_id, converted_record_id(lead.id, "company"), converted_record_id(lead.id, "deal")
    )
    assert (plan.new, plan.register_contact) == (frozenset({CONTACT, COMPANY, DEAL}), False)
    lead.convert(plan, by=ANNA, at=AT)
    [converted] = lead.collect_events()
    assert type(converted).__name__ == "Converted"
    assert converted.contact_id == lead.contact_id  # type: ignore[attr-defined]
    assert converted.created == ["company", "contact", "deal"]  # type: ignore[attr-defined]
    assert converted.conversation_ids == [lead.conversation_id]  # type: ignore[attr-defined]
    assert (converted.by, converted.at) == (ANNA, AT)  # type: ignore[attr-defined]
    assert lead.converted == plan.result


def test_converting_again_finds_what_it_made_and_records_nothing() -> None:
    lead = qualified_lead()
    lead.convert(lead.plan_conversion(frozenset({CONTACT, DEAL}), lead.contact_id), by=ANNA, at=AT)
    lead.collect_events()
    again = lead.plan_conversion(frozenset({CONTACT, DEAL}), lead.contact_id)
    assert again.nothing_new
    lead.convert(again, by=ANNA, at=AT)
    assert lead.collect_events() == []


def test_a_private_person_without_a_known_contact_gets_one_derived_from_the_lead() -> None:
    lead = qualified_lead()
    plan = lead.plan_conversion(frozenset({CONTACT}), known_contact=None)
    assert plan.register_contact
    assert plan.result == Converted(contact_id=converted_record_id(lead.id, "contact"))


@pytest.mark.parametrize(
    ("asked", "qualified", "refusal"),
    [
        (frozenset(), True, "say what the lead converts into"),
        (frozenset({CONTACT}), False, "qualify it before converting"),
    ],
)
def test_refused_conversions_say_why(asked: frozenset[Record], *, qualified: bool, refusal: str) -> None:
    with pytest.raises(ConversionRefused, match=refusal):
        plan_conversion(uuid4(), qualified=qualified, asked=asked, known_contact=uuid4(), before=Converted())


def test_a_deal_needs_a_contact_or_a_company_to_be_for() -> None:
    with pytest.raises(InvalidField) as refused:
        plan_conversion(uuid4(), qualified=True, asked=frozenset({DEAL}), known_contact=uuid4(), before=Converted())
    assert refused.value.field == "deal"


def test_a_lead_not_qualified_any_more_is_still_answered_with_what_it_became() -> None:
    lead = qualified_lead()
    lead.convert(lead.plan_conversion(frozenset({COMPANY}), lead.contact_id), by=ANNA, at=AT)
    before = lead.converted
    asked_again = plan_conversion(
        lead.id, qualified=False, asked=frozenset({COMPANY}), known_contact=None, before=before
    )
    assert asked_again.nothing_new
    assert asked_again.result == before


def test_a_plan_made_on_an_earlier_lead_is_refused() -> None:
    lead = qualified_lead()
    stale = lead.plan_conversion(frozenset({CONTACT}), known_contact=None)
    lead.convert(lead.plan_conversion(frozenset({CONTACT}), known_contact=lead.contact_id), by=ANNA, at=AT)
    with pytest.raises(ConversionRefused, match="plan it again"):
        lead.convert(stale, by=ANNA, at=AT)


ASKS = st.lists(st.frozensets(st.sampled_from(list(Record)), min_size=1), min_size=1, max_size=6)


@given(asks=ASKS, knows_contact=st.booleans())
def test_any_sequence_of_conversions_keeps_every_id_and_never_makes_a_record_twice(
    asks: list[frozenset[Record]], *, knows_contact: bool
) -> None:
    lead = qualified_lead()
    known = lead.contact_id if knows_contact else None
    made: dict[Record, UUID] = {}
    for asked in asks:
        try:
            plan = lead.plan_conversion(asked, known)
        except InvalidField:
            assert DEAL in asked
            assert not ({CONTACT, COMPANY} & (asked | made.keys()))
            continue
        lead.convert(plan, by=ANNA, at=AT)
        events = lead.collect_events()
        assert len(events) == (1 if plan.new else 0)
        for record in Record:
            now = lead.converted.id_of(record)
            if record in made:
                assert now == made[record]  # kept, never replaced
                assert record not in plan.new
            elif now is not None:
                made[record] = now
                expected = known if record is CONTACT and known else converted_record_id(lead.id, record)
                assert now == expected
        assert made.keys() >= asked
        if DEAL in made:
            assert made.keys() & {CONTACT, COMPANY}


def test_the_gateways_are_told_which_leads_were_converted() -> None:
    leads = (uuid4(), uuid4())
    [payload] = ReadModelsChanged(converted_lead_ids=leads).payloads()
    assert ReadModelsChanged.from_payload(payload).converted_lead_ids == leads
    with pytest.raises(InvalidLiveUpdate, match=r"'converted_lead_ids\[0\]'"):
        ReadModelsChanged.from_dict({"converted_lead_ids": ["lead 1"]})
