"""What a console command works with: the event store, the read models' pool, the permission rule, the phone region.

One per gateway, so a command over the socket is checked by the same rule, and reads phones in the same
region, as the REST route that does the same.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg

from application.event_store import EventStore
from services.console.accounts import Operator
from services.console.sales_access import SalesAccess


@dataclass(frozen=True)
class Desk:
    """The gateway's parts a console command uses."""

    store: EventStore
    pool: asyncpg.Pool
    sales: SalesAccess
    default_phone_region: str = ""


Command = Callable[[Desk, Operator, dict[str, Any]], Awaitable[dict[str, Any]]]
