"""Every HTTP body has a size limit and must be a JSON object whose text fields keep the text rule."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from application.event_store import EventStore
from application.managers import register_manager
from services.settings import Settings
from tests.integration.gateway_server import PASSWORD, add_operator, serving

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(120)]

LIMIT = 4096
NESTED = '{"a":' * 5000 + "1" + "}" * 5000  # far deeper than the parser goes, well under the size limit


async def raw_exchange(settings: Settings, head: bytes, chunks: list[bytes]) -> bytes:
    """Send a request's head and then ``chunks`` on a plain socket; the status line of the answer."""
    reader, writer = await asyncio.open_connection(settings.http_host, settings.http_port)
    try:
        writer.write(head)
        for chunk in chunks:
            writer.write(chunk)
            await writer.drain()
        return await asyncio.wait_for(reader.readline(), 10)
    finally:
        writer.close()


async def test_bodies_over_the_limit_get_413_before_they_are_read(settings: Settings, store: EventStore) -> None:
    limited = settings.model_copy(update={"http_max_body_bytes": LIMIT})
    await add_operator(limited, "anna@example.com", register_manager(store, "anna", "anna@example.com", 5, "sales"))
    async with serving(limited), httpx.AsyncClient(base_url=limited.console_url) as http:
        # Declared too big: refused without waiting for a single byte of it.
        declared = (
            b"POST /api/login HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100000000\r\n\r\n"
        )
        assert (await raw_exchange(limited, declared, [])).startswith(b"HTTP/1.1 413")

        # Chunked, with no length: refused once past the limit, while the body is still coming.
        chunked = b"POST /api/widget/session HTTP/1.1\r\nHost: gateway\r\nTransfer-Encoding: chunked\r\n\r\n"
        piece = b" " * 1024
        chunks = [b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(LIMIT // len(piece) + 2)]
        assert (await raw_exchange(limited, chunked, chunks)).startswith(b"HTTP/1.1 413")

        # Unauthenticated routes and REST alike, with an honest length.
        big = {"email": "anna@example.com", "password": "x" * LIMIT}
        refused = await http.post("/api/login", json=big)
        assert refused.status_code == 413
        assert "over the limit of 4096 bytes" in refused.json()["error"]
        assert (await http.post("/api/widget/history", content=b"{" * (LIMIT + 1))).status_code == 413
        assert (await http.post("/api/work-day", content=b" " * (LIMIT + 1))).status_code == 413

        logged_in = await http.post("/api/login", json={"email": "anna@example.com", "password": PASSWORD})
        assert logged_in.status_code == 200


BAD_BODIES: list[tuple[bytes, str]] = [
    (b"{", "valid JSON"),
    (b"", "valid JSON"),
    (b"\xff\xfe{}", "valid JSON"),
    (NESTED.encode(), "not nested too deeply"),
    (b"[]", "a JSON object"),
    (b'"just text"', "a JSON object"),
    (b'{"email": NaN}', "valid JSON"),
]


@pytest.mark.parametrize(("body", "says"), BAD_BODIES)
async def test_a_body_that_is_not_a_json_object_gets_400(
    settings: Settings, store: EventStore, body: bytes, says: str
) -> None:
    manager = register_manager(store, "anna", "anna@example.com", 5, "sales")
    await add_operator(settings, "anna@example.com", manager)
    async with serving(settings), httpx.AsyncClient(base_url=settings.console_url) as http:
        token = (await http.post("/api/login", json={"email": "anna@example.com", "password": PASSWORD})).json()
        bearer = {"Authorization": f"Bearer {token['token']}"}
        for method, url in (
            ("POST", "/api/login"),
            ("POST", "/api/widget/session"),
            ("POST", "/api/widget/history"),
            ("POST", "/api/work-day"),
            ("PUT", f"/api/managers/{manager}/capacity"),
            ("PUT", f"/api/managers/{manager}/working-hours"),
            ("POST", f"/api/managers/{manager}/absences"),
        ):
            answer = await http.request(method, url, content=body, headers=bearer)
            assert answer.status_code == 400, (url, answer.text)
            assert says in answer.json()["error"], (url, answer.text)
        # Nothing changed, and the same routes still work.
        started = await http.post("/api/work-day", json={"action": "start"}, headers=bearer)
        assert (started.status_code, started.json()["work_day"]) == (200, "started")
        assert (await http.post("/api/widget/session", json={})).status_code == 200


def escaped(body: dict[str, Any]) -> bytes:
    """JSON as a browser sends it: a lone surrogate goes as its escape, which parses to a str holding it."""
    return json.dumps(body).encode()


async def test_text_fields_that_break_the_text_rule_get_400_naming_the_field(
    settings: Settings, store: EventStore
) -> None:
    manager = register_manager(store, "anna", "anna@example.com", 5, "sales")
    await add_operator(settings, "anna@example.com", manager)
    async with serving(settings), httpx.AsyncClient(base_url=settings.console_url) as http:
        token = (await http.post("/api/login", json={"email": "anna@example.com", "password": PASSWORD})).json()
        bearer = {"Authorization": f"Bearer {token['token']}", "Content-Type": "application/json"}
        hours = f"/api/managers/{manager}/working-hours"
        away = f"/api/managers/{manager}/absences"
        monday = {"day": "mon", "from": "09:00", "to": "18:00"}
        cases: list[tuple[str, str, dict[str, Any], str]] = [
            ("POST", "/api/login", {"email": "anna\ud800@example.com", "password": PASSWORD}, "'email'"),
            ("POST", "/api/login", {"email": "anna\x00@example.com", "password": PASSWORD}, "'email'"),
            ("POST", "/api/login", {"email": "anna@example.com", "password": "pass\ud800"}, "'password'"),
            ("POST", "/api/login", {"email": ["anna@example.com"], "password": PASSWORD}, "'email'"),
            ("POST", "/api/widget/session", {"token": "abc\ud800.def"}, "'token'"),
            ("POST", "/api/widget/history", {"token": "abc\x00"}, "'token'"),
            ("POST", "/api/widget/history", {"token": 7}, "'token'"),
            ("POST", "/api/work-day", {"action": "start\x00"}, "'action'"),
            ("POST", "/api/work-day", {"action": "\udfff"}, "'action'"),
            ("PUT", hours, {"timezone": "Europe/Riga\x00", "shifts": [monday]}, "'timezone'"),
            ("PUT", hours, {"timezone": "UTC", "shifts": [{**monday, "day": "mo\ud800"}]}, "'day'"),
            ("PUT", hours, {"timezone": "UTC", "shifts": [{**monday, "from": 9}]}, "'from'"),
            ("PUT", hours, {"timezone": "UTC", "shifts": "mon"}, "'shifts'"),
            ("POST", away, {"first_day": "2026-07-01", "last_day": "2026-07-02", "reason": "sick\x00"}, "'reason'"),
            ("POST", away, {"first_day": "2026-07-01\ud800", "last_day": "2026-07-02"}, "'first_day'"),
        ]
        for method, url, body, field in cases:
            answer = await http.request(method, url, content=escaped(body), headers=bearer)
            assert answer.status_code == 400, (url, body, answer.text)
            assert field in answer.json()["error"], (url, body, answer.text)
        hours_set = await http.put(
            hours,
            json={"timezone": "Europe/Riga", "shifts": [monday]},
            headers=bearer,
        )
        assert hours_set.status_code == 200
        again = await http.post("/api/login", json={"email": "anna@example.com", "password": PASSWORD})
        assert again.status_code == 200
