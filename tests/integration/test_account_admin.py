"""Accounts are made by ops, never by the product on its own: the CLI and admins' REST, roles checked on the server."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import pytest

from application.event_store import EventStore
from application.managers import register_manager
from services.console.accounts import Role
from services.settings import Settings
from tests.conftest import REPO_ROOT, settings_env
from tests.integration.gateway_server import PASSWORD, add_operator, serving

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(180)]

NEW_PASSWORD = "a long enough new password"
PRODUCT = ("domain", "application", "connectors", "services")


def switchboard(settings: Settings, *args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli", "accounts", *args],
        env={**settings_env(settings), "PATH": "/usr/bin:/bin"},
        input=password,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_the_product_loads_no_account_of_its_own(settings: Settings, pool: asyncpg.Pool) -> None:
    async with serving(settings):
        assert await pool.fetchval("SELECT count(*) FROM operator_accounts") == 0
    for package in PRODUCT:
        for source in (REPO_ROOT / package).rglob("*.py"):
            text = source.read_text(encoding="utf-8")
            assert "switchboard-demo" not in text, source
            assert "devstack" not in text.replace("``devstack``", ""), source


async def log_in(http: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await http.post("/api/login", json={"email": email, "password": password})


async def token(http: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    answer = await log_in(http, email, password)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


@pytest.fixture
def staff(settings: Settings, store: EventStore) -> dict[str, Any]:
    ids = {}
    for name, role in (("ada", Role.ADMIN), ("clara", Role.DIRECTOR), ("hanna", Role.HEAD), ("anna", Role.MANAGER)):
        email = f"{name}@example.com"
        ids[name] = register_manager(store, name, email, 0, settings.team)
        asyncio.run(add_operator(settings, email, ids[name], role))
    return ids


async def test_only_admins_manage_accounts_over_rest(settings: Settings, staff: dict[str, Any]) -> None:
    body = {"email": "dora@example.com", "name": "Dora", "role": "manager", "password": PASSWORD}
    async with serving(settings), httpx.AsyncClient(base_url=settings.console_url) as http:
        for who in ("clara", "hanna", "anna"):
            headers = await token(http, f"{who}@example.com")
            assert (await http.post("/api/accounts", json=body, headers=headers)).status_code == 403
            assert (await http.get("/api/accounts", headers=headers)).status_code == 403
            target = f"/api/accounts/{staff['anna']}"
            assert (
                await http.put(f"{target}/password", json={"password": NEW_PASSWORD}, headers=headers)
            ).status_code == 403
            assert (await http.delete(target, headers=headers)).status_code == 403
        assert (await http.post("/api/accounts", json=body)).status_code == 401

        admin = await token(http, "ada@example.com")
        made = await http.post("/api/accounts", json=body, headers=admin)
        assert made.status_code == 201, made.text
        dora = made.json()["account"]
        assert (dora["email"], dora["role"], dora["name"]) == ("dora@example.com", "manager", "Dora")
        assert "password" not in made.text
        assert (await http.post("/api/accounts", json=body, headers=admin)).status_code == 409
        listed = (await http.get("/api/accounts", params={"limit": "2"}, headers=admin)).json()
        assert [a["email"] for a in listed["accounts"]] == ["ada@example.com", "anna@example.com"]
        assert listed["next_cursor"] is not None

        dora_headers = await token(http, "dora@example.com")
        changed = await http.put(
            f"/api/accounts/{dora['manager_id']}/password", json={"password": NEW_PASSWORD}, headers=admin
        )
        assert changed.status_code == 200, changed.text
        assert (await http.get("/api/conversations", headers=dora_headers)).status_code == 401  # her session ended
        assert (await log_in(http, "dora@example.com", PASSWORD)).status_code == 401
        await token(http, "dora@example.com", NEW_PASSWORD)

        removed = await http.delete(f"/api/accounts/{dora['manager_id']}", headers=admin)
        assert removed.status_code == 200
        assert (await log_in(http, "dora@example.com", NEW_PASSWORD)).status_code == 401
        assert (await http.delete(f"/api/accounts/{dora['manager_id']}", headers=admin)).status_code == 404
        assert (await http.delete(f"/api/accounts/{uuid4()}", headers=admin)).status_code == 404
        mine = await http.delete(f"/api/accounts/{staff['ada']}", headers=admin)
        assert (mine.status_code, mine.json()["error"]) == (400, "an admin may not remove their own account")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "Dora\u202eevil"}, "name"),
        ({"name": ""}, "name"),
        ({"email": "not an address"}, "email"),
        ({"email": "dora@example.com\x00"}, "email"),
        ({"role": "owner"}, "role"),
        ({"role": 1}, "role"),
        ({"password": "short"}, "password"),
        ({"password": "x" * 2000}, "password"),
        ({"capacity": -1}, "capacity"),
        ({"capacity": "5"}, "capacity"),
    ],
)
async def test_a_bad_account_is_refused_naming_the_field(
    settings: Settings, staff: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    body = {"email": "dora@example.com", "name": "Dora", "role": "manager", "password": PASSWORD, **change}
    async with serving(settings), httpx.AsyncClient(base_url=settings.console_url) as http:
        admin = await token(http, "ada@example.com")
        refused = await http.post("/api/accounts", json=body, headers=admin)
        assert refused.status_code == 400, refused.text
        assert f"'{field}'" in refused.json()["error"]
        assert (await log_in(http, "dora@example.com", PASSWORD)).status_code == 401


async def test_ops_add_accounts_change_passwords_and_remove_them_from_the_command_line(settings: Settings) -> None:
    added = switchboard(
        settings,
        "add",
        "ops@example.com",
        "--name",
        "Olga Ops",
        "--role",
        "admin",
        "--password-stdin",
        password=PASSWORD + "\n",
    )
    assert added.returncode == 0, added.stderr
    assert PASSWORD not in added.stdout + added.stderr
    again = switchboard(
        settings, "add", "ops@example.com", "--name", "Olga", "--role", "admin", "--password-stdin", password=PASSWORD
    )
    assert (again.returncode, again.stderr.strip()) == (1, "an account with e-mail ops@example.com exists already")
    weak = switchboard(settings, "add", "weak@example.com", "--name", "Weak", "--password-stdin", password="short")
    assert weak.returncode == 2
    assert "'password'" in weak.stderr
    async with serving(settings), httpx.AsyncClient(base_url=settings.console_url) as http:
        headers = await token(http, "ops@example.com")
        assert (await http.get("/api/accounts", headers=headers)).status_code == 200
        changed = switchboard(settings, "password", "ops@example.com", "--password-stdin", password=NEW_PASSWORD)
        assert changed.returncode == 0, changed.stderr
        assert (await http.get("/api/accounts", headers=headers)).status_code == 401
        await token(http, "ops@example.com", NEW_PASSWORD)
        listed = switchboard(settings, "list")
        assert listed.stdout.split() == ["ops@example.com", "admin", "Olga", "Ops"]
        removed = switchboard(settings, "remove", "ops@example.com")
        assert removed.returncode == 0, removed.stderr
        assert (await log_in(http, "ops@example.com", NEW_PASSWORD)).status_code == 401
    missing = switchboard(settings, "remove", "ops@example.com")
    assert (missing.returncode, missing.stderr.strip()) == (1, "no account with e-mail ops@example.com")
