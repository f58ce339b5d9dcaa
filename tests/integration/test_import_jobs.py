"""Import jobs: a file sent to the gateway is imported in the background, and a stopped gateway's job is taken up."""

from __future__ import annotations

import hashlib
from typing import Any

import asyncpg
import httpx
import pytest

from application.event_store import EventStore
from application.import_contacts import import_contacts
from application.managers import register_manager
from bench.contact_files import contact_csv, vcards
from bench.waiting import until
from domain.import_rows import ImportedContact, import_id
from services.console.accounts import Role
from services.imports import checkpoints
from services.imports.jobs import submit
from services.imports.reading import read_file
from services.imports.runner import ImportRequest
from services.settings import Settings
from tests.integration.gateway_server import PASSWORD, add_operator, serving

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(300)]
DONE_WITHIN = 120.0


async def finished(http: httpx.AsyncClient, url: str, headers: dict[str, str]) -> dict[str, Any]:
    """The job's state once it is done, waiting on its position (rows done) as the gateway reports it."""

    async def state() -> dict[str, Any] | None:
        now: dict[str, Any] = (await http.get(url, headers=headers)).json()
        return now if now["status"] in ("done", "failed") else None

    return await until(state, DONE_WITHIN, f"the import at {url} to finish", interval=0.1)


async def left_by_a_stopped_gateway(settings: Settings, store: EventStore, data: bytes, by: Any, done: int) -> str:
    """A job whose first ``done`` rows were imported and checkpointed before its gateway stopped, its lease run out."""
    sha256 = hashlib.sha256(data).hexdigest()
    rows = read_file(data, "contacts.csv").rows
    saved = [r for r in rows[:done] if isinstance(r, ImportedContact)]
    outcomes = import_contacts(store, import_id(sha256), saved, by)
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=1)
    assert pool is not None
    try:
        await checkpoints.begin(pool, sha256, import_id(sha256), "contacts.csv", len(rows))
        refused = [
            {"line": r.line, "column": r.column, "reason": r.reason}
            for r in rows[:done]
            if not isinstance(r, ImportedContact)
        ]
        await checkpoints.advance(
            pool, sha256, done, {"created": sum(o.verdict == "created" for o in outcomes)}, refused
        )
        job_id = await submit(pool, import_id(sha256), sha256, ImportRequest(data, "contacts.csv", by))
        await pool.execute("UPDATE import_jobs SET status = 'running', lease_until = now() - interval '1 second'")
    finally:
        await pool.close()
    return str(job_id)


async def test_a_stopped_gateways_import_is_finished_by_the_next_and_a_file_sent_is_imported_in_the_background(
    settings: Settings, store: EventStore
) -> None:
    director = register_manager(store, "dora", "dora@example.com", 5, "sales")
    await add_operator(settings, "dora@example.com", director, Role.DIRECTOR)
    made = contact_csv(400)
    left = await left_by_a_stopped_gateway(settings, store, made.data, director, done=200)

    async with serving(settings), httpx.AsyncClient(base_url=settings.console_url, timeout=60) as http:
        token = (await http.post("/api/login", json={"email": "dora@example.com", "password": PASSWORD})).json()
        dora = {"Authorization": f"Bearer {token['token']}"}

        resumed = await finished(http, f"/api/imports/{left}", dora)
        assert resumed["status"] == "done", resumed
        report = resumed["report"]
        assert report["resumed_at_row"] == 200  # continued from its checkpoint, not begun again
        assert (report["created"], {r["line"]: r["column"] for r in report["refused"]}) == (
            made.contacts,
            made.bad_lines,
        )
        assert (resumed["rows_done"], resumed["rows"]) == (400, 400)

        sent = await http.post("/api/imports", content=vcards(40), headers={**dora, "X-Filename": "cards.vcf"})
        assert sent.status_code == 202, sent.text
        assert sent.headers["location"] == sent.json()["url"]
        imported = await finished(http, sent.json()["url"], dora)
        assert (imported["status"], imported["report"]["created"], imported["report"]["kind"]) == ("done", 40, "vcard")

        assert (await http.get("/api/imports/00000000-0000-0000-0000-000000000000", headers=dora)).status_code == 404
        assert (await http.get("/api/imports/not-an-id", headers=dora)).status_code == 400
        assert (await http.get(f"/api/imports/{left}")).status_code == 401
