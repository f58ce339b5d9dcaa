"""The REST routes of contacts, companies, duplicates and leads: each one's answer, and each refusal with its status."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest

from application.event_store import EventStore
from application.work_day import change_work_day
from services.settings import Settings
from tests.integration.crm_world import World, world
from tests.integration.people_world import entered, lead_of
from tests.router_reactions import routed

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


@pytest.fixture
def crm(store: EventStore, settings: Settings) -> Iterator[World]:
    with world(store, settings) as w:
        yield w


def refused(response: object, status: int, field: str | None = None) -> dict[str, object]:
    assert hasattr(response, "status_code")
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    if status == 400:
        assert body["field"] == field, body
    return body


def test_a_contact_is_entered_found_and_edited_at_the_version_read(crm: World) -> None:
    boris = str(crm.ids["boris"])
    card = {"name": "Anna Bērziņa", "phones": ["+371 2000 0000"], "emails": ["Anna@Example.com"], "source": "fair"}
    refused(crm.post("anna", "/api/contacts", {**card, "name": ""}), 400, "name")
    refused(crm.post("anna", "/api/contacts", {**card, "phones": ["12"]}), 400, "phones[0]")
    refused(crm.post("anna", "/api/contacts", {**card, "emails": ["x", "nobody"]}), 400, "emails[0]")
    refused(crm.post("anna", "/api/contacts", {**card, "phones": "+37120000000"}), 400, "phones")
    refused(crm.post("anna", "/api/contacts", {**card, "vip": "yes"}), 400, "vip")
    refused(crm.post("anna", "/api/contacts", {**card, "messenger_ids": ["icq:1"]}), 400, "messenger_ids[0]")
    refused(crm.post("anna", "/api/contacts", {**card, "custom_fields": [1]}), 400, "custom_fields")
    refused(crm.post("anna", "/api/contacts", {**card, "company_id": str(uuid4())}), 400, "company_id")
    refused(crm.post("anna", "/api/contacts", {**card, "responsible_id": boris}), 403)
    refused(crm.post("dora", "/api/contacts", {**card, "responsible_id": str(uuid4())}), 400, "responsible_id")
    company = entered(crm, "anna", "/api/companies", {"name": "Riga Tyres", "domain": "rigatyres.lv"})
    contact = entered(
        crm,
        "anna",
        "/api/contacts",
        {
            **card,
            "messenger_ids": ["telegram:123456"],
            "vip": True,
            "language": "lv",
            "region": "Riga",
            "tags": ["tyres", "fleet"],
            "custom_fields": {"size": 17},
            "company_id": company,
        },
    )
    taken = refused(crm.post("boris", "/api/contacts", {"name": "Other", "emails": ["anna@example.com"]}), 409)
    assert (taken["field"], contact in str(taken)) == ("emails[0]", False)  # whose it is is not told
    url = f"/api/contacts/{contact}"
    crm.projected()

    found = crm.get("anna", url).json()
    assert found["phones"] == [{"number": "+37120000000", "text": "+371 2000 0000"}]
    assert (found["emails"], found["messenger_ids"]) == (["anna@example.com"], ["telegram:123456"])
    assert (found["company"], found["responsible_id"]) == ({"id": company, "name": "Riga Tyres"}, str(crm.ids["anna"]))
    assert (found["vip"], found["language"], found["region"], found["tags"]) == (True, "lv", "Riga", ["fleet", "tyres"])
    assert (found["custom_fields"], found["source"], found["merged_id"]) == ({"size": 17}, "fair", None)
    version = found["version"]

    changed = crm.send("PATCH", "anna", url, {"name": "Anna Berzina", "tags": ["tyres"], "expected_version": version})
    assert changed.status_code == 200, changed.text
    stale = refused(crm.send("PATCH", "anna", url, {"region": "Jurmala", "expected_version": version}), 409)
    assert stale["current_version"] == changed.json()["version"]
    refused(crm.send("PATCH", "anna", url, {"custom_fields": {"size": [17]}}), 400, "custom_fields.size")
    refused(crm.send("PATCH", "anna", url, {"language": "not a tag"}), 400, "language")
    refused(crm.send("PATCH", "anna", url, {"responsible_id": str(uuid4())}), 400, "responsible_id")
    refused(crm.send("PATCH", "anna", f"/api/contacts/{uuid4()}", {"name": "X"}), 404)
    phone = crm.post("anna", f"{url}/phones", {"phone": "+371 6700 0000"})
    assert phone.status_code == 201, phone.text
    refused(crm.post("anna", f"{url}/phones", {"phone": "call me"}), 400, "phone")
    assert crm.post("anna", f"{url}/emails", {"email": "anna@rigatyres.lv"}).status_code == 201
    assert crm.post("anna", f"{url}/messenger-ids", {"messenger_id": "vk:77"}).status_code == 201
    refused(crm.post("anna", f"{url}/messenger-ids", {"messenger_id": "77"}), 400, "messenger_id")
    left = crm.send("PUT", "anna", f"{url}/company", {"company_id": None})
    assert left.status_code == 200, left.text
    refused(crm.send("PUT", "anna", f"{url}/company", {}), 400, "company_id")
    crm.projected()

    found = crm.get("anna", url).json()
    assert (found["name"], found["tags"], found["company"]) == ("Anna Berzina", ["tyres"], None)
    assert [p["number"] for p in found["phones"]] == ["+37120000000", "+37167000000"]
    assert found["messenger_ids"] == ["telegram:123456", "vk:77"]
    assert crm.get("anna", f"/api/companies/{company}").json()["contacts"] == []


def test_contacts_are_listed_a_page_at_a_time_and_found_by_name_e_mail_or_phone(crm: World) -> None:
    company = entered(crm, "anna", "/api/companies", {"name": "Riga Tyres"})
    names = ["Anna Ozola", "Berta Kalna", "Cilda Liepa"]
    ids = [
        entered(
            crm,
            "anna",
            "/api/contacts",
            {
                "name": name,
                "emails": [f"{name.split()[0].lower()}@example.com"],
                "phones": [f"+3712000000{n}"],
                "vip": n == 1,
                "tags": ["fleet"] if n else [],
                "source": "fair" if n == 2 else "",
                "company_id": company if n == 0 else None,
            },
        )
        for n, name in enumerate(names)
    ]
    entered(crm, "boris", "/api/contacts", {"name": "Boris's own"})
    crm.projected()

    def listed(**params: object) -> list[str]:
        answer = crm.get("anna", "/api/contacts", **params)
        assert answer.status_code == 200, answer.text
        return [names[ids.index(c["id"])] for c in answer.json()["contacts"]]

    assert listed() == names[::-1]  # the latest first, and none of Boris's
    first = crm.get("anna", "/api/contacts", limit=2).json()
    rest = crm.get("anna", "/api/contacts", limit=2, cursor=first["next_cursor"]).json()
    assert ([c["name"] for c in rest["contacts"]], rest["next_cursor"]) == (["Anna Ozola"], None)
    assert listed(q="berta") == ["Berta Kalna"]
    assert listed(q="cilda@EXAMPLE") == ["Cilda Liepa"]
    assert listed(q="20000002") == ["Cilda Liepa"]
    assert listed(q="100%") == []
    assert listed(vip="true") == ["Berta Kalna"]
    assert listed(tag="fleet") == ["Cilda Liepa", "Berta Kalna"]
    assert listed(source="fair") == ["Cilda Liepa"]
    assert listed(company=company) == ["Anna Ozola"]
    assert listed(responsible="me") == names[::-1]
    assert listed(responsible=str(crm.ids["boris"])) == []
    assert len(crm.get("dora", "/api/contacts").json()["contacts"]) == 4
    refused(crm.get("anna", "/api/contacts", vip="maybe"), 400, "vip")
    refused(crm.get("anna", "/api/contacts", company="Riga"), 400, "company")
    refused(crm.get("anna", "/api/contacts", q="x" * 101), 400, "q")
    refused(crm.get("anna", "/api/contacts", cursor="bm90IG1pbmU"), 400, "cursor")
    refused(crm.get("anna", "/api/contacts", status="junk"), 400, "status")
    refused(crm.get("anna", "/api/companies", vip="true"), 400, "vip")


def test_a_company_is_entered_with_its_contacts_and_edited(crm: World) -> None:
    refused(crm.post("anna", "/api/companies", {"name": ""}), 400, "name")
    refused(crm.post("anna", "/api/companies", {"name": "X", "domain": "not a domain"}), 400, "domain")
    refused(crm.post("anna", "/api/companies", {"name": "X", "phones": ["+1"]}), 400, "phones[0]")
    refused(crm.post("anna", "/api/companies", {"name": "X", "responsible_id": str(crm.ids["boris"])}), 403)
    body = {
        "name": "Riga Tyres",
        "domain": "rigatyres.lv",
        "phones": ["+371 6700 0000"],
        "emails": ["info@rigatyres.lv"],
    }
    company = entered(crm, "anna", "/api/companies", {**body, "industry": "Tyres", "address": "Brivibas 1, Riga"})
    url = f"/api/companies/{company}"
    mine = entered(crm, "anna", "/api/contacts", {"name": "Anna Ozola", "company_id": company})
    boris_contact = entered(crm, "boris", "/api/contacts", {"name": "Boris's contact"})
    assert crm.send("PUT", "dora", f"/api/contacts/{boris_contact}/company", {"company_id": company}).status_code == 200
    refused(
        crm.send("PUT", "boris", f"/api/contacts/{boris_contact}/company", {"company_id": str(uuid4())}),
        400,
        "company_id",
    )
    crm.projected()

    found = crm.get("anna", url).json()
    assert (found["name"], found["domain"], found["industry"], found["address"]) == (
        "Riga Tyres",
        "rigatyres.lv",
        "Tyres",
        "Brivibas 1, Riga",
    )
    assert (found["phones"], found["emails"]) == (
        [{"number": "+37167000000", "text": "+371 6700 0000"}],
        ["info@rigatyres.lv"],
    )
    assert [c["id"] for c in found["contacts"]] == [mine]  # Boris's contact works there, but Anna may not see it
    assert {c["id"] for c in crm.get("dora", url).json()["contacts"]} == {mine, boris_contact}
    version = found["version"]
    changed = crm.send("PATCH", "anna", url, {"industry": "Wheels", "emails": [], "expected_version": version})
    assert changed.status_code == 200, changed.text
    refused(crm.send("PATCH", "anna", url, {"industry": "Rims", "expected_version": version}), 409)
    refused(crm.send("PATCH", "anna", url, {"responsible_id": None}), 400, "responsible_id")
    refused(crm.send("PATCH", "anna", url, {"emails": ["nobody"]}), 400, "emails[0]")
    handed = crm.send("PATCH", "anna", url, {"responsible_id": str(crm.ids["boris"])})
    assert handed.status_code == 200, handed.text
    refused(crm.get("anna", url), 404)  # Boris's now
    crm.projected()
    found = crm.get("boris", url).json()
    assert (found["name"], found["industry"], found["emails"]) == ("Riga Tyres", "Wheels", [])
    assert [c["name"] for c in crm.get("boris", "/api/companies", q="riga").json()["companies"]] == ["Riga Tyres"]
    assert crm.get("boris", "/api/companies", q="info@").json()["companies"] == []
    assert crm.get("anna", "/api/companies").json() == {"companies": [], "next_cursor": None}


def test_duplicates_are_suggested_dismissed_or_merged_and_a_merged_id_still_resolves(crm: World) -> None:
    first = entered(crm, "anna", "/api/contacts", {"name": "Anna Ozola", "emails": ["anna.ozola@example.com"]})
    second = entered(crm, "anna", "/api/contacts", {"name": "Anna Ozola", "phones": ["+37120000001"], "tags": ["vip"]})
    third = entered(crm, "anna", "/api/contacts", {"name": "A. Ozola", "emails": ["anna.ozola@example.org"]})
    crm.projected()
    pairs = crm.get("anna", "/api/duplicates").json()["duplicates"]
    assert sorted(sorted(p["contact_ids"]) for p in pairs) == sorted([sorted([first, second]), sorted([first, third])])
    assert crm.get("boris", "/api/duplicates").json()["duplicates"] == []
    of_third = crm.get("anna", f"/api/contacts/{third}/duplicates").json()["duplicates"]
    [with_third] = of_third
    assert any("same e-mail name" in reason for reason in with_third["reasons"])
    refused(crm.post("boris", f"/api/duplicates/{with_third['id']}/dismissal", {}), 404)
    dismissed = crm.post("anna", f"/api/duplicates/{with_third['id']}/dismissal", {"why": "Sisters"})
    assert dismissed.status_code == 200, dismissed.text
    refused(crm.post("anna", f"/api/duplicates/{with_third['id']}/dismissal", {}), 409)
    refused(crm.post("anna", f"/api/duplicates/{uuid4()}/dismissal", {}), 404)

    url = f"/api/contacts/{first}/merge"
    refused(crm.post("anna", url, {}), 400, "merged_id")
    refused(crm.post("anna", url, {"merged_id": first}), 400, "merged_id")
    refused(crm.post("boris", url, {"merged_id": second}), 404)
    refused(crm.post("anna", url, {"merged_id": second, "expected_version": 1}), 409)
    merged = crm.post("anna", url, {"merged_id": second, "why": "Same person, two phones"})
    assert merged.status_code == 200, merged.text
    assert merged.json()["moved_addresses"] == ["phone:+37120000001"]
    refused(crm.post("anna", url, {"merged_id": second}), 409)
    late = refused(crm.send("PATCH", "anna", f"/api/contacts/{second}", {"name": "Late"}), 409)
    assert late["merged_into"] == first
    crm.projected()

    survivor = crm.get("anna", f"/api/contacts/{second}").json()  # the merged id answers with the survivor
    assert (survivor["id"], survivor["merged_id"], survivor["merged_from"]) == (first, second, [second])
    assert ([p["number"] for p in survivor["phones"]], survivor["tags"]) == (["+37120000001"], ["vip"])
    assert [c["id"] for c in crm.get("anna", "/api/contacts").json()["contacts"]] == [third, first]
    assert crm.get("anna", "/api/duplicates").json()["duplicates"] == []
    refused(crm.get("boris", f"/api/contacts/{second}"), 404)


def test_a_lead_is_read_detailed_and_qualified_by_its_manager(crm: World) -> None:
    routed(crm.store, change_work_day, crm.ids["anna"], "start")
    lead, contact = lead_of(crm, "north", "v1")
    junk, _ = lead_of(crm, "north", "v2", "Buy cheap watches")
    url = f"/api/leads/{lead}"
    refused(crm.send("PATCH", "anna", url, {"amount": "1200"}), 400, "currency")
    refused(crm.send("PATCH", "anna", url, {"amount": 1200.5, "currency": "EUR"}), 400, "amount")
    refused(crm.send("PATCH", "anna", url, {"currency": "EURO"}), 400, "currency")
    details = crm.send("PATCH", "anna", url, {"amount": "1200.50", "currency": "EUR", "product_interest": "Tyres"})
    assert details.status_code == 200, details.text
    version = details.json()["version"]
    comment = crm.send("PATCH", "anna", url, {"comment": "Four, by Friday", "expected_version": version})
    assert comment.status_code == 200, comment.text
    refused(crm.send("PATCH", "anna", url, {"comment": "Late", "expected_version": version}), 409)
    refused(crm.post("anna", f"{url}/qualify", {}), 409)  # not in progress yet
    taken = crm.post("anna", f"{url}/take", {})
    assert (taken.status_code, taken.json()["status"]) == (200, "in_progress")
    refused(crm.post("anna", f"{url}/take", {}), 409)
    refused(crm.post("anna", f"{url}/qualify", {"expected_version": 1}), 409)
    assert crm.post("anna", f"{url}/qualify", {}).json()["status"] == "qualified"
    refused(crm.post("anna", f"/api/leads/{junk}/junk", {}), 400, "reason")
    assert crm.post("anna", f"/api/leads/{junk}/junk", {"reason": "Spam"}).json()["status"] == "junk"
    refused(crm.post("boris", f"{url}/take", {}), 404)
    refused(crm.post("anna", f"/api/leads/{uuid4()}/take", {}), 404)
    crm.projected()

    found = crm.get("anna", url).json()
    assert (found["status"], found["amount"], found["currency"], found["product_interest"], found["comment"]) == (
        "qualified",
        "1200.50",
        "EUR",
        "Tyres",
        "Four, by Friday",
    )
    assert (found["routing"], found["channel"], found["responsible_id"]) == (
        "assigned",
        "webchat",
        str(crm.ids["anna"]),
    )
    assert (found["contact"]["id"], found["conversations"]) == (str(contact), [found["conversation_id"]])
    assert crm.get("anna", f"/api/leads/{junk}").json()["reason"] == "Spam"
    assert [x["id"] for x in crm.get("anna", "/api/leads").json()["leads"]] == [str(junk), str(lead)]
    assert [x["id"] for x in crm.get("anna", "/api/leads", status="junk").json()["leads"]] == [str(junk)]
    assert crm.get("boris", "/api/leads").json()["leads"] == []
    assert len(crm.get("hanna", "/api/leads", responsible=str(crm.ids["anna"])).json()["leads"]) == 2
    refused(crm.get("anna", "/api/leads", status="won"), 400, "status")
    refused(crm.get("boris", url), 404)
