"""Converting a lead over REST on real PostgreSQL and Kafka: once, linked back to the lead and its conversation.

The records a lead becomes take ids derived from it; the second request (or a racing one) answers with
them and records nothing. The deal, the company and the contact show the lead's conversation on their
timelines, and what the customer writes after it too. Refusals: 400 naming the field, 403, 404 alike for
missing and unseen, 409 with the lead's current version.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from application.conversion_request import Conversion, DealCard
from application.convert_lead import LeadConverted, convert_lead
from application.event_store import EventStore
from application.lead_qualification import qualify_lead, take_lead_in_progress
from application.work_day import change_work_day
from domain.identities import converted_record_id
from domain.inbound import InboundMessage
from services.bootstrap import build_event_store
from services.settings import Settings
from tests.integration.crm_world import World, received_in_north, world
from tests.integration.test_sales_view import applied_one_by_one_differs
from tests.router_reactions import routed

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

EVERYTHING = {
    "contact": {"name": "Ilze Berzina", "emails": ["ilze@nordic-freight.example"]},
    "company": {"name": "Nordic Freight", "domain": "nordic-freight.example", "industry": "logistics"},
    "deal": {"title": "40 trackers", "currency": "EUR"},
}


@pytest.fixture
def crm(store: EventStore, settings: Settings) -> Iterator[World]:
    with world(store, settings) as w:
        yield w


def refused(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    if status == 400:
        assert body["field"] == field, body
    return body


def annas_lead(crm: World, visitor: str, text: str = "We need 40 trackers for our trucks") -> UUID:
    """A web-chat lead routed to Anna (north), not yet qualified."""
    routed(crm.store, change_work_day, crm.ids["anna"], "start")
    [received] = received_in_north(crm.settings, InboundMessage.from_visitor(visitor, "m1", text, datetime.now(UTC)))
    assert received.assigned_to == crm.ids["anna"]
    assert received.lead_id is not None
    return received.lead_id


def qualified(crm: World, lead: UUID) -> UUID:
    take_lead_in_progress(crm.store, lead, crm.ids["anna"])
    qualify_lead(crm.store, lead, crm.ids["anna"])
    return lead


def events(crm: World) -> int:
    return crm.store.recorder.max_notification_id() or 0


def test_refusals_name_the_field_and_hide_what_the_caller_may_not_see(crm: World) -> None:
    lead = annas_lead(crm, "v1")
    url = f"/api/leads/{lead}/conversion"
    assert crm.http.post(url, json=EVERYTHING).status_code == 401
    assert refused(crm.post("anna", url, EVERYTHING), 400)["error"].endswith("qualify it before converting it")
    qualified(crm, lead)
    before = events(crm)
    unseen = [refused(crm.post(who, url, EVERYTHING), 404)["error"] for who in ("boris", "sven")]
    missing = refused(crm.post("anna", f"/api/leads/{uuid4()}/conversion", EVERYTHING), 404)["error"]
    assert unseen == [missing, missing]
    refused(crm.post("anna", url, {**EVERYTHING, "responsible_id": str(crm.ids["boris"])}), 403)
    for body, field in (
        ({"contact": "yes"}, "contact"),
        ({"company": {"name": ""}}, "company.name"),
        ({"contact": {"phones": ["call me"]}}, "contact.phones[0]"),
        ({"contact": {"emails": ["not an e-mail"]}}, "contact.emails[0]"),
        ({"contact": {}, "deal": {"currency": "EURO"}}, "deal.currency"),
        ({"contact": {}, "deal": {"currency": "EUR", "amount": 10.5}}, "deal.amount"),
        ({"contact": {}, "deal": {"currency": "EUR", "pipeline_id": str(uuid4())}}, "deal.pipeline_id"),
        ({"contact": {}, "deal": {"currency": "EUR", "expected_close": "soon"}}, "deal.expected_close"),
        ({"contact": {}, "deal": {"currency": "EUR", "colour": "red"}}, "deal.colour"),
        ({"contact": {"nickname": "Ilze"}}, "contact.nickname"),
        ({"deal": {"currency": "EUR"}}, "deal"),
        ({"contact": {}, "responsible_id": "me"}, "responsible_id"),
        ({"contact": {}, "expected_version": 0}, "expected_version"),
    ):
        refused(crm.post("anna", url, body), 400, field)
    stale = refused(crm.post("anna", url, {**EVERYTHING, "expected_version": 1}), 409)
    assert stale["current_version"] == crm.store.load(lead).version  # type: ignore[union-attr]
    assert events(crm) == before  # nothing of any of it was recorded


def test_a_lead_converts_once_and_its_records_link_back_to_it_and_its_conversation(crm: World) -> None:
    lead = qualified(crm, annas_lead(crm, "v2"))
    url = f"/api/leads/{lead}/conversion"
    made = crm.post("anna", url, EVERYTHING)
    assert made.status_code == 201, made.text
    ids = made.json()
    assert ids["created"] == ["company", "contact", "deal"]
    assert (ids["company_id"], ids["deal_id"]) == (
        str(converted_record_id(lead, "company")),
        str(converted_record_id(lead, "deal")),
    )
    after = events(crm)
    for who in ("anna", "hanna", "dora", "adam"):  # asked again, by whoever may: the same records, nothing recorded
        again = crm.post(who, url, EVERYTHING)
        assert again.status_code == 200, again.text
        assert {k: again.json()[k] for k in ("contact_id", "company_id", "deal_id")} == {
            k: ids[k] for k in ("contact_id", "company_id", "deal_id")
        }
        assert again.json()["created"] == []
    assert events(crm) == after

    crm.projected()
    deal = crm.get("anna", f"/api/deals/{ids['deal_id']}").json()
    assert (deal["lead_id"], deal["contact_id"], deal["company_id"]) == (
        str(lead),
        ids["contact_id"],
        ids["company_id"],
    )
    assert (deal["title"], deal["currency"], deal["responsible_id"]) == ("40 trackers", "EUR", str(crm.ids["anna"]))
    for kind in ("deal", "company", "contact", "lead"):
        timeline = crm.get("anna", f"/api/timeline/{kind}/{ids[f'{kind}_id'] if kind != 'lead' else lead}")
        assert timeline.status_code == 200, timeline.text
        entries = timeline.json()["timeline"]
        kinds = [e["kind"] for e in entries]
        assert "Lead.Converted" in kinds, (kind, kinds)
        said = [e["summary"]["text"] for e in entries if e["kind"] == "Conversation.CustomerWrote"]
        assert said == ["We need 40 trackers for our trucks"], (kind, entries)
        converted = next(e for e in entries if e["kind"] == "Lead.Converted")["summary"]
        assert (converted["lead_id"], converted["deal_id"], converted["by"]) == (
            str(lead),
            ids["deal_id"],
            str(crm.ids["anna"]),
        )

    # The customer writes again: the deal and the company see it as the lead does.
    received_in_north(
        crm.settings, InboundMessage.from_visitor("v2", "m2", "Can you deliver in May?", datetime.now(UTC))
    )
    crm.projected()
    for kind in ("deal", "company"):
        entries = crm.get("anna", f"/api/timeline/{kind}/{ids[f'{kind}_id']}").json()["timeline"]
        said = [e["summary"]["text"] for e in entries if e["kind"] == "Conversation.CustomerWrote"]
        assert said == ["We need 40 trackers for our trucks", "Can you deliver in May?"], kind
    for outsider in ("boris", "sven"):
        refused(crm.get(outsider, f"/api/deals/{ids['deal_id']}"), 404)
        refused(crm.get(outsider, f"/api/timeline/company/{ids['company_id']}"), 404)
    # The same read models, conversions and timelines included, when the log is applied one event at a time.
    assert asyncio.run(applied_one_by_one_differs(crm.settings)) == {}


def test_two_conversions_racing_make_each_record_once(crm: World) -> None:
    lead = qualified(crm, annas_lead(crm, "v3"))
    conversion = Conversion.checked(
        contact={"name": "Ilze"}, company={"name": "Nordic Freight"}, deal=DealCard(currency="EUR")
    )

    def convert(_: int) -> LeadConverted:
        own = build_event_store(crm.settings)  # each its own connection, as two gateways have
        try:
            return convert_lead(own, lead, conversion, crm.ids["anna"])
        finally:
            own.close()

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(convert, range(4)))
    assert len({(r.contact_id, r.company_id, r.deal_id) for r in results}) == 1
    assert sorted(len(r.created) for r in results) == [0, 0, 0, 3]
    history = [type(e).__name__ for e in crm.store.history(lead)]
    assert history.count("Converted") == 1
    company = results[0].company_id
    assert company is not None
    assert [type(e).__name__ for e in crm.store.history(company)].count("Registered") == 1
