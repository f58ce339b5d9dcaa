"""The widget socket refuses bad input clearly and keeps the valid messages around it."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin

from bench.waiting import until
from services.ingest.service import VISITOR
from services.ingest.service import run as run_ingest
from services.settings import Settings
from services.tokens import Signer
from services.topics import Topics

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

WAIT = 20.0


@pytest_asyncio.fixture
async def ingest(settings: Settings) -> AsyncIterator[Settings]:
    stop = asyncio.Event()
    task = asyncio.create_task(run_ingest(settings, stop))

    async def listening() -> bool:
        try:
            async with connect(settings.webchat_url, origin=Origin(settings.console_url)):
                return True
        except OSError:
            return False

    await until(listening, WAIT, "the widget socket to listen")
    yield settings
    stop.set()
    await asyncio.wait_for(task, WAIT)


def visitor_token(settings: Settings, visitor: str) -> str:
    return Signer(settings.require_secret()).issue(VISITOR, visitor, 600)


async def frame(socket: ClientConnection) -> dict[str, str]:
    result: dict[str, str] = json.loads(await asyncio.wait_for(socket.recv(), WAIT))
    return result


async def inbound_messages(settings: Settings, expected: int) -> list[dict[str, str]]:
    consumer = AIOKafkaConsumer(
        Topics.named(settings.topic_prefix).inbound,
        bootstrap_servers=settings.kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[dict[str, str]] = []
    try:

        async def collected() -> bool:
            batches = await consumer.getmany(timeout_ms=200)
            found.extend(json.loads(r.value) for records in batches.values() for r in records)
            return len(found) >= expected

        await until(collected, WAIT, f"{expected} inbound messages")
        extra = await consumer.getmany(timeout_ms=500)
        found.extend(json.loads(r.value) for records in extra.values() for r in records)
    finally:
        await consumer.stop()
    return found


@pytest.mark.asyncio
async def test_bad_frames_get_errors_and_the_good_ones_around_them_are_kept(ingest: Settings) -> None:
    settings = ingest
    visitor = secrets.token_hex(8)
    async with connect(settings.webchat_url, origin=Origin(settings.console_url)) as socket:
        await socket.send(json.dumps({"type": "hello", "token": visitor_token(settings, visitor)}))
        assert (await frame(socket))["type"] == "welcome"
        await socket.send(json.dumps({"type": "message", "id": "m1", "text": "first"}))
        assert await frame(socket) == {"type": "accepted", "id": "m1"}
        await socket.send("{not json")
        assert (await frame(socket))["code"] == "invalid_json"
        await socket.send(json.dumps({"type": "shouting"}))
        assert (await frame(socket))["code"] == "unknown_type"
        await socket.send(json.dumps({"type": "message", "id": "m-empty", "text": "  "}))
        assert (await frame(socket))["code"] == "invalid_message"
        await socket.send(b"\x00binary")
        assert (await frame(socket))["code"] == "binary_frame"
        await socket.send(json.dumps({"type": "message", "id": "m2", "text": "second"}))
        assert await frame(socket) == {"type": "accepted", "id": "m2"}
        await socket.send(
            json.dumps({"type": "message", "id": "m3", "text": "x" * (settings.webchat_max_frame_bytes + 1)})
        )
        with pytest.raises(ConnectionClosed) as closed:
            await frame(socket)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1009  # message too big

    stored = await inbound_messages(settings, expected=2)
    assert [(m["channel_message_id"], m["text"]) for m in stored] == [
        (f"{visitor}/m1", "first"),
        (f"{visitor}/m2", "second"),
    ]


@pytest.mark.asyncio
async def test_a_socket_without_a_valid_visitor_token_is_closed_with_a_reason(ingest: Settings) -> None:
    settings = ingest
    async with connect(settings.webchat_url, origin=Origin(settings.console_url)) as socket:
        await socket.send(json.dumps({"type": "message", "id": "m1", "text": "no hello"}))
        with pytest.raises(ConnectionClosed) as missing:
            await frame(socket)
    assert missing.value.rcvd is not None
    assert (missing.value.rcvd.code, missing.value.rcvd.reason.split(":")[0]) == (4401, "visitor token missing")

    async with connect(settings.webchat_url, origin=Origin(settings.console_url)) as socket:
        forged = Signer("another-secret-entirely").issue(VISITOR, "v", 600)
        await socket.send(json.dumps({"type": "hello", "token": forged}))
        with pytest.raises(ConnectionClosed) as invalid:
            await frame(socket)
    assert invalid.value.rcvd is not None
    assert invalid.value.rcvd.code == 4403


@pytest.mark.asyncio
async def test_a_foreign_origin_is_refused_at_the_handshake(ingest: Settings) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(ingest.webchat_url, origin=Origin("https://evil.example")):
            pass
    assert refused.value.response.status_code == 403


# Frames as a browser's JSON.stringify writes them: NUL, controls and lone surrogates arrive as escapes.
BROKEN_FRAMES = [
    ('{"type": "message", "id": "a\\u0000b", "text": "x"}', "'id'"),
    ('{"type": "message", "id": "\\ud800", "text": "x"}', "'id'"),
    ('{"type": "message", "id": "m\\u0007", "text": "x"}', "'id'"),
    ('{"type": "message", "id": "m-surrogate", "text": "hi \\ud83d"}', "'text'"),
    ('{"type": "message", "id": "m-nul", "text": "a\\u0000b"}', "'text'"),
    ('{"type": "message", "id": "m-escape", "text": "a\\u001b[2Jb"}', "'text'"),
]


@pytest.mark.asyncio
async def test_ids_and_text_that_break_the_text_rule_get_error_frames_and_nothing_is_published(
    ingest: Settings,
) -> None:
    settings = ingest
    visitor = secrets.token_hex(8)
    async with connect(settings.webchat_url, origin=Origin(settings.console_url)) as socket:
        await socket.send(json.dumps({"type": "hello", "token": visitor_token(settings, visitor)}))
        assert (await frame(socket))["type"] == "welcome"
        for raw, field in BROKEN_FRAMES:
            await socket.send(raw)
            refused = await frame(socket)
            assert (refused["type"], refused["code"]) == ("error", "invalid_message"), raw
            assert field in refused["detail"], refused
        # The socket is still open, and a valid message after the broken ones is kept.
        await socket.send(json.dumps({"type": "message", "id": "m-ok", "text": "after all that"}))
        assert await frame(socket) == {"type": "accepted", "id": "m-ok"}

    stored = await inbound_messages(settings, expected=1)
    assert [(m["channel_message_id"], m["text"]) for m in stored] == [(f"{visitor}/m-ok", "after all that")]


@pytest.mark.asyncio
async def test_a_flood_of_frames_is_answered_rate_limited_and_only_the_allowed_ones_are_published(
    ingest: Settings,
) -> None:
    settings = ingest
    burst = settings.webchat_message_burst
    sent = burst + 50  # at the default rate, 25 s of refill: more than sending them can ever take
    visitor = secrets.token_hex(8)
    async with connect(settings.webchat_url, origin=Origin(settings.console_url)) as socket:
        await socket.send(json.dumps({"type": "hello", "token": visitor_token(settings, visitor)}))
        assert (await frame(socket))["type"] == "welcome"
        for n in range(sent):
            await socket.send(json.dumps({"type": "message", "id": f"m{n}", "text": f"flood {n}"}))
        answers = [await frame(socket) for _ in range(sent)]
    accepted = [a["id"] for a in answers if a["type"] == "accepted"]
    limited = [a for a in answers if a.get("code") == "rate_limited"]
    # The bucket refills while the flood is sent, so a few more than the burst may pass; never all of it.
    assert burst <= len(accepted) < sent
    assert len(accepted) + len(limited) == sent
    assert all(isinstance(a["retry_after"], int) and a["retry_after"] >= 1 for a in limited)

    stored = await inbound_messages(settings, expected=len(accepted))
    assert sorted(m["channel_message_id"] for m in stored) == sorted(f"{visitor}/{i}" for i in accepted)
