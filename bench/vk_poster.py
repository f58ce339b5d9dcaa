"""Posting events as VK's senders do, over kept-alive HTTP/1.1 connections, cheaply.

A general HTTP client spends more CPU per request than the endpoint it measures; on a shared machine
that would be the figure. This writes each request and reads each answer by hand: the status, the
headers up to ``Content-Length``, the body.
"""

from __future__ import annotations

import asyncio


class Poster:
    """One kept-alive connection posting JSON bodies to one path."""

    def __init__(self, host: str, port: int, path: str) -> None:
        self._host, self._port, self._path = host, port, path
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes) -> tuple[int, bytes]:
        """The status and body of the answer to posting ``body``."""
        if self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        assert self._reader is not None
        head = (
            f"POST {self._path} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self._writer.write(head.encode() + body)
        status = int((await self._reader.readline()).split()[1])
        length = 0
        while (line := await self._reader.readline()) not in {b"\r\n", b""}:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self._reader.readexactly(length)

    async def close(self) -> None:
        """Close the connection."""
        if self._writer is not None:
            self._writer.close()
