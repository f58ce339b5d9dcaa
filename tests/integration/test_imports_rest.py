"""POST /api/imports: a director previews a file, then imports it as a job; a manager may not; bad files fail."""

from __future__ import annotations

import httpx
import pytest

from application.event_store import EventStore
from application.managers import register_manager
from bench.contact_files import contact_csv
from services.console.accounts import Role
from services.settings import Settings
from tests.integration.gateway_server import PASSWORD, add_operator, serving
from tests.integration.test_import_jobs import finished

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(300)]


async def logged_in(http: httpx.AsyncClient, email: str) -> dict[str, str]:
    answer = await http.post("/api/login", json={"email": email, "password": PASSWORD})
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def test_a_director_previews_then_imports_a_file_and_a_manager_may_not(
    settings: Settings, store: EventStore
) -> None:
    limited = settings.model_copy(update={"import_max_bytes": 64 * 1024})
    director = register_manager(store, "dora", "dora@example.com", 5, "sales")
    manager = register_manager(store, "max", "max@example.com", 5, "sales")
    await add_operator(limited, "dora@example.com", director, Role.DIRECTOR)
    await add_operator(limited, "max@example.com", manager, Role.MANAGER)
    made = contact_csv(300)
    async with serving(limited), httpx.AsyncClient(base_url=limited.console_url, timeout=120) as http:
        dora, max_ = await logged_in(http, "dora@example.com"), await logged_in(http, "max@example.com")
        named = {"X-Filename": "%D0%BA%D0%BE%D0%BD%D1%82%D0%B0%D0%BA%D1%82%D1%8B.csv"}

        refused = await http.post("/api/imports", content=made.data, headers={**max_, **named})
        assert refused.status_code == 403

        preview = await http.post("/api/imports?dry_run=true", content=made.data, headers={**dora, **named})
        assert preview.status_code == 200, preview.text
        assert (preview.json()["dry_run"], preview.json()["created"]) == (True, made.contacts)

        sent = await http.post("/api/imports?dry_run=false", content=made.data, headers={**dora, **named})
        assert sent.status_code == 202, sent.text
        assert (await http.get(sent.json()["url"], headers=max_)).status_code == 403
        done = await finished(http, sent.json()["url"], dora)
        assert done["status"] == "done", done
        report = done["report"]
        assert (report["created"], {r["line"]: r["column"] for r in report["refused"]}) == (
            made.contacts,
            made.bad_lines,
        )

        garbage = await http.post("/api/imports", content=b"Fax;Colour\n1;2\n", headers={**dora, **named})
        assert garbage.status_code == 400
        assert "no column holds the name" in garbage.json()["error"]
        mapped = await http.post(
            "/api/imports?mapping=Colour%3Dfax", content=b"Name;Colour\nA;b\n", headers={**dora, **named}
        )
        assert mapped.status_code == 400
        assert "'fax', which is not one of" in mapped.json()["error"]
        assert (
            await http.post("/api/imports?dry_run=maybe", content=made.data, headers={**dora, **named})
        ).status_code == 400
        too_big = await http.post("/api/imports", content=b"Name\n" + b"A\n" * 40_000, headers={**dora, **named})
        assert too_big.status_code == 413
