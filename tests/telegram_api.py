"""A local server that speaks the Telegram Bot API's wire format, for python-telegram-bot to talk to.

It serves ``/bot<TOKEN>/<method>`` and ``/file/bot<TOKEN>/<path>`` as Telegram does (answers
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": ..., "description": ...}``), for
the methods the channel uses: getMe, getUpdates (offsets and long polling), getFile and the file
download, sendMessage, sendDocument. Tests queue updates, files and failures (429 with ``retry_after``, 403 for a
customer who blocked the bot, a send that never answers) and read what was sent. It runs in a
thread of its own, so services in other processes and tests on their own event loop can use it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import default
from typing import Any, Self
from urllib.parse import parse_qs

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devstack.ports import free_port


@dataclass(frozen=True)
class Sent:
    """A message a bot sent, as the server took it."""

    token: str
    chat_id: int
    text: str
    # A document sent (sendDocument): its name and bytes; the text is then its caption.
    filename: str = ""
    content: bytes = b""


@dataclass
class _Bot:
    token: str
    updates: list[dict[str, Any]] = field(default_factory=list)
    confirmed: int = 0  # every update below this id was confirmed by an offset and is gone


class FakeBotApi:
    """The Bot API for some bots, on 127.0.0.1, started and stopped by the test."""

    def __init__(self, *tokens: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._bots = {token: _Bot(token) for token in tokens}
        self._files: dict[str, bytes] = {}
        self._lock = threading.Condition()
        self._update_ids = itertools.count(100_000)
        self._message_ids = itertools.count(1)
        self.sent: list[Sent] = []
        self.calls: list[str] = []
        self.blocked: set[int] = set()
        self.floods: list[float] = []  # retry_after of the next sendMessage calls, one each
        self.stalled: set[int] = set()  # chats whose sendMessage is taken and never answered
        self._loop: asyncio.AbstractEventLoop | None = None
        self._arrived: asyncio.Event | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._method, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self._download, methods=["GET"]),
            ]
        )
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None, access_log=False)
        self._server = uvicorn.Server(config)
        started = threading.Event()

        def serve() -> None:
            async def main() -> None:
                self._loop = asyncio.get_running_loop()
                self._arrived = asyncio.Event()
                assert self._server is not None
                serving = asyncio.create_task(self._server.serve())
                while not self._server.started:
                    await asyncio.sleep(0.01)
                started.set()
                await serving

            asyncio.run(main())

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        assert started.wait(10), "the fake Bot API did not start"
        return self

    def __exit__(self, *_: object) -> None:
        assert self._server is not None
        assert self._thread is not None
        self._server.should_exit = True
        self._server.force_exit = True  # a stalled send is never answered: its connection is not waited for
        self._thread.join(10)
        assert not self._thread.is_alive(), "the fake Bot API did not stop"

    # What tests do.

    def add_update(self, token: str, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; its update_id is given here unless it has one."""
        with self._lock:
            update = {"update_id": next(self._update_ids), **update}
            self._bots[token].updates.append(update)
        self._wake()
        return int(update["update_id"])

    def add_file(self, file_id: str, content: bytes) -> None:
        """A file getFile can find and the download serves."""
        with self._lock:
            self._files[file_id] = content

    def pending(self, token: str) -> list[int]:
        """Ids of the updates not yet confirmed by an offset."""
        with self._lock:
            return [u["update_id"] for u in self._bots[token].updates]

    def wait_for_sent(self, count: int, timeout: float = 30.0) -> list[Sent]:
        """The messages sent, once there are at least ``count``."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.sent) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    msg = f"waited {timeout:.0f}s for {count} sent messages, got {len(self.sent)}: {self.sent}"
                    raise TimeoutError(msg)
                self._lock.wait(left)
            return list(self.sent)

    def message(
        self, chat_id: int, text: str | None, *, message_id: int | None = None, **fields: Any
    ) -> dict[str, Any]:
        """A customer's message in a private chat, as an update's ``message`` (without text when None)."""
        message = {
            "message_id": message_id or next(self._message_ids),
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ivan", "last_name": "Petrov"},
            "chat": {"id": chat_id, "type": "private", "first_name": "Ivan"},
            "date": int(time.time()),
            "text": text,
            **fields,
        }
        return {key: value for key, value in message.items() if value is not None}

    # The wire format.

    def _wake(self) -> None:
        if self._loop is not None and self._arrived is not None:
            self._loop.call_soon_threadsafe(self._arrived.set)

    async def _method(self, request: Request) -> Response:
        token, method = request.path_params["token"], request.path_params["method"]
        params = await _params(request)
        with self._lock:
            self.calls.append(method)
        if token not in self._bots:
            return _error(401, "Unauthorized")
        if method == "getMe":
            return _ok({"id": 1, "is_bot": True, "first_name": "Shop", "username": "shop_bot"})
        if method == "getUpdates":
            return _ok(await self._get_updates(token, params))
        if method == "getFile":
            return self._get_file(params)
        if method in {"sendMessage", "sendDocument"}:
            return await (self._send if method == "sendMessage" else self._send_document)(token, params)
        return _error(404, "Not Found: method not found")

    async def _get_updates(self, token: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        assert self._arrived is not None
        while True:
            with self._lock:
                bot = self._bots[token]
                if offset:
                    # An offset confirms every update before it: Telegram forgets them.
                    bot.updates = [u for u in bot.updates if u["update_id"] >= offset]
                    bot.confirmed = max(bot.confirmed, offset)
                    self._lock.notify_all()
                if bot.updates or time.monotonic() >= deadline:
                    return bot.updates[:limit]
                self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                continue

    def _get_file(self, params: dict[str, Any]) -> Response:
        file_id = str(params.get("file_id"))
        with self._lock:
            content = self._files.get(file_id)
        if content is None:
            return _error(400, "Bad Request: invalid file_id")
        return _ok(
            {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_size": len(content),
                "file_path": f"files/{file_id}",
            }
        )

    async def _download(self, request: Request) -> Response:
        file_id = request.path_params["path"].removeprefix("files/")
        with self._lock:
            content = self._files.get(file_id)
        return (
            Response(content, media_type="application/octet-stream")
            if content is not None
            else Response(status_code=404)
        )

    async def _send(self, token: str, params: dict[str, Any]) -> Response:
        chat_id, text = int(params["chat_id"]), str(params["text"])
        with self._lock:
            if self.floods:
                retry_after = self.floods.pop(0)
                return _error(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
            if chat_id in self.blocked:
                return _error(403, "Forbidden: bot was blocked by the user")
            if len(text) > 4096:
                return _error(400, "Bad Request: message is too long")
            self.sent.append(Sent(token, chat_id, text))
            self._lock.notify_all()
            stalled = chat_id in self.stalled
        if stalled:
            await asyncio.Event().wait()  # taken, and never answered: the sender cannot know
        message_id = next(self._message_ids)
        return _ok(
            {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "text": text,
            }
        )

    async def _send_document(self, token: str, params: dict[str, Any]) -> Response:
        chat_id = int(params["chat_id"])
        filename, content = params.get("document") or ("", b"")
        with self._lock:
            if chat_id in self.blocked:
                return _error(403, "Forbidden: bot was blocked by the user")
            if not content:
                return _error(400, "Bad Request: there is no document in the request")
            self.sent.append(Sent(token, chat_id, str(params.get("caption") or ""), filename, content))
            self._lock.notify_all()
        return _ok(
            {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "document": {"file_id": f"sent{len(content)}", "file_unique_id": "s", "file_name": filename},
            }
        )


async def _params(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        return _multipart(content_type, await request.body())
    if content_type.startswith("application/json"):
        data: dict[str, Any] = json.loads(await request.body() or b"{}")
        return data
    # python-telegram-bot posts its parameters form-encoded, each non-string value as JSON.
    form = parse_qs((await request.body()).decode(), keep_blank_values=True)
    return {key: values[-1] for key, values in form.items()} | dict(request.query_params)


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """A multipart form's fields: text as str, a file as (filename, bytes)."""
    message = BytesParser(policy=default).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        fields[str(name)] = (filename, payload) if filename is not None else payload.decode()
    return fields


def _ok(result: object) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def _error(code: int, description: str, parameters: dict[str, Any] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return JSONResponse(body, status_code=code)
