"""Every REST route of the gateway, read from its router table, called as every kind of caller.

Without a session, or with a widget visitor's token, nothing but the public routes answers 2xx. A manager
and a head of another department get 403 or 404 for a record of the north department's manager, by
whatever route names its id (contacts, companies, deals, leads, activities, timelines; imports and
attachments by ids nobody has),
and no caller ever gets a 5xx. A route added later is walked as well: the table is the list.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from starlette.routing import Route

from application.event_store import EventStore
from application.work_day import change_work_day
from domain.channels import Channel
from domain.identities import conversation_id
from services.settings import Settings
from tests.integration.crm_world import World, world
from tests.integration.people_world import entered, lead_of
from tests.router_reactions import routed

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

# What anyone may call: the pages, logging in, the widget's and the public forms' routes, health.
PUBLIC = re.compile(
    r"^(/|/widget|/widget\.js|/form\.js|/healthz|/metrics|/api/openapi\.json|/api/login|/api/widget/.*"
    r"|/api/forms/\{[a-z_]+\}/(definition|submissions)|/unsubscribe.*)$"
)
STRANGERS = ("nobody", "visitor")
OUTSIDERS = ("sam", "sven")  # a manager and the head of the south: anna's records are not theirs
WRITES = ("POST", "PUT", "PATCH", "DELETE")
# What a manager's role may not use at all: accounts, web forms, the rejected mail.
NOT_FOR_MANAGERS = ("/api/accounts", "/api/forms", "/api/mail/rejections")
ANNAS = ("contact_id", "company_id", "deal_id", "lead_id", "activity_id", "subject_id")  # route parameters


@pytest.fixture
def crm(store: EventStore, settings: Settings) -> Iterator[World]:
    with world(store, settings) as w:
        yield w


def routes(crm: World) -> list[tuple[str, str]]:
    """(method, path template) of every HTTP route of the app."""
    found = []
    for route in crm.http.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Route) and route.methods:
            found += [(method, route.path) for method in sorted(route.methods - {"HEAD"})]
    return found


def filled(path: str, ids: dict[str, str]) -> str:
    """``path`` with each parameter given the north record's id of that name, or an id nobody has."""
    return re.sub(r"\{([a-z_]+)(:[a-z]+)?\}", lambda m: ids.get(m.group(1), str(uuid.uuid4())), path)


def test_every_route_refuses_strangers_and_outsiders_and_never_fails(crm: World) -> None:
    contact = entered(crm, "anna", "/api/contacts", {"name": "Anna's customer", "emails": ["c@example.lv"]})
    company = entered(crm, "anna", "/api/companies", {"name": "Anna's company"})
    deal = entered(crm, "anna", "/api/deals", {"title": "Anna's deal", "currency": "EUR", "amount": "5"})
    call: dict[str, object] = {
        "kind": "call",
        "subject_kind": "contact",
        "subject_id": contact,
        "title": "Call about tyres",
    }
    activity = entered(crm, "anna", "/api/activities", call)
    routed(crm.store, change_work_day, crm.ids["anna"], "start")
    lead, _ = lead_of(crm, "north", "walker")
    crm.projected()
    ids = {
        "contact_id": contact,
        "company_id": company,
        "deal_id": deal,
        "manager_id": str(crm.ids["anna"]),
        "lead_id": str(lead),
        "activity_id": activity,
        "subject_kind": "contact",
        "subject_id": contact,
        "conversation_id": str(conversation_id(Channel.WEBCHAT, "walker")),
        "kind": "contacts",
        "sha256": "0" * 64,
    }
    visitor = crm.http.post("/api/widget/session", json={}).json()["token"]
    headers = {"nobody": {}, "visitor": {"Authorization": f"Bearer {visitor}"}}
    headers |= {who: crm.auth(who) for who in (*OUTSIDERS, "anna", "dora", "hanna", "adam")}
    walked = routes(crm)
    assert len(walked) > 60  # the table was read, not an empty list

    failures = []
    for method, template in walked:
        path = filled(template, ids)
        callers = [*STRANGERS, *OUTSIDERS] if method in WRITES else list(headers)
        if template == "/api/logout":
            callers = list(STRANGERS)  # the sessions walking the routes stay open
        for who in callers:
            answer = crm.http.request(method, path, headers=headers[who], json={} if method in WRITES else None)
            # /healthz says 503 while Kafka's consumers are away; "/" while the console is not built.
            if answer.status_code >= 500 and (template, answer.status_code) not in {("/healthz", 503), ("/", 503)}:
                failures.append((who, method, template, answer.status_code, answer.text[:200]))
            elif who in STRANGERS and not PUBLIC.match(template) and answer.status_code < 300:
                failures.append((who, method, template, answer.status_code, "answered a caller without a session"))
            elif who in OUTSIDERS and _names_anna_record(template) and answer.status_code < 300:
                failures.append((who, method, template, answer.status_code, answer.text[:200]))
            elif who == "sam" and template.startswith(NOT_FOR_MANAGERS) and answer.status_code != 403:
                failures.append((who, method, template, answer.status_code, "not refused to a manager"))
    assert failures == [], "\n".join(map(str, failures))

    # The ids are real: their holder and a director read them by the same routes.
    records = (
        ("contacts", contact),
        ("companies", company),
        ("deals", deal),
        ("leads", lead),
        ("activities", activity),
    )
    for kind, record in records:
        for who in ("anna", "dora"):
            assert crm.get(who, f"/api/{kind}/{record}").status_code == 200, (who, kind)
        for who in OUTSIDERS:
            assert crm.get(who, f"/api/{kind}/{record}").status_code == 404, (who, kind)


def _names_anna_record(template: str) -> bool:
    return any(
        f"{{{name}}}" in template
        for name in ("contact_id", "company_id", "deal_id", "lead_id", "activity_id", "subject_id")
    )
