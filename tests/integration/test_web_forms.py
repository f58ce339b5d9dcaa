"""Web forms through every service on real Kafka and PostgreSQL: defined by an admin, submitted by a visitor,
stored once however often it is sent, routed to the form's manager, who is told live; and the roles."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from uuid import UUID

import asyncpg
import httpx
import pytest

from bench.waiting import until
from devstack.demo import DEMO_PASSWORD
from domain.identities import manager_id
from services.projections.rebuild import differences, rebuild
from services.projections.schema import LIVE_SCHEMA
from services.projections.tracking import load_position
from services.settings import Settings
from tests.form_harness import (
    CONSENT,
    SITE,
    THANKS,
    admin_token,
    bearer,
    contact_form,
    define,
    served,
    submissions,
    submit,
)
from tests.integration.console_frames import console, frames_until, session
from tests.services_running import load_demo, services

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

ANNA = manager_id("anna@example.com")
HOSTILE = '<img src=x onerror="window.pwned = 1">Please call after 5'


def visitor(key: str, **fields: str) -> dict[str, object]:
    return {
        "version": 1,
        "fields": {"name": "Ilze Bērziņa", "phone": "+371 2000 0000", **fields},
        "consent": True,
        "idempotency_key": key,
        "page_url": f"{SITE}/offer?utm_source=google&utm_campaign=spring",
        "utm": {"utm_source": "google", "utm_campaign": "spring"},
        "website": "",
    }


def test_a_submission_sent_twice_is_one_lead_routed_to_the_forms_manager_who_is_told_live(
    settings: Settings, tmp_path: Path
) -> None:
    load_demo(settings)
    with services(settings, tmp_path / "logs") as running:
        asyncio.run(running.healthy())
        asyncio.run(_submitted_twice(settings))


async def _submitted_twice(settings: Settings) -> None:
    admin = await admin_token(settings)
    anna = await session(settings, "anna@example.com", DEMO_PASSWORD)
    form_id = await define(settings, admin, contact_form(responsible_manager_id=str(ANNA)))
    socket = await console(settings, anna)
    try:
        body = visitor("click-0123456789", email="Ilze@Example.com", budget="12500", comment=HOSTILE)
        first, second = await asyncio.gather(submit(settings, form_id, body), submit(settings, form_id, body))
        for answer in (first, second):
            assert answer.status_code == httpx.codes.ACCEPTED, answer.text
            assert answer.json() == {"status": "accepted", "message": THANKS}
            assert answer.headers["access-control-allow-origin"] == SITE
        # The form's manager is told live: the new conversation comes to her open console.
        frames = await frames_until(
            socket, lambda f: f["type"] == "conversation" and f["conversation"]["channel"] == "form"
        )
        pushed = frames[-1]["conversation"]
        assert pushed["manager_id"] == str(ANNA)
    finally:
        await socket.close()
    (stored,) = await submissions(settings, admin, form_id, 1)
    assert stored["consent_text"] == CONSENT
    assert stored["source"] == {
        "page_url": f"{SITE}/offer?utm_source=google&utm_campaign=spring",
        "utm_source": "google",
        "utm_campaign": "spring",
    }
    assert {a["key"]: a["value"] for a in stored["answers"]}["comment"] == HOSTILE
    assert stored["lead_id"] == pushed["lead_id"]
    async with httpx.AsyncClient(base_url=settings.console_url, headers=bearer(anna), timeout=10) as http:
        routing = (await http.get(f"/api/leads/{stored['lead_id']}/routing")).json()
        listed = (await http.get("/api/conversations")).json()["conversations"]
        # The lead's manager reads where it came from and what was consented to; a colleague is told nothing.
        assert (await http.get(f"/api/leads/{stored['lead_id']}/form")).json() == stored
        boris = await session(settings, "boris@example.com", DEMO_PASSWORD)
        hidden = await http.get(f"/api/leads/{stored['lead_id']}/form", headers=bearer(boris))
        assert hidden.status_code == httpx.codes.NOT_FOUND
    (assigned,) = [e for e in routing["history"] if e["event"] == "Assigned"]
    assert assigned["reasons"]["strategy"] == "returned_to_responsible"
    assert [c["channel"] for c in listed].count("form") == 1  # the second click made nothing
    # One more submission after the first, with another key, is another lead.
    assert (await submit(settings, form_id, visitor("click-abcdefghij"))).status_code == httpx.codes.ACCEPTED
    await submissions(settings, admin, form_id, 2)
    await _rebuilt_equals_live(settings)


async def _rebuilt_equals_live(settings: Settings) -> None:
    """The forms' read models, with everything else, are what a rebuild from the log makes."""
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        last = await pool.fetchval("SELECT max(notification_id) FROM switchboard_events")

        async def caught_up() -> bool:
            return (await load_position(pool, LIVE_SCHEMA)).notification_id >= last

        await until(caught_up, 60, f"the projections to reach notification {last}", interval=0.2)
        await rebuild(pool)
        assert await differences(pool, LIVE_SCHEMA, "read_models_rebuild") == {}
        assert await pool.fetchval("SELECT count(*) FROM read_models_rebuild.form_submissions") == 2
    finally:
        await pool.close()


