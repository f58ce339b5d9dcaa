"""What a messenger channel gives the webhook server: its routes and its tasks.

Apart from ``messengers.py``, which starts every channel, so that a channel's module can build
these without importing the module that imports it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from starlette.routing import BaseRoute

from domain.inbound import InboundMessage
from services.ingest.delivery_rows import ReportOutcome
from services.settings import Settings

Publish = Callable[[InboundMessage], Awaitable[None]]
Task = Callable[[asyncio.Event], Coroutine[Any, Any, None]]
Close = Callable[[], Awaitable[object]]


@dataclass
class Messenger:
    """What one configured messenger runs: webhook routes, and tasks until the stop event.

    ``closing`` frees what the tasks and routes share (HTTP clients, bot sessions). It runs once
    every messenger's tasks have ended and the server has stopped, never beside them: a task still
    finishing its request would meet a closed client and take it for the service being away.
    """

    name: str
    routes: list[BaseRoute] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    closing: list[Close] = field(default_factory=list)


Starter = Callable[[Settings, asyncpg.Pool, Publish, ReportOutcome], Awaitable[list[Messenger]]]
