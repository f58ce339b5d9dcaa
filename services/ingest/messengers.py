"""The messenger channels (Telegram bots, VK communities) and web forms: one webhook server and their pollers.

Each messenger's module gives the routes it serves on ``webhooks_port`` and the tasks that run
beside them (long polling, reply delivery). Web forms are served whatever is configured, since
admins define them while the system runs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator, Sequence

import asyncpg
import structlog
import uvicorn
from starlette.applications import Starlette

from services.ingest.delivery_rows import ReportOutcome
from services.ingest.forms import start_forms
from services.ingest.messenger_parts import Messenger, Publish, Starter, Task
from services.ingest.telegram import start_telegram
from services.ingest.vk import start_vk
from services.settings import Settings

log = structlog.get_logger()

__all__ = ["Messenger", "Publish", "Starter", "Task", "run_messengers", "starters"]


def starters() -> list[Starter]:
    """Every messenger channel, each returning what its configured bots or communities run."""
    return [start_telegram, start_vk, start_forms]


class _Server(uvicorn.Server):
    """Uvicorn without its own signal handling: the process's stop event rules."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def run_messengers(  # noqa: PLR0913 - what the channels publish with, and what else the server carries
    settings: Settings,
    pool: asyncpg.Pool,
    publish: Publish,
    report: ReportOutcome,
    stop: asyncio.Event,
    also: Sequence[Messenger] = (),
) -> None:
    """Serve the messengers' webhooks (and ``also``'s routes, the telephone lines') until ``stop`` is set."""
    messengers = [m for start in starters() for m in await start(settings, pool, publish, report)]
    messengers += also
    routes = [route for m in messengers for route in m.routes]
    tasks = [asyncio.create_task(task(stop)) for m in messengers for task in m.tasks]
    serving = None
    if routes:
        config = uvicorn.Config(
            Starlette(routes=routes),
            host=settings.http_host,
            port=settings.webhooks_port,
            proxy_headers=False,
            server_header=False,
            log_config=None,
            access_log=False,
            lifespan="off",
        )
        server = _Server(config)
        serving = asyncio.create_task(server.serve())
        log.info("messenger_webhooks_serving", port=settings.webhooks_port, messengers=[m.name for m in messengers])
    try:
        if tasks or serving is not None:
            await stop.wait()
    finally:
        if serving is not None:
            server.should_exit = True  # lets requests in flight finish: their updates are on Kafka or not answered
            await asyncio.gather(serving, return_exceptions=True)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # Only now, with nothing left to use them, are the shared clients closed.
        await asyncio.gather(*(close() for m in messengers for close in m.closing), return_exceptions=True)
