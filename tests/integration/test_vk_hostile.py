"""Hostile requests at the Callback API endpoint: each gets its own status, none stores anything,
and the valid messages sent between them are all kept, each once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from application.event_store import EventStore
from devstack.vk import LocalVk
from devstack.vk_events import message_new
from services.settings import Settings
from tests.vk_harness import GROUP, SECRET, TOKEN, Channel, customer_messages, vk_channel, with_community

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(300)]

CUSTOMER = 501
TEN_MB = 10 * 1024 * 1024


@dataclass(frozen=True)
class Case:
    name: str
    send: Callable[[Channel], Any]  # returns the awaitable response
    status: int
    answer: str | None = None  # the body expected, when it matters


FORM_TYPE = "application/x-www-form-urlencoded"


def body(data: object) -> bytes:
    return json.dumps(data).encode()


def event(text: str = "hostile", **changes: Any) -> dict[str, Any]:
    made = message_new(GROUP, 99_000, CUSTOMER, text, secret=SECRET)
    made.update(changes)
    return made


def with_message(**changes: Any) -> dict[str, Any]:
    made = event()
    made["object"]["message"].update(changes)
    return made


def post(data: bytes | dict[str, Any], community: str = "shop", **options: Any) -> Callable[[Channel], Any]:
    return lambda channel: channel.post(data, community, **options)


async def chunks(total: int) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * 65536
        sent += 65536


CASES = [
    Case("forged secret", post(event(secret="guessed")), 403),
    Case("no secret", post({k: v for k, v in event().items() if k != "secret"}), 403),
    Case("secret not a string", post(event(secret=12345)), 403),
    Case("secret of another community, right length", post(event(secret="x" * len(SECRET))), 403),
    Case("no type", post({k: v for k, v in event().items() if k != "type"}), 400),
    Case("type not a string", post(event(type=["message_new"])), 400),
    Case("no object", post({k: v for k, v in event().items() if k != "object"}), 400),
    Case("message without id", post(with_message(id=None)), 400),
    Case("message id a string", post(with_message(id="15")), 400),
    Case("text a number", post(with_message(text=42)), 400),
    Case("another community's group_id", post(event(group_id=GROUP + 1)), 400),
    Case("group_id a boolean", post(event(group_id=True)), 400),
    Case("group_id huge", post(event(group_id=10**40)), 400),
    Case("unknown type", post(event(type="wall_post_new", object={"id": 1})), 200, "ok"),
    Case("chat message", post(with_message(peer_id=2_000_000_005)), 200, "ok"),
    Case("10 MB body", post(b"{" + b" " * TEN_MB + b"}"), 413),
    Case("10 MB body, chunked", lambda c: c.http.post("/vk/shop", content=chunks(TEN_MB)), 413),
    Case("deep JSON", post(b"[" * 100_000 + b"]" * 100_000), 400),
    Case("deep JSON object", post(b'{"a":' * 50_000 + b"1" + b"}" * 50_000), 400),
    Case("invalid UTF-8", post(body(event()).replace(b"hostile", b"host\xffile")), 400),
    Case("UTF-16", post(json.dumps(event()).encode("utf-16")), 400),
    Case("NUL in text", post(event("NUL \x00 inside")), 400),
    Case("lone surrogate in text", post(body(event()).replace(b"hostile", b"\\ud800")), 400),
    Case("control character in text", post(event("bell \x07")), 400),
    Case("NaN", post(body(event()).replace(b'"date": 1767225600', b'"date": NaN')), 400),
    Case("sent as form data", post(event("as a form"), headers={"Content-Type": FORM_TYPE}), 415),
    Case("sent as plain text", post(event("as text"), headers={"Content-Type": "text/plain"}), 415),
    Case("not an object", post(b"[]"), 400),
    Case("empty body", post(b""), 400),
    Case("not JSON", post(b"type=message_new&secret=" + SECRET.encode()), 400),
    Case("unknown community", post(event(), community="elsewhere"), 404),
    Case("GET", lambda c: c.http.get("/vk/shop"), 405),
]


async def test_hostile_requests_get_their_status_and_store_nothing(
    settings: Settings, store: EventStore, pool: asyncpg.Pool
) -> None:
    vk = LocalVk()
    vk.community(GROUP, TOKEN)
    vk.users[CUSTOMER] = ("Ivan", "Petrov")
    mismatches = []
    with vk.running():
        async with vk_channel(with_community(settings, vk), store, pool) as channel:
            valid = 0
            for number, case in enumerate(CASES):
                answer: httpx.Response = await case.send(channel)
                if answer.status_code != case.status or (case.answer is not None and answer.text != case.answer):
                    mismatches.append((case.name, case.status, answer.status_code, answer.text[:200]))
                # A valid message after each hostile one is kept; the first is sent twice, as VK retries.
                good = message_new(GROUP, 1000 + number, CUSTOMER, f"valid {number}", secret=SECRET)
                for _ in range(2 if number == 0 else 1):
                    answer = await channel.post(good)
                    if answer.text != "ok":
                        mismatches.append((f"valid after {case.name}", 200, answer.status_code, answer.text[:200]))
                valid += 1
    assert mismatches == []
    stored = await customer_messages(pool)
    assert [m["text"] for m in stored] == [f"valid {n}" for n in range(valid)]
