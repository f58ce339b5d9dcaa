"""The gateway's REST routes, with roles enforced on the server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from application.close_conversation import close_conversation
from application.managers import add_absence, register_manager
from application.receive_messages import receive_messages
from application.work_day import change_work_day
from domain.channels import Channel
from domain.identities import conversation_id
from domain.inbound import InboundMessage
from domain.manager import MAX_ABSENCES
from domain.presence import MAX_SHIFTS, Absence
from services.bootstrap import build_event_store, create_pool
from services.console.accounts import Role, add_account
from services.console.app import build_app
from services.settings import Settings
from tests.router_reactions import routed

pytestmark = pytest.mark.integration


@pytest.fixture
def client(settings: Settings) -> Iterator[tuple[TestClient, dict[str, str]]]:
    store = build_event_store(settings)
    ids = {}
    for name, role in (("anna", Role.MANAGER), ("boris", Role.MANAGER), ("clara", Role.DIRECTOR)):
        ids[name] = register_manager(store, name, f"{name}@example.com", 5, settings.team)

        async def account(name: str = name, role: Role = role) -> None:
            pool = await create_pool(settings, size=1)
            await add_account(pool, f"{name}@example.com", ids[name], name, role, "secret-password")
            await pool.close()

        asyncio.run(account())
    routed(store, change_work_day, ids["anna"], "start")
    message = InboundMessage.from_visitor("v1", "m1", "hi", datetime.now(tz=UTC))
    [received] = receive_messages(store, [message])
    store.close()
    with TestClient(build_app(settings)) as http:
        tokens = {
            name: http.post("/api/login", json={"email": f"{name}@example.com", "password": "secret-password"}).json()[
                "token"
            ]
            for name in ids
        }
        yield (
            http,
            {
                "lead": str(received.lead_id),
                **{k: str(v) for k, v in ids.items()},
                **{f"{k}_token": t for k, t in tokens.items()},
            },
        )


def settings_of(http: TestClient) -> Settings:
    app = http.app
    assert isinstance(app, Starlette)
    found: Settings = app.state.gateway.settings
    return found


def auth(ids: dict[str, str], who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {ids[who + '_token']}"}


def test_routing_reasons_are_shown_to_the_holder_and_directors_only(client: tuple[TestClient, dict[str, str]]) -> None:
    http, ids = client
    url = f"/api/leads/{ids['lead']}/routing"
    assert http.get(url).status_code == 401
    mine = http.get(url, headers=auth(ids, "anna"))
    assert mine.status_code == 200
    assigned = [e for e in mine.json()["history"] if e["event"] == "Assigned"]
    assert assigned[0]["reasons"]["rule"] == "default"
    assert http.get(url, headers=auth(ids, "boris")).status_code == 404
    assert http.get(url, headers=auth(ids, "clara")).status_code == 200


def test_a_former_holder_no_longer_reads_a_leads_routing_and_missing_looks_the_same(
    settings: Settings, client: tuple[TestClient, dict[str, str]]
) -> None:
    http, ids = client
    url = f"/api/leads/{ids['lead']}/routing"
    assert http.get(url, headers=auth(ids, "anna")).status_code == 200
    # Anna ends her day, the director closes the conversation, the customer writes again: Boris has it now.
    store = build_event_store(settings)
    try:
        routed(store, change_work_day, UUID(ids["anna"]), "end")
        routed(store, change_work_day, UUID(ids["boris"]), "start")
        routed(
            store, close_conversation, conversation_id(Channel.WEBCHAT, "v1"), UUID(ids["clara"]), any_conversation=True
        )
        again = InboundMessage.from_visitor("v1", "m2", "still there?", datetime.now(tz=UTC))
        [received] = routed(store, receive_messages, [again])
    finally:
        store.close()
    assert received.assigned_to == UUID(ids["boris"])
    hidden = http.get(url, headers=auth(ids, "anna"))
    missing = http.get(f"/api/leads/{uuid4()}/routing", headers=auth(ids, "anna"))
    assert (hidden.status_code, missing.status_code) == (404, 404)
    assert hidden.json()["error"].replace(ids["lead"], "ID") == missing.json()["error"].replace(
        missing.url.path.split("/")[3], "ID"
    )
    assert http.get(url, headers=auth(ids, "boris")).status_code == 200
    assert http.get(url, headers=auth(ids, "clara")).status_code == 200
    # A director is told 404 for a lead that does not exist, not 400.
    assert http.get(f"/api/leads/{uuid4()}/routing", headers=auth(ids, "clara")).status_code == 404


def test_capacity_is_for_directors_and_a_manager_sets_their_own_work_day(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    http, ids = client
    url = f"/api/managers/{ids['boris']}/capacity"
    assert http.put(url, json={"capacity": 0}, headers=auth(ids, "boris")).status_code == 403
    changed = http.put(url, json={"capacity": 0}, headers=auth(ids, "clara"))
    assert (changed.status_code, changed.json()["capacity"]) == (200, 0)
    bad = http.put(url, json={"capacity": "many"}, headers=auth(ids, "clara"))
    assert (bad.status_code, bad.json()["error"]) == (400, "'capacity' must be a whole number from 0 to 100000000")
    for beyond in (-1, 2**31, 10**100):
        refused = http.put(url, json={"capacity": beyond}, headers=auth(ids, "clara"))
        assert (refused.status_code, refused.json()["error"]) == (400, bad.json()["error"])
    started = http.post("/api/work-day", json={"action": "start"}, headers=auth(ids, "boris"))
    assert (started.status_code, started.json()["work_day"]) == (200, "started")
    again = http.post("/api/work-day", json={"action": "start"}, headers=auth(ids, "boris"))
    assert (again.status_code, again.json()["error"]) == (400, "boris's work day is already started")


def test_working_hours_and_absences_are_validated(client: tuple[TestClient, dict[str, str]]) -> None:
    http, ids = client
    url = f"/api/managers/{ids['anna']}/working-hours"
    shifts = [{"day": "mon", "from": "09:00", "to": "18:00"}]
    ok = http.put(url, json={"timezone": "Europe/Riga", "shifts": shifts}, headers=auth(ids, "anna"))
    assert ok.status_code == 200
    wrong = http.put(url, json={"timezone": "Mars/Base", "shifts": shifts}, headers=auth(ids, "anna"))
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "'timezone' must be an IANA time zone such as 'Europe/Riga'"
    other = http.put(url, json={"timezone": "UTC", "shifts": shifts}, headers=auth(ids, "boris"))
    assert other.status_code == 403
    away = http.post(
        f"/api/managers/{ids['anna']}/absences",
        json={"first_day": "2026-07-10", "last_day": "2026-07-01"},
        headers=auth(ids, "anna"),
    )
    assert away.status_code == 400
    assert "must end on or after" in away.json()["error"]
    # A value that is text but no date or time is refused naming its field.
    month = http.post(
        f"/api/managers/{ids['anna']}/absences",
        json={"first_day": "2026-13-01", "last_day": "2026-07-01"},
        headers=auth(ids, "anna"),
    )
    assert (month.status_code, month.json()["error"]) == (400, "'first_day' must be a date written YYYY-MM-DD")
    late = [{"day": "mon", "from": "09:00", "to": "25:00"}]
    hour = http.put(url, json={"timezone": "Europe/Riga", "shifts": late}, headers=auth(ids, "anna"))
    assert (hour.status_code, hour.json()["error"]) == (400, "'to' must be a time of day written HH:MM")


@pytest.mark.parametrize("name", ["Europe", "Etc", "zone.tab", "tzdata.zi", "Europe/__init__.py", "a" * 64, "UTC/"])
def test_a_time_zone_that_is_a_folder_or_a_file_but_no_zone_is_400_naming_the_field(
    client: tuple[TestClient, dict[str, str]], name: str
) -> None:
    http, ids = client
    shifts = [{"day": "mon", "from": "09:00", "to": "18:00"}]
    url = f"/api/managers/{ids['anna']}/working-hours"
    answer = http.put(url, json={"timezone": name, "shifts": shifts}, headers=auth(ids, "anna"))
    assert (answer.status_code, answer.json()["error"]) == (
        400,
        "'timezone' must be an IANA time zone such as 'Europe/Riga'",
    )


def test_shifts_and_absences_have_a_limit_per_manager(client: tuple[TestClient, dict[str, str]]) -> None:
    http, ids = client
    url = f"/api/managers/{ids['anna']}/working-hours"
    shift = {"day": "mon", "from": "09:00", "to": "09:01"}
    many = http.put(url, json={"timezone": "UTC", "shifts": [shift] * (MAX_SHIFTS + 1)}, headers=auth(ids, "anna"))
    assert (many.status_code, many.json()["error"]) == (400, f"'shifts' may hold at most {MAX_SHIFTS} shifts")
    assert (
        http.put(url, json={"timezone": "UTC", "shifts": [shift] * MAX_SHIFTS}, headers=auth(ids, "anna")).status_code
        == 200
    )
    absences = f"/api/managers/{ids['anna']}/absences"
    store = build_event_store(settings_of(http))
    try:
        for n in range(MAX_ABSENCES):
            day = date(2030, 1, 1) + timedelta(days=n)
            add_absence(store, UUID(ids["anna"]), Absence(day, day, "day off"))
    finally:
        store.close()
    # The same days again change nothing and are no new absence.
    again = http.post(
        absences,
        json={"first_day": "2030-01-01", "last_day": "2030-01-01", "reason": "day off"},
        headers=auth(ids, "anna"),
    )
    assert again.status_code == 200
    one_more = http.post(
        absences, json={"first_day": "2040-01-01", "last_day": "2040-01-02"}, headers=auth(ids, "anna")
    )
    assert one_more.status_code == 400
    assert one_more.json()["error"] == f"a manager may have at most {MAX_ABSENCES} absences not over yet"
