"""/metrics: counts for Prometheus, in its text format; nothing secret, no ids of customers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from services.console.health import SERVICES, STALE_AFTER_SECONDS
from services.console.projection_metrics import projection_lines
from services.dead_letters import MAIL_REPLIES, PROJECTIONS, ROUTER, WEBCHAT_REPLIES, waiting_counts
from services.projections.schema import LIVE_SCHEMA, checked

CONSUMERS = (ROUTER, PROJECTIONS, WEBCHAT_REPLIES, MAIL_REPLIES)  # shown at zero too, so an alert has a series
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
UNAVAILABLE = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


async def render(pool: asyncpg.Pool) -> str:
    """The metrics as Prometheus text."""
    lines = [
        "# HELP switchboard_up Whether the gateway could read the database for these metrics.",
        "# TYPE switchboard_up gauge",
    ]
    try:
        dead = dict.fromkeys(CONSUMERS, 0) | await waiting_counts(pool)
        alive = await _instances(pool)
        position = await _position(pool)
        projections = await projection_lines(pool)
    except UNAVAILABLE:
        return "\n".join([*lines, "switchboard_up 0", ""])
    lines += [
        "switchboard_up 1",
        "# HELP switchboard_dead_letters Records set aside and waiting to be re-driven, per consumer.",
        "# TYPE switchboard_dead_letters gauge",
        *(f'switchboard_dead_letters{{consumer="{_label(consumer)}"}} {n}' for consumer, n in sorted(dead.items())),
        "# HELP switchboard_service_instances Processes of each service that sent a heartbeat recently.",
        "# TYPE switchboard_service_instances gauge",
        *(f'switchboard_service_instances{{service="{s}"}} {alive.get(s, 0)}' for s in SERVICES),
        "# HELP switchboard_projection_notification_id The last event the live read models have applied.",
        "# TYPE switchboard_projection_notification_id gauge",
        f"switchboard_projection_notification_id {position}",
        *projections,
        "",
    ]
    return "\n".join(lines)


def metrics_endpoint(pool: Callable[[], asyncpg.Pool]) -> Callable[[Request], Awaitable[Response]]:
    """The GET /metrics route, reading through the gateway's pool once it is open."""

    async def metrics(_: Request) -> Response:
        return PlainTextResponse(await render(pool()), media_type=CONTENT_TYPE)

    return metrics


async def _instances(pool: asyncpg.Pool) -> dict[str, int]:
    if await pool.fetchval("SELECT to_regclass('service_heartbeats')") is None:
        return {}
    rows = await pool.fetch(
        "SELECT service, count(*) AS n FROM service_heartbeats"
        " WHERE beat_at > now() - make_interval(secs => $1) GROUP BY service",
        STALE_AFTER_SECONDS,
    )
    return {row["service"]: int(row["n"]) for row in rows}


async def _position(pool: asyncpg.Pool) -> int:
    if await pool.fetchval("SELECT to_regclass($1)", f"{checked(LIVE_SCHEMA)}.position") is None:
        return 0
    found = await pool.fetchval(f"SELECT max(notification_id) FROM {checked(LIVE_SCHEMA)}.position")  # noqa: S608
    return int(found or 0)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