def test_only_admins_define_forms_and_a_change_is_served_at_its_version(settings: Settings, tmp_path: Path) -> None:
    load_demo(settings)
    with services(settings, tmp_path / "logs") as running:
        asyncio.run(running.healthy())
        asyncio.run(_roles_and_versions(settings))


async def _roles_and_versions(settings: Settings) -> None:
    admin = await admin_token(settings)
    director = await session(settings, "clara@example.com", DEMO_PASSWORD)
    async with httpx.AsyncClient(base_url=settings.console_url, timeout=30) as http:
        for token in (director, await session(settings, "anna@example.com", DEMO_PASSWORD)):
            assert (await http.get("/api/forms", headers=bearer(token))).status_code == httpx.codes.FORBIDDEN
            refused = await http.post("/api/forms", json=contact_form(), headers=bearer(token))
            assert refused.status_code == httpx.codes.FORBIDDEN
        assert (await http.get("/api/forms")).status_code == httpx.codes.UNAUTHORIZED
        wrong = await http.post("/api/forms", json=contact_form(source="Call Me"), headers=bearer(admin))
        assert (wrong.status_code, wrong.json()["field"]) == (400, "source")
        nobody = await http.post(
            "/api/forms", json=contact_form(responsible_manager_id=str(UUID(int=7))), headers=bearer(admin)
        )
        assert (nobody.status_code, nobody.json()["field"]) == (400, "responsible_manager_id")
    form_id = await define(settings, admin, contact_form())
    async with httpx.AsyncClient(base_url=settings.console_url, headers=bearer(admin), timeout=30) as http:
        shown = (await http.get(f"/api/forms/{form_id}")).json()
        assert f'data-form="{form_id}"' in shown["snippet"]
        assert shown["consent_text"] == CONSENT
        changed = await http.put(
            f"/api/forms/{form_id}", json={**contact_form(consent_text="New terms."), "expected_version": 1}
        )
        assert changed.json()["version"] == 2
        stale = await http.put(f"/api/forms/{form_id}", json={**contact_form(), "expected_version": 1})
        assert (stale.status_code, stale.json()["current_version"]) == (409, 2)
    await served(settings, form_id, 2)
    # A visitor who was shown the old consent text is asked to look again, and nothing is taken.
    old = await submit(settings, form_id, visitor("old-0123456789"))
    assert (old.status_code, old.json()["version"]) == (409, 2)
    async with httpx.AsyncClient(base_url=settings.console_url, headers=bearer(admin), timeout=30) as http:
        archived = await http.delete(f"/api/forms/{form_id}")
        assert archived.json()["archived"] is True
    await _gone(settings, form_id)


async def _gone(settings: Settings, form_id: UUID) -> None:
    async def refused() -> bool:
        answer = await submit(settings, form_id, {**visitor("late-0123456789"), "version": 3})
        return answer.status_code == httpx.codes.NOT_FOUND and json.loads(answer.text)["error"] == "no such form"

    await until(refused, 30, "the archived form to be refused", interval=0.2)
