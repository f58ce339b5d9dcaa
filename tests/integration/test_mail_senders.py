"""Spoofed mail in the console: a stranger citing a customer's message gets a conversation of their own, and a
manager's address on a copy to the CRM nobody vouched for is shown as an address, not as the manager."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from application.managers import register_manager
from application.receive_messages import receive_messages
from application.work_day import change_work_day
from connectors.mail.parsing import Routing, parse_mail, to_inbound
from services.bootstrap import build_event_store, create_pool
from services.console.accounts import Role, add_account
from services.console.app import build_app
from services.settings import Settings
from tests.projected import project
from tests.router_reactions import routed

pytestmark = pytest.mark.integration

ROUTING = Routing(own_addresses=frozenset({"sales@shop.example"}), crm_address="crm@shop.example")
CUSTOMER = (
    b"From: Anna Customer <anna@customer.example>\r\nTo: sales@shop.example\r\nSubject: Order\r\n"
    b"Message-ID: <order@customer.example>\r\n\r\nMy order, please.\r\n"
)
SPOOF = (
    b"From: Anna Customer <mallory@evil.example>\r\nTo: sales@shop.example\r\nSubject: Re: Order\r\n"
    b"Message-ID: <m1@evil.example>\r\nIn-Reply-To: <order@customer.example>\r\n\r\nSend it to my new address.\r\n"
)
FORGED_COPY = (
    b"From: Boris <boris@shop.example>\r\nTo: anna@customer.example\r\nCc: crm@shop.example\r\n"
    b"Subject: Refund approved\r\nMessage-ID: <forged@evil.example>\r\n\r\nYour refund is approved.\r\n"
)


@pytest.fixture
def console(settings: Settings) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    store = build_event_store(settings)
    ids: dict[str, Any] = {
        "anna": register_manager(store, "anna", "anna@shop.example", 5, settings.team),
        "boris": register_manager(store, "boris", "boris@shop.example", 5, settings.team),
        "clara": register_manager(store, "clara", "clara@shop.example", 0, settings.team),
    }
    routed(store, change_work_day, ids["anna"], "start")
    for name, raw in (("customer", CUSTOMER), ("spoof", SPOOF), ("copy", FORGED_COPY)):
        message = to_inbound(parse_mail(raw), "sales", datetime.now(tz=UTC), ROUTING)
        (ids[name],) = routed(store, receive_messages, [message])
    asyncio.run(project(settings, store))
    store.close()

    async def account() -> None:
        pool = await create_pool(settings, size=1)
        await add_account(pool, "clara@shop.example", ids["clara"], "clara", Role.DIRECTOR, "secret-password")
        await pool.close()

    asyncio.run(account())
    with TestClient(build_app(settings)) as http:
        login = {"email": "clara@shop.example", "password": "secret-password"}
        ids["token"] = http.post("/api/login", json=login).json()["token"]
        yield http, ids


def test_a_spoofed_reply_and_a_forged_copy_show_as_what_they_are(console: tuple[TestClient, dict[str, Any]]) -> None:
    http, ids = console
    headers = {"Authorization": f"Bearer {ids['token']}"}
    conversations = http.get("/api/conversations", headers=headers).json()["conversations"]
    by_address = {c["address"]: c for c in conversations}
    assert set(by_address) == {"email:anna@customer.example", "email:mallory@evil.example"}
    assert by_address["email:anna@customer.example"]["message_count"] == 1
    assert ids["spoof"].conversation_id != ids["customer"].conversation_id
    # The forged copy is on Anna's contact, by an address, in nobody's name.
    contact = ids["copy"].contact_id
    (activity,) = http.get(f"/api/contacts/{contact}/activities", headers=headers).json()["activities"]
    assert (activity["subject"], activity["manager_id"], activity["forwarded_by"]) == (
        "Refund approved",
        None,
        "boris@shop.example",
    )
