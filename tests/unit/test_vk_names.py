"""Customers' names from users.get: asked together, once per user, kept, and never waited for when VK fails."""

from __future__ import annotations

import asyncio

from connectors.vk.api import CommunityApi
from connectors.vk.names import SenderNames
from devstack.vk import LocalVk

GROUP, TOKEN = 5, "token"


def test_names_missing_at_once_are_asked_in_one_call_and_kept() -> None:
    vk = LocalVk()
    vk.community(GROUP, TOKEN)
    vk.users.update({n: ("First", f"Last{n}") for n in range(1, 40)})
    vk.users[99] = ("Bad\x00", "Name")
    with vk.running():
        names = SenderNames(CommunityApi(TOKEN, vk.api_url, 5))

        async def burst() -> list[str]:
            # Three messages of each of 40 customers arrive together.
            return await asyncio.gather(*(names.name(n) for n in [*range(1, 40), 99] * 3))

        got = asyncio.run(burst())
        assert got[:3] == ["First Last1", "First Last2", "First Last3"]
        assert got[39] == ""  # a name the text rule refuses is left out, not the message
        assert len(vk.calls_of("users.get")) == 1
        assert len(vk.calls_of("users.get")[0]["user_ids"].split(",")) == 40
        assert asyncio.run(names.name(7)) == "First Last7"
        assert len(vk.calls_of("users.get")) == 1


def test_when_vk_refuses_the_message_goes_on_without_a_name_and_the_next_asks_again() -> None:
    vk = LocalVk()
    vk.community(GROUP, TOKEN)
    vk.users[1] = ("Ivan", "Petrov")
    with vk.running():
        names = SenderNames(CommunityApi("revoked", vk.api_url, 5))
        assert asyncio.run(names.name(1)) == ""
        vk.community(GROUP, "revoked")
        assert asyncio.run(names.name(1)) == "Ivan Petrov"
        assert len(vk.calls_of("users.get")) == 2


def test_names_expire() -> None:
    vk = LocalVk()
    vk.community(GROUP, TOKEN)
    vk.users[1] = ("Ivan", "Petrov")
    now = [0.0]
    with vk.running():
        names = SenderNames(CommunityApi(TOKEN, vk.api_url, 5), ttl=60, clock=lambda: now[0])
        asyncio.run(names.name(1))
        vk.users[1] = ("Ivan", "Sidorov")
        assert asyncio.run(names.name(1)) == "Ivan Petrov"
        now[0] = 61
        assert asyncio.run(names.name(1)) == "Ivan Sidorov"
