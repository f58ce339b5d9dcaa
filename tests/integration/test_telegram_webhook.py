"""The bots' webhook against hostile input: each case its own status, nothing stored, the valid updates
around them stored once each; files fetched into the attachment store; no secret in any log line."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from structlog.testing import capture_logs

from bench.waiting import until
from services.settings import Settings
from tests.telegram_api import FakeBotApi
from tests.telegram_running import SECRET, TOKEN, WAIT, ingest_and_router, stored_messages, webhook_url, with_bot

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(180)]

HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True)
class Case:
    """One request to the webhook and the status it must get."""

    name: str
    status: int
    body: bytes
    secret: str | bytes | None = SECRET
    bot: str = "shop"
    method: str = "POST"
    content_type: str | None = None


def update(api: FakeBotApi, update_id: int, text: str | None, **fields: Any) -> bytes:
    message = api.message(42, text, message_id=update_id, **fields)
    return json.dumps({"update_id": update_id, "message": message}).encode()


def corpus(api: FakeBotApi) -> list[Case]:
    first = update(api, 1, "first")
    return [
        Case("valid before", 200, first),
        Case("forged secret", 401, update(api, 2, "forged"), secret="guessed"),
        Case("secret of another length", 401, update(api, 2, "forged"), secret=SECRET + "x"),
        Case("no secret", 401, update(api, 2, "forged"), secret=None),
        Case("secret with non-ASCII bytes", 401, update(api, 2, "forged"), secret="sécret".encode()),
        Case("unknown bot", 404, update(api, 3, "to nobody"), bot="other"),
        Case("GET", 405, b"", method="GET"),
        Case("missing chat", 400, json.dumps({"update_id": 4, "message": {"message_id": 4, "date": 1}}).encode()),
        Case("missing update_id", 400, json.dumps({"message": json.loads(first)["message"]}).encode()),
        Case("not an object", 400, b"[]"),
        Case("unknown update type", 200, json.dumps({"update_id": 5, "poll_answer": {"poll_id": "1"}}).encode()),
        Case("group message", 200, update(api, 6, "in a group", chat={"id": -100, "type": "supergroup"})),
        Case("deep JSON", 400, b"[" * 100_000 + b"]" * 100_000),
        Case("invalid UTF-8", 400, b'{"update_id": 8, "message": {"text": "\xff\xfe"}}'),
        Case("NaN", 400, b'{"update_id": NaN}'),
        Case("form data", 415, update(api, 15, "as a form"), content_type="application/x-www-form-urlencoded"),
        Case("plain text", 415, update(api, 16, "as text"), content_type="text/plain; charset=utf-8"),
        Case("UTF-16", 400, update(api, 14, "utf-16").decode().encode("utf-16")),
        Case("NUL in text", 400, update(api, 9, "nul \x00 here")),
        Case("lone surrogate in text", 400, update(api, 10, "x").replace(b'"x"', b'"\\ud800"')),
        Case("control character in the name", 400, update(api, 11, "hi").replace(b"Ivan", b"Iv\\u0007an", 1)),
        Case("replayed", 200, first),
        Case("valid after", 200, update(api, 12, "second")),
    ]


async def raw_status(settings: Settings, *, chunked: bool) -> bytes:
    """The status line answering a large update: 10 MB declared up front, or streamed past the limit."""
    reader, writer = await asyncio.open_connection("127.0.0.1", settings.webhooks_port)
    length = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: 10000000"
    writer.write(
        b"POST /telegram/shop HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"{HEADER}: {SECRET}\r\n".encode()
        + length
        + b"\r\n\r\n"
    )
    piece = b"x" * 65536
    # Just past the limit: a client that went on writing after the answer would reset the connection.
    for _ in range(settings.telegram_max_update_bytes // len(piece) + 2 if chunked else 0):
        writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        await writer.drain()
    line = await asyncio.wait_for(reader.readline(), WAIT)
    writer.close()
    return line


async def send(client: httpx.AsyncClient, settings: Settings, case: Case) -> httpx.Response:
    if case.content_type is not None and isinstance(case.secret, str):
        typed = {HEADER: case.secret, "Content-Type": case.content_type}
        return await client.request(case.method, webhook_url(settings, case.bot), content=case.body, headers=typed)
    headers = {HEADER: case.secret} if case.secret is not None else {}
    return await client.request(case.method, webhook_url(settings, case.bot), content=case.body, headers=headers)


async def test_hostile_updates_get_their_status_and_valid_ones_are_stored_once(
    settings: Settings, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    with FakeBotApi(TOKEN) as api, capture_logs() as logs:
        configured = with_bot(settings, api)
        cases = corpus(api)
        async with ingest_and_router(configured), httpx.AsyncClient(timeout=30) as client:
            got = [(case.name, (await send(client, configured, case)).status_code) for case in cases]
            assert [name for (name, status), case in zip(got, cases, strict=True) if status != case.status] == [], got
            assert (await raw_status(configured, chunked=False)).startswith(b"HTTP/1.1 413")
            assert (await raw_status(configured, chunked=True)).startswith(b"HTTP/1.1 413")
            replayed = await send(client, configured, Case("valid after the large ones", 200, update(api, 13, "third")))
            assert replayed.status_code == 200

            async def all_stored() -> list[dict[str, Any]] | None:
                found = await stored_messages(pool)
                return found if len(found) >= 3 else None

            stored = await until(all_stored, WAIT, "the three valid updates to be stored")
            # Whatever came late would be here by now: the router has drained what ingest published.
            assert [(m["channel_message_id"], m["text"]) for m in await stored_messages(pool)] == [
                ("shop:42:1", "first"),
                ("shop:42:12", "second"),
                ("shop:42:13", "third"),
            ], stored
    shown = json.dumps(logs, default=str)
    assert TOKEN not in shown
    assert SECRET not in shown
    ignored = [e for e in logs if e["event"] == "telegram_update_ignored"]
    assert {e["update_id"] for e in ignored} == {5, 6}


async def test_files_are_fetched_into_the_attachment_store_before_the_message_is_published(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    with FakeBotApi(TOKEN) as api:
        configured = with_bot(settings, api, attachment_max_bytes=1000)
        api.add_file("small", b"%PDF-1.7 invoice")
        api.add_file("large", b"x" * 2000)
        document = {
            "file_id": "small",
            "file_unique_id": "us",
            "file_name": "invoice.pdf",
            "mime_type": "application/pdf",
        }
        photo = [{"file_id": "large", "file_unique_id": "ul", "width": 90, "height": 90}]
        async with ingest_and_router(configured), httpx.AsyncClient(timeout=30) as client:
            body = update(api, 20, None, caption="my invoice", document=document)
            assert (await send(client, configured, Case("document", 200, body))).status_code == 200
            body = update(api, 21, None, photo=photo)
            assert (await send(client, configured, Case("photo", 200, body))).status_code == 200

            async def stored() -> list[dict[str, Any]] | None:
                found = await stored_messages(pool)
                return found if len(found) >= 2 else None

            invoice, picture = await until(stored, WAIT, "both messages to be stored")
        (kept,) = invoice["attachments"]
        assert (kept["filename"], kept["content_type"], kept["size"], kept["kept"]) == (
            "invoice.pdf",
            "application/pdf",
            16,
            True,
        )
        assert invoice["text"] == "my invoice"
        content = await pool.fetchval("SELECT content FROM attachments WHERE sha256 = $1", kept["sha256"])
        assert content == b"%PDF-1.7 invoice"
        (too_large,) = picture["attachments"]
        assert (too_large["filename"], too_large["size"], too_large["kept"]) == ("photo.jpg", 2000, False)
        assert await pool.fetchval("SELECT count(*) FROM attachments WHERE sha256 = $1", too_large["sha256"]) == 0
