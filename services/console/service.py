"""The gateway process: serves the console, its websocket and /healthz."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import uvicorn

from services.console.app import build_app
from services.settings import Settings


class _Server(uvicorn.Server):
    """Uvicorn without its own signal handling: the process's stop event rules."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def server(settings: Settings) -> uvicorn.Server:
    """The gateway's HTTP and websocket server, not yet serving."""
    config = uvicorn.Config(
        build_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        ws="websockets-sansio",
        # A bigger frame is refused by the server before it is buffered whole: closed with 1009.
        ws_max_size=settings.console_max_frame_bytes,
        # Off by default: a push to many consoles would be compressed once per socket, each socket with
        # its own compressor's memory, where without it the same encoded frame goes to every socket.
        ws_per_message_deflate=settings.console_compression,
        # Who the client is comes from trusted_proxies alone (services/console/client_address.py);
        # uvicorn would otherwise believe X-Forwarded-For from any local peer.
        proxy_headers=False,
        log_config=None,
        access_log=False,
        # Which server and version answers is nobody's business.
        server_header=False,
        lifespan="on",
    )
    return _Server(config)


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Serve HTTP and websockets until ``stop`` is set."""
    gateway = server(settings)
    serving = asyncio.create_task(gateway.serve())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
    gateway.should_exit = True
    await serving
    stopping.cancel()
