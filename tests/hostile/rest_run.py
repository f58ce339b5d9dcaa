"""Sending the REST corpus, a few requests at a time; large bodies over a plain socket.

A server that answers 413 before reading a large body may close the connection while the client is
still writing; an HTTP client that writes the whole body before reading would see a broken pipe
instead of the answer. Large and streamed bodies therefore go over a socket that reads while it writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.hostile.corpus import Case, Outcome
from tests.hostile.rest import RestFlood, RestInput

CONCURRENCY = 4
ANSWER_TIMEOUT = 10.0
LARGE = 256 * 1024
WITH_ERROR_BODY = {400, 401, 403, 413, 429}


async def raw_exchange(url: str, data: RestInput, headers: dict[str, bytes]) -> tuple[int, dict[str, str], bytes]:
    """One request with ``Expect: 100-continue``: the body is sent only if the server asks for it.

    A server that refuses a body on its Content-Length answers before the body is sent, so its
    answer cannot be lost to a connection reset while the client is still writing.
    """
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    body = data.body or b""
    length = data.declared_length if data.declared_length is not None else len(body)
    framing = "Transfer-Encoding: chunked" if data.chunked else f"Content-Length: {length}"
    lines = [f"{data.method} {data.path} HTTP/1.1", f"Host: {parts.netloc}", "Content-Type: application/json", framing]
    if body:
        lines.append("Expect: 100-continue")
    head = [line.encode() for line in lines] + [k.encode() + b": " + v for k, v in headers.items()]
    writer.write(b"\r\n".join(head) + b"\r\n\r\n")
    writing: asyncio.Task[None] | None = None
    try:
        # A server that waits for more than was declared or streamed never answers: a short wait is enough.
        waits_for_more = data.declared_length is not None or data.chunked
        async with asyncio.timeout(3.0 if waits_for_more else ANSWER_TIMEOUT):
            status, answer_headers = await _head(reader)
            if status == 100 and body:
                writing = asyncio.create_task(_write_body(writer, body, chunked=data.chunked))
                status, answer_headers = await _head(reader)
            size = int(answer_headers.get("content-length", "0"))
            answer_body = await reader.readexactly(size) if size else b""
        return status, answer_headers, answer_body
    finally:
        if writing is not None:
            writing.cancel()
        writer.close()


async def _head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    """A response's status and headers; status 0 when the server closed without one."""
    status_line = await reader.readline()
    if not status_line:
        return 0, {}
    headers = {}
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers


async def _write_body(writer: asyncio.StreamWriter, body: bytes, *, chunked: bool) -> None:
    """The body; a chunked one is left open (no last chunk): its server must answer on what it has read."""
    with contextlib.suppress(OSError):
        for start in range(0, len(body), 4096):
            chunk = body[start : start + 4096]
            writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk)
            await writer.drain()


def judge(case: Case, status: int, headers: dict[str, str], body: bytes) -> Outcome:
    """``status N``, and whether the error body and headers are as the contract says."""
    got = f"status {status}"
    if status not in WITH_ERROR_BODY:
        return Outcome(case, got)
    try:
        error = json.loads(body).get("error")
    except (ValueError, AttributeError):
        return Outcome(case, got, f"body is not JSON with 'error': {body[:60]!r}")
    if not isinstance(error, str) or not error:
        return Outcome(case, got, "no 'error' message")
    if status == 400 and case.names_field and case.names_field not in error:
        return Outcome(case, got, f"error does not name '{case.names_field}': {error[:80]!r}")
    if status == 429 and "retry-after" not in headers:
        return Outcome(case, got, "no Retry-After header")
    return Outcome(case, got)


class RestRunner:
    """Sends cases to a gateway with the tokens of a director and a manager."""

    def __init__(self, url: str, tokens: dict[str, str], strict_url: str) -> None:
        self.url, self.tokens, self.strict_url = url, tokens, strict_url
        self._gate = asyncio.Semaphore(CONCURRENCY)

    def _headers(self, data: RestInput, number: int) -> dict[str, bytes]:
        # Each case comes from an address of its own (the gateway trusts 127.0.0.1 as a proxy), so the
        # limits per address on logins and history never answer in a case's place.
        client = {"X-Forwarded-For": f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}".encode()}
        if data.auth == "raw":
            return {**data.headers, **client}
        token = self.tokens.get(data.auth)
        return {**client, "Authorization": f"Bearer {token}".encode()} if token else client

    async def one(self, number: int, case: Case, http: httpx.AsyncClient, deadline: float) -> Outcome:  # noqa: PLR0911
        """One case's outcome; a request that could not be made is an outcome too."""
        if time.monotonic() > deadline:
            return Outcome(case, "not run: out of time")
        async with self._gate:
            try:
                if isinstance(case.input, RestFlood):
                    return await self.flood(case, case.input)
                data = case.input
                assert isinstance(data, RestInput)
                headers = self._headers(data, number)
                raw = data.chunked or data.declared_length is not None or data.auth == "raw"
                if raw or len(data.body or b"") > LARGE:
                    status, answer_headers, body = await raw_exchange(self.url, data, headers)
                    if status == 0:
                        return Outcome(case, "closed without an answer")
                    return judge(case, status, answer_headers, body)
                content_type = {"Content-Type": b"application/json"} if data.body is not None else {}
                response = await http.request(
                    data.method, data.path, content=data.body, headers={**headers, **content_type}
                )
                return judge(case, response.status_code, dict(response.headers), response.content)
            except TimeoutError:
                return Outcome(case, "no answer")
            except (httpx.HTTPError, OSError, ValueError, IndexError) as error:
                return Outcome(case, f"failed: {type(error).__name__}: {str(error)[:80]}")

    async def flood(self, case: Case, flood: RestFlood) -> Outcome:
        """The same request many times to the gateway with its default limits: some get 429."""
        async with httpx.AsyncClient(base_url=self.strict_url, timeout=ANSWER_TIMEOUT) as http:
            for _ in range(flood.requests):
                response = await http.request(
                    flood.method, flood.path, content=flood.body, headers={"Content-Type": "application/json"}
                )
                if response.status_code == 429:
                    return judge(case, 429, dict(response.headers), response.content)
        return Outcome(case, f"no 429 in {flood.requests} requests (last: {response.status_code})")


async def run_rest(
    cases: list[Case], url: str, tokens: dict[str, str], strict_url: str, deadline: float
) -> list[Outcome]:
    """Every REST case; at most a few in flight at once."""
    runner = RestRunner(url, tokens, strict_url)
    # A fresh connection per request: a server that drops a connection after a 500 must not fail the next case.
    fresh = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=url, timeout=ANSWER_TIMEOUT, limits=fresh) as http:
        outcomes: list[Any] = await asyncio.gather(
            *(runner.one(number, case, http, deadline) for number, case in enumerate(cases, start=1))
        )
    return outcomes
