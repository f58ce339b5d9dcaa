"""A community's calls to the VK API through vk-api, kept off the event loop.

vk-api is synchronous: every call runs in a worker thread. Its own answer to error 6 (too many
requests per second) is to sleep and call again without end; that handler is taken out, so the
caller decides, with backoff, as with error 9 (flood control).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import requests
import vk_api
from jconfig.memory import MemoryConfig
from vk_api.exceptions import TOO_MANY_RPS_CODE, ApiError, ApiHttpError

from connectors.vk.session import ApiSession

API_VERSION = "5.199"
# Errors worth waiting out: too many requests per second, flood control, VK's own internal error.
TEMPORARY_ERRORS = frozenset({6, 9, 10})


class VkError(Exception):
    """VK answered a call with an error: its code, and its message."""

    def __init__(self, method: str, code: int, message: str) -> None:
        super().__init__(f"{method}: VK error {code}: {message}")
        self.method = method
        self.code = code
        self.message = message

    @property
    def temporary(self) -> bool:
        """Whether the same call may succeed later."""
        return self.code in TEMPORARY_ERRORS


class VkUnavailable(Exception):
    """The call did not get an answer from VK (no connection, a timeout, an HTTP error): try again later."""


@dataclass(frozen=True)
class LongPollServer:
    """Where and with which key a community's long poll asks for events, and from which ``ts``."""

    server: str
    key: str
    ts: str


class CommunityApi:
    """The VK API as one community's token sees it."""

    def __init__(self, token: str, base_url: str, timeout: float) -> None:
        self._vk = vk_api.VkApiGroup(
            token=token, api_version=API_VERSION, session=ApiSession(base_url, timeout), config=MemoryConfig
        )
        self._vk.error_handlers.pop(TOO_MANY_RPS_CODE, None)

    async def call(self, method: str, **values: Any) -> Any:  # noqa: ANN401 - VK's answers are JSON
        """Call ``method``; VkError if VK refuses, VkUnavailable if it does not answer."""
        return await asyncio.to_thread(self._call, method, values)

    def _call(self, method: str, values: dict[str, Any]) -> Any:  # noqa: ANN401
        try:
            return self._vk.method(method, values)
        except ApiError as error:
            # The error's request parameters hold the token: only its code and message are kept.
            raise VkError(method, int(error.code), str(error.error.get("error_msg", ""))) from None
        except ApiHttpError as error:
            raise VkUnavailable(f"{method}: HTTP {error.response.status_code}") from None
        except (requests.RequestException, ValueError, KeyError) as error:
            raise VkUnavailable(f"{method}: {type(error).__name__}") from None

    async def user_names(self, user_ids: list[int]) -> dict[int, str]:
        """The first and last names of users, by id; users VK does not return are left out."""
        answer = await self.call("users.get", user_ids=",".join(map(str, user_ids)))
        names = {}
        for user in answer if isinstance(answer, list) else []:
            if isinstance(user, dict) and isinstance(user.get("id"), int):
                parts = (user.get("first_name"), user.get("last_name"))
                names[user["id"]] = " ".join(p for p in parts if isinstance(p, str) and p).strip()
        return names

    async def send(self, peer_id: int, random_id: int, text: str) -> int:
        """Send a message; VK answers a ``random_id`` it has seen with the message it already sent."""
        answer = await self.call("messages.send", peer_id=peer_id, random_id=random_id, message=text)
        return int(answer) if isinstance(answer, int) else 0

    async def long_poll_server(self, group_id: int) -> LongPollServer:
        """A new long poll key for the community, with the server and the current ``ts``."""
        answer = await self.call("groups.getLongPollServer", group_id=group_id)
        try:
            return LongPollServer(server=str(answer["server"]), key=str(answer["key"]), ts=str(answer["ts"]))
        except (KeyError, TypeError):
            raise VkUnavailable("groups.getLongPollServer: an answer without server, key and ts") from None

    async def community_name(self, group_id: int) -> str:
        """The community's own name: asking for it proves the token works."""
        answer = await self.call("groups.getById", group_id=group_id)
        groups = answer.get("groups") if isinstance(answer, dict) else answer
        if isinstance(groups, list) and groups and isinstance(groups[0], dict):
            return str(groups[0].get("name", ""))
        return ""
