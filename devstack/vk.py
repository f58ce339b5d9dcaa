"""A local server that speaks VK's documented wire format, for the tests and the benchmark (``LocalVk``).

- ``POST /method/{name}`` with form fields, as vk-api sends them: ``{"response": ...}``, or
  ``{"error": {"error_code", "error_msg"}}``. ``users.get``, ``messages.send`` (a ``random_id`` seen
  before answers the message already sent, as VK does), ``groups.getLongPollServer``, ``groups.getById``.
- ``GET /lp/{group_id}?act=a_check&key&ts&wait``: ``{"ts", "updates"}``, or ``{"failed": n}``.
- ``GET /files/{name}``: the bytes of a file a message carries.

Runs in threads of its own, so a service process and the test's event loop can both use it.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from devstack.ports import free_port


@dataclass
class Sent:
    """A message the community sent through ``messages.send``."""

    group_id: int
    peer_id: int
    random_id: int
    text: str
    message_id: int


@dataclass
class Community:
    """One community as the fake VK knows it: its token, long poll state and events."""

    group_id: int
    token: str
    name: str = "Shop"
    key: str = "key-1"
    events: list[dict[str, Any]] = field(default_factory=list)
    first_kept: int = 0  # events before this ts are gone from the long poll's history
    failures: list[dict[str, Any]] = field(default_factory=list)  # answers given before the next a_check


class LocalVk:
    """VK's API, long poll and file servers, with what they were asked and sent."""

    def __init__(self) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.api_url = f"{self.base}/method"
        self.communities: dict[int, Community] = {}
        self.users: dict[int, tuple[str, str]] = {}
        self.files: dict[str, bytes | int] = {}  # a name's bytes, or the HTTP status it answers
        self.sent: list[Sent] = []
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.send_errors: list[int] = []  # error codes the next messages.send calls answer, in order
        self.refusing_peers: set[int] = set()  # peers that have not allowed messages (error 901)
        self.send_delay = 0.0
        self.changed = threading.Condition()
        self._message_ids = itertools.count(1000)
        self._sent_by_random_id: dict[tuple[int, int], Sent] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._server.daemon_threads = True

    # What the tests set up and look at ------------------------------------------------------------

    def community(self, group_id: int, token: str, name: str = "Shop") -> Community:
        """Add a community that ``token`` acts for."""
        community = Community(group_id, token, name)
        self.communities[group_id] = community
        return community

    def push(self, group_id: int, *events: dict[str, Any]) -> None:
        """New events on a community's long poll."""
        with self.changed:
            self.communities[group_id].events.extend(events)
            self.changed.notify_all()

    def fail_next_check(self, group_id: int, answer: dict[str, Any]) -> None:
        """Answer the community's next long poll request with ``answer`` (a ``{"failed": n}``)."""
        with self.changed:
            self.communities[group_id].failures.append(answer)

    def forget_history(self, group_id: int) -> None:
        """Drop every event so far from the long poll's history, as VK does with old ones."""
        with self.changed:
            community = self.communities[group_id]
            community.first_kept = len(community.events)

    def new_key(self, group_id: int) -> None:
        """Expire the community's long poll key: requests with the old one get ``{"failed": 2}``."""
        with self.changed:
            community = self.communities[group_id]
            community.key = f"key-{int(community.key.rsplit('-', 1)[1]) + 1}"
            self.changed.notify_all()

    def calls_of(self, method: str) -> list[dict[str, str]]:
        """The parameters of every call of ``method`` so far."""
        with self.changed:
            return [values for name, values in self.calls if name == method]

    def wait_for_sent(self, count: int, timeout: float = 30.0) -> list[Sent]:
        """The messages sent, once there are ``count``; TimeoutError otherwise."""
        with self.changed:
            if not self.changed.wait_for(lambda: len(self.sent) >= count, timeout):
                msg = f"{len(self.sent)} messages sent, not {count}, within {timeout} s"
                raise TimeoutError(msg)
            return list(self.sent)

    def wait_for_calls(self, method: str, count: int, timeout: float = 30.0) -> None:
        """Return once ``method`` was called ``count`` times; TimeoutError otherwise."""
        with self.changed:
            done = self.changed.wait_for(lambda: sum(1 for n, _ in self.calls if n == method) >= count, timeout)
            if not done:
                msg = f"{method} was not called {count} times within {timeout} s"
                raise TimeoutError(msg)

    @contextmanager
    def running(self) -> Iterator[LocalVk]:
        """Serve until the block ends."""
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()

    # The API ---------------------------------------------------------------------------------------

    def _method(self, name: str, values: dict[str, str]) -> dict[str, Any]:
        with self.changed:
            self.calls.append((name, values))
            self.changed.notify_all()
        community = next((c for c in self.communities.values() if c.token == values.get("access_token")), None)
        if community is None:
            return _error(5, "User authorization failed: invalid access_token (4).")
        methods: dict[str, Callable[[Community, dict[str, str]], dict[str, Any]]] = {
            "users.get": self._users_get,
            "messages.send": self._messages_send,
            "groups.getLongPollServer": self._long_poll_server,
            "groups.getById": lambda c, _: {"response": {"groups": [{"id": c.group_id, "name": c.name}]}},
        }
        method = methods.get(name)
        if method is None:
            return _error(3, "Unknown method passed.")
        return method(community, values)

    def _users_get(self, _: Community, values: dict[str, str]) -> dict[str, Any]:
        ids = [int(i) for i in values.get("user_ids", "").split(",") if i]
        known = [(i, self.users[i]) for i in ids if i in self.users]
        return {"response": [{"id": i, "first_name": first, "last_name": last} for i, (first, last) in known]}

    def _messages_send(self, community: Community, values: dict[str, str]) -> dict[str, Any]:
        if self.send_delay:
            time.sleep(self.send_delay)
        peer_id, random_id = int(values["peer_id"]), int(values.get("random_id", "0"))
        with self.changed:
            if self.send_errors:
                code = self.send_errors.pop(0)
                return _error(code, {6: "Too many requests per second", 9: "Flood control"}.get(code, "Error"))
            if peer_id in self.refusing_peers:
                return _error(901, "Can't send messages for users without permission")
            if not values.get("message"):
                return _error(100, "One of the parameters specified was missing or invalid: message is empty")
            earlier = self._sent_by_random_id.get((community.group_id, random_id)) if random_id else None
            if earlier is not None:
                return {"response": earlier.message_id}
            sent = Sent(community.group_id, peer_id, random_id, values["message"], next(self._message_ids))
            self.sent.append(sent)
            self._sent_by_random_id[(community.group_id, random_id)] = sent
            self.changed.notify_all()
            return {"response": sent.message_id}

    def _long_poll_server(self, community: Community, values: dict[str, str]) -> dict[str, Any]:
        if int(values.get("group_id", "0")) != community.group_id:
            return _error(100, "One of the parameters specified was missing or invalid: group_id")
        with self.changed:
            ts = len(community.events)
        server = f"{self.base}/lp/{community.group_id}"
        return {"response": {"key": community.key, "server": server, "ts": str(ts)}}

    def _check(self, group_id: int, query: dict[str, str]) -> dict[str, Any]:
        community = self.communities[group_id]
        with self.changed:
            if community.failures:
                return community.failures.pop(0)
            if query.get("key") != community.key:
                return {"failed": 2}
            ts = int(query.get("ts", "0"))
            if ts < community.first_kept:
                return {"failed": 1, "ts": str(community.first_kept)}
            wait = min(float(query.get("wait", "25")), 90.0)
            self.changed.wait_for(lambda: len(community.events) > ts or community.key != query.get("key"), wait)
            if query.get("key") != community.key:
                return {"failed": 2}
            updates = community.events[ts:]
            return {"ts": str(ts + len(updates)), "updates": updates}

    def _get(self, path: str, query: dict[str, str]) -> tuple[int, bytes, str]:
        if path.startswith("/lp/"):
            return 200, json.dumps(self._check(int(path.removeprefix("/lp/")), query)).encode(), "application/json"
        if path.startswith("/files/"):
            content = self.files.get(path.removeprefix("/files/"), 404)
            if isinstance(content, int):
                return content, b"", "text/plain"
            return 200, content, "application/octet-stream"
        return 404, b"not found", "text/plain"

    def _post(self, path: str, form: dict[str, str]) -> tuple[int, bytes, str]:
        if not path.startswith("/method/"):
            return 404, b"not found", "text/plain"
        return 200, json.dumps(self._method(path.removeprefix("/method/"), form)).encode(), "application/json"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        vk = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                self._answer(*vk._post(urlsplit(self.path).path, form))

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                self._answer(*vk._get(url.path, {k: v[0] for k, v in parse_qs(url.query).items()}))

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # a long poll given up by its client

        return Handler


def _error(code: int, message: str) -> dict[str, Any]:
    return {"error": {"error_code": code, "error_msg": message, "request_params": []}}
