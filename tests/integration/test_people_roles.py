"""Who sees and works which contacts, companies, leads and duplicates, over REST: every role against every record.

Contacts and companies: A is Anna's, B Boris's (north), S Sam's (south). Leads: A routed to Anna, S
to Sam. A manager sees and works their own; a head their department's and nothing of the other
department; a director and an admin everything. A lead not taken yet is also seen by whoever it is on
offer to, and by the heads of the team whose queue it waits in. What may not be seen is answered as what does not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from uuid import UUID

import pytest

from application.assigning import Assigning
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from application.work_day import change_work_day
from domain.lead import Lead
from services.settings import Settings
from tests.integration.crm_world import PEOPLE, World, world
from tests.integration.people_world import entered, lead_of
from tests.router_reactions import routed

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

SEEN = {
    "anna": {"A"},
    "boris": {"B"},
    "hanna": {"A", "B"},
    "sven": {"S"},
    "sam": {"S"},
    "dora": {"A", "B", "S"},
    "adam": {"A", "B", "S"},
}
TIMELINES = {"contacts": "contact", "companies": "company", "leads": "lead"}
LEADS_SEEN = {name: seen - {"B"} for name, seen in SEEN.items()}
# Who may enter a contact or a company for whom: a manager for themselves, a head for their department.
ENTER_FOR = {
    ("anna", "anna"): 201,
    ("anna", "boris"): 403,
    ("hanna", "boris"): 201,
    ("hanna", "sam"): 403,
    ("sven", "anna"): 403,
    ("dora", "sam"): 201,
    ("adam", "hanna"): 201,
}


@pytest.fixture
def crm(store: EventStore, settings: Settings) -> Iterator[World]:
    with world(store, settings) as w:
        yield w


def test_every_role_sees_and_works_exactly_its_contacts_companies_and_leads(crm: World) -> None:
    owners = {"A": "anna", "B": "boris", "S": "sam"}
    contacts = {name: entered(crm, who, "/api/contacts", {"name": f"Contact {name}"}) for name, who in owners.items()}
    companies = {name: entered(crm, who, "/api/companies", {"name": f"Company {name}"}) for name, who in owners.items()}
    routed(crm.store, change_work_day, crm.ids["anna"], "start")
    routed(crm.store, change_work_day, crm.ids["sam"], "start")
    leads = {"A": str(lead_of(crm, "north", "va")[0]), "S": str(lead_of(crm, "south", "vs")[0])}
    for (who, holder), status in ENTER_FOR.items():
        for url in ("/api/contacts", "/api/companies"):
            body = {"name": f"For {holder}", "responsible_id": str(crm.ids[holder])}
            assert crm.post(who, url, body).status_code == status, (who, holder, url)
    crm.projected()

    for who in PEOPLE:
        for kind, records, seen in (
            ("contacts", contacts, SEEN[who]),
            ("companies", companies, SEEN[who]),
            ("leads", leads, LEADS_SEEN[who]),
        ):
            names = {record: name for name, record in records.items()}
            listed = crm.get(who, f"/api/{kind}", limit=200).json()[kind]
            assert {names[r["id"]] for r in listed if r["id"] in names} == seen, (who, kind)
            for name, record in records.items():
                expected = 200 if name in seen else 404
                url = f"/api/{kind}/{record}"
                assert crm.get(who, url).status_code == expected, (who, url)
                unchanged = {"contacts": {"name": f"Contact {name}"}, "companies": {"name": f"Company {name}"}}
                edited = crm.send(
                    "PATCH", who, url, unchanged.get(kind, {"comment": ""})
                )  # nothing changes: only the rule is tried
                assert edited.status_code == expected, (who, url, edited.text)
                timeline = crm.get(who, f"/api/timeline/{TIMELINES[kind]}/{record}")
                assert timeline.status_code == expected, (who, url)
    # Nothing of the other department, not even through a list's filter.
    assert crm.get("sven", "/api/contacts", responsible=str(crm.ids["anna"])).json()["contacts"] == []
    assert crm.get("hanna", "/api/leads", responsible=str(crm.ids["sam"])).json()["leads"] == []
    missing = crm.get("sven", "/api/contacts/00000000-0000-4000-8000-000000000000").json()
    assert crm.get("sven", f"/api/contacts/{contacts['A']}").json() == missing


def test_every_act_on_people_and_leads_is_refused_alike_to_whoever_may_not_see_the_record(crm: World) -> None:
    contact = entered(crm, "anna", "/api/contacts", {"name": "Anna Ozola", "emails": ["anna.ozola@example.com"]})
    twin = entered(crm, "anna", "/api/contacts", {"name": "Anna Ozola"})
    company = entered(crm, "anna", "/api/companies", {"name": "Riga Tyres"})
    routed(crm.store, change_work_day, crm.ids["anna"], "start")
    lead = str(lead_of(crm, "north", "v1")[0])
    crm.projected()
    [suggestion] = crm.get("anna", "/api/duplicates").json()["duplicates"]
    before = {url: crm.get("dora", url).json()["version"] for url in (f"/api/contacts/{contact}", f"/api/leads/{lead}")}
    acts = [
        ("GET", f"/api/contacts/{contact}", None),
        ("PATCH", f"/api/contacts/{contact}", {"name": "Mine"}),
        ("PUT", f"/api/contacts/{contact}/company", {"company_id": None}),
        ("POST", f"/api/contacts/{contact}/phones", {"phone": "+37120000009"}),
        ("POST", f"/api/contacts/{contact}/emails", {"email": "mine@example.com"}),
        ("POST", f"/api/contacts/{contact}/messenger-ids", {"messenger_id": "vk:9"}),
        ("GET", f"/api/contacts/{contact}/duplicates", None),
        ("POST", f"/api/contacts/{contact}/merge", {"merged_id": twin}),
        ("POST", f"/api/duplicates/{suggestion['id']}/dismissal", {"why": "Mine"}),
        ("GET", f"/api/companies/{company}", None),
        ("PATCH", f"/api/companies/{company}", {"industry": "Mine"}),
        ("GET", f"/api/leads/{lead}", None),
        ("PATCH", f"/api/leads/{lead}", {"comment": "Mine"}),
        ("POST", f"/api/leads/{lead}/take", {}),
        ("POST", f"/api/leads/{lead}/qualify", {}),
        ("POST", f"/api/leads/{lead}/junk", {"reason": "Mine"}),
    ]
    for who in ("boris", "sven", "sam"):
        for method, url, body in acts:
            answer = crm.send(method, who, url, body)
            assert answer.status_code == 404, (who, method, url, answer.text)
            assert answer.json()["error"] in {
                "no contact among those you may see",
                "no company among those you may see",
                "no lead among those you may see",
            }, (who, method, url)
        assert crm.get(who, "/api/duplicates").json()["duplicates"] == []
    # Someone may see the contact to merge into but not the one merged: refused alike.
    boris_own = entered(crm, "boris", "/api/contacts", {"name": "Boris's"})
    sams = entered(crm, "sam", "/api/contacts", {"name": "Sam's"})
    refused = crm.post("hanna", f"/api/contacts/{boris_own}/merge", {"merged_id": sams})
    assert refused.status_code == 404, refused.text
    crm.projected()
    assert {url: crm.get("dora", url).json()["version"] for url in before} == before
    assert crm.get("dora", f"/api/leads/{lead}").json()["status"] == "new"
    assert crm.get("dora", f"/api/contacts/{sams}").json()["merged_from"] == []
    assert crm.get("dora", f"/api/companies/{company}").json()["industry"] == ""


def test_a_lead_on_offer_or_in_a_queue_is_seen_by_whom_it_is_offered_to_and_the_heads_of_the_queue(
    crm: World,
) -> None:
    offered, queued = (lead_of(crm, "north", visitor)[0] for visitor in ("vo", "vq"))  # nobody works: not taken

    def placed(lead: UUID, act: Callable[[Lead], None]) -> None:
        def command(work: UnitOfWork, _: Assigning) -> None:
            found = work.find(lead, Lead)
            assert found is not None
            act(found)

        crm.store.transact(command)

    placed(offered, lambda lead: lead.offer([crm.ids["boris"]], {"why": "the first free"}))
    placed(queued, lambda lead: lead.offer([crm.ids["sam"]], {"why": "the first free"}))
    placed(queued, lambda lead: lead.queue("south", 1, {"why": "nobody took it"}))
    crm.projected()
    leads = {"offered": str(offered), "queued": str(queued)}
    seen = {
        "anna": set(),
        "boris": {"offered"},
        "hanna": {"offered"},  # offered to a member of her department
        "sven": {"queued"},  # waiting in his team's queue
        "sam": set(),  # the offer to him ended when it was queued
        "dora": {"offered", "queued"},
        "adam": {"offered", "queued"},
    }
    for who in PEOPLE:
        listed = {row["id"] for row in crm.get(who, "/api/leads", limit=200).json()["leads"]}
        assert {name for name, lead in leads.items() if lead in listed} == seen[who], who
        for name, lead in leads.items():
            expected = 200 if name in seen[who] else 404
            assert crm.get(who, f"/api/leads/{lead}").status_code == expected, (who, name)
            assert crm.get(who, f"/api/leads/{lead}/routing").status_code == expected, (who, name)
    # Seeing a lead on offer is not working it: that waits until it is taken.
    edited = crm.send("PATCH", "boris", f"/api/leads/{offered}", {"comment": "Mine"})
    assert edited.status_code == 403, edited.text
