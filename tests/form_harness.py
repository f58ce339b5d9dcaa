"""Web forms for tests against running services: an admin defines a form, visitors submit it to ingest."""

from __future__ import annotations

import secrets
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import asyncpg
import httpx

from bench.waiting import until
from services.console.accounts import Role, add_account
from services.settings import Settings
from tests.integration.console_frames import session

SITE = "https://shop.example"
FORM_ADMIN = "forms-admin@switchboard.test"
CONSENT = "I agree that Shop keeps what I send here to answer me, for a year."
THANKS = "Thank you! We call you back within a working day."
WAIT = 60.0


def contact_form(**changes: Any) -> dict[str, Any]:
    """A form asking for a name, a phone or an e-mail, a budget and a comment."""
    form: dict[str, Any] = {
        "name": "Call me back",
        "source": "call-me",
        "fields": [
            {"key": "name", "kind": "name", "label": "Your name", "required": True},
            {"key": "phone", "kind": "phone", "label": "Phone"},
            {"key": "email", "kind": "email", "label": "E-mail"},
            {"key": "company", "kind": "company", "label": "Company"},
            {"key": "budget", "kind": "amount", "label": "Budget"},
            {"key": "product", "kind": "product_interest", "label": "Product"},
            {"key": "comment", "kind": "comment", "label": "Comment"},
        ],
        "consent_text": CONSENT,
        "success_message": THANKS,
        "currency": "EUR",
        "allowed_origins": [SITE],
    }
    form.update(changes)
    return form


async def admin_token(settings: Settings) -> str:
    """A session of an admin made for the test."""
    password = secrets.token_urlsafe(16)
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=1)
    try:
        await add_account(pool, FORM_ADMIN, uuid5(NAMESPACE_URL, FORM_ADMIN), "Forms Admin", Role.ADMIN, password)
    finally:
        await pool.close()
    return await session(settings, FORM_ADMIN, password)


async def define(settings: Settings, token: str, form: dict[str, Any]) -> UUID:
    """Define ``form`` over REST; its id once ingest serves it."""
    async with httpx.AsyncClient(base_url=settings.console_url, headers=bearer(token), timeout=30) as http:
        answer = await http.post("/api/forms", json=form)
    assert answer.status_code == httpx.codes.CREATED, answer.text
    form_id = UUID(answer.json()["id"])
    await served(settings, form_id, answer.json()["version"])
    return form_id


async def served(settings: Settings, form_id: UUID, version: int) -> dict[str, Any]:
    """The form as ingest serves it to the snippet, once it is at ``version``."""

    async def shown() -> dict[str, Any] | None:
        async with httpx.AsyncClient(timeout=10) as http:
            # The console's own origin is allowed for every form, whatever sites a form names.
            answer = await http.get(f"{settings.forms_url}/forms/{form_id}", headers={"Origin": settings.console_url})
        if answer.status_code != httpx.codes.OK or answer.json()["version"] != version:
            return None
        found: dict[str, Any] = answer.json()
        return found

    return await until(shown, WAIT, f"ingest to serve form {form_id} at version {version}", interval=0.2)


async def submit(settings: Settings, form_id: UUID, body: dict[str, Any], origin: str = SITE) -> httpx.Response:
    """A visitor's submission, as the snippet sends it."""
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.post(f"{settings.forms_url}/forms/{form_id}", json=body, headers={"Origin": origin})


async def submissions(settings: Settings, token: str, form_id: UUID, count: int) -> list[dict[str, Any]]:
    """The form's submissions, once there are ``count``."""

    async def listed() -> list[dict[str, Any]] | None:
        async with httpx.AsyncClient(base_url=settings.console_url, headers=bearer(token), timeout=10) as http:
            answer = await http.get(f"/api/forms/{form_id}/submissions")
        found: list[dict[str, Any]] = answer.json()["submissions"]
        return found if len(found) >= count else None

    return await until(listed, WAIT, f"{count} submissions of form {form_id}", interval=0.2)


def bearer(token: str) -> dict[str, str]:
    """The header of a session."""
    return {"Authorization": f"Bearer {token}"}
