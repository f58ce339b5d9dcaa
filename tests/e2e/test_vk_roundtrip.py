"""A VK customer's message reaches an operator live through every service; ingest is killed before the
operator answers; the reply reaches the customer through messages.send once, and VK sending the message
again after the restart stores nothing twice."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from bench.waiting import until
from devstack.vk import LocalVk
from devstack.vk_events import message_new, message_reply
from services.projections.schema import LIVE_SCHEMA
from services.settings import Settings
from tests.e2e.test_webchat_roundtrip import next_frame, operator_socket
from tests.services_running import RunningServices, load_demo, services
from tests.vk_harness import GROUP, SECRET, TOKEN, with_community

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(240)]

WAIT = 30.0
CUSTOMER = 501


def test_a_vk_message_is_answered_through_every_service_once(settings: Settings, tmp_path: Path) -> None:
    vk = LocalVk()
    vk.community(GROUP, TOKEN)
    vk.users[CUSTOMER] = ("Ivan", "Petrov")
    with vk.running():
        with_vk = with_community(settings, vk)
        load_demo(with_vk)
        with services(with_vk, tmp_path / "logs") as running:
            asyncio.run(roundtrip(with_vk, running, vk))


async def post(settings: Settings, event: dict[str, Any]) -> httpx.Response:
    """Post an event as VK does: again, while ingest is not listening yet."""
    async with httpx.AsyncClient(base_url=f"http://{settings.http_host}:{settings.webhooks_port}") as http:

        async def answered() -> httpx.Response | None:
            try:
                return await http.post("/vk/shop", content=json.dumps(event).encode(), timeout=WAIT)
            except httpx.TransportError:
                return None

        return await until(answered, WAIT, "ingest to answer VK", interval=0.2)


async def roundtrip(settings: Settings, running: RunningServices, vk: LocalVk) -> None:
    report = await running.healthy()
    assert report["checks"]["vk"]["communities"]["shop"]["state"] == "receiving events"  # type: ignore[index]
    anna = await operator_socket(settings, "anna@example.com")
    boris = await operator_socket(settings, "boris@example.com")
    question = message_new(GROUP, 15, CUSTOMER, "Do you deliver to Riga?", secret=SECRET)
    answer = await post(settings, question)
    assert (answer.status_code, answer.text) == (200, "ok")

    waits = {asyncio.ensure_future(next_frame(s, "conversation")): s for s in (anna, boris)}
    done, pending = await asyncio.wait(waits, timeout=WAIT, return_when=asyncio.FIRST_COMPLETED)
    assert done, "no operator was told of the VK message"
    for wait in pending:
        wait.cancel()
    first = done.pop()
    holder = waits[first]
    conversation = first.result()["conversation"]
    assert conversation["address"] == f"vk:{CUSTOMER}"
    message = (await next_frame(holder, "message"))["message"]
    assert message["text"] == "Do you deliver to Riga?"

    # Ingest dies between the customer's message and the operator's reply.
    running.kill("ingest")
    running.start("ingest")
    await running.healthy()
    # VK had no answer in time once, and sends the message again: it is not stored twice.
    assert (await post(settings, question)).text == "ok"

    await holder.send(
        json.dumps(
            {"type": "reply", "conversation_id": conversation["id"], "text": "Yes, in two days.", "request_id": "r1"}
        )
    )
    (sent,) = await asyncio.to_thread(vk.wait_for_sent, 1, WAIT)
    assert (sent.peer_id, sent.text) == (CUSTOMER, "Yes, in two days.")
    # VK echoes the community's own message back: it is not the customer's.
    assert (
        await post(settings, message_reply(GROUP, sent.message_id, CUSTOMER, sent.text, secret=SECRET))
    ).text == "ok"

    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    assert pool is not None
    try:

        async def delivered() -> Any:
            return await pool.fetchval(
                f"SELECT delivery FROM {LIVE_SCHEMA}.messages WHERE conversation_id = $1 AND author = 'manager'",
                uuid.UUID(conversation["id"]),
            )

        assert await until(delivered, WAIT, "the read model to show the reply as sent") == "sent"
        customer_messages = await pool.fetchval(
            "SELECT count(*) FROM switchboard_events WHERE topic LIKE '%Conversation.CustomerWrote'"
        )
        assert customer_messages == 1
        assert len(vk.calls_of("messages.send")) == 1
        assert len(vk.sent) == 1

        # The customer stops allowing messages: the next reply fails with that reason, shown on it.
        vk.refusing_peers.add(CUSTOMER)
        await holder.send(
            json.dumps(
                {"type": "reply", "conversation_id": conversation["id"], "text": "Anything else?", "request_id": "r2"}
            )
        )

        async def refused() -> Any:
            return await pool.fetchrow(
                f"SELECT delivery, delivery_detail FROM {LIVE_SCHEMA}.messages"
                " WHERE conversation_id = $1 AND author = 'manager' AND delivery = 'refused'",
                uuid.UUID(conversation["id"]),
            )

        row = await until(refused, WAIT, "the read model to show the second reply refused")
        assert "VK error 901" in row["delivery_detail"]
        assert len(vk.sent) == 1
    finally:
        await pool.close()
    for socket in (anna, boris):
        await socket.close()
