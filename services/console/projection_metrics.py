"""The projections in /metrics: each read model's position and lag behind the log, its rate, and a replay's progress."""

from __future__ import annotations

import time

import asyncpg

from services.projections import event_log, versions
from services.projections.read_models import READ_MODELS
from services.projections.schema import LIVE_SCHEMA
from services.projections.tracking import PROJECTION, load_position

# The previous scrape's (time, position), to tell the events applied per second since.
_last: dict[str, tuple[float, int]] = {}


async def projection_lines(pool: asyncpg.Pool) -> list[str]:
    """The projection and replay metrics as Prometheus text lines."""
    head = await event_log.head(pool)
    position = 0
    if await pool.fetchval("SELECT to_regclass($1)", f"{LIVE_SCHEMA}.position") is not None:
        position = (await load_position(pool, LIVE_SCHEMA)).notification_id
    rate = _rate(PROJECTION, position)
    lines = [
        "# HELP switchboard_event_log_head The last notification id of the event store's log.",
        "# TYPE switchboard_event_log_head gauge",
        f"switchboard_event_log_head {head}",
        "# HELP switchboard_read_model_position The last event of the log each live read model has applied.",
        "# TYPE switchboard_read_model_position gauge",
        *(f'switchboard_read_model_position{{read_model="{m.name}"}} {position}' for m in READ_MODELS),
        "# HELP switchboard_read_model_lag_events Events of the log each live read model has still to apply.",
        "# TYPE switchboard_read_model_lag_events gauge",
        *(f'switchboard_read_model_lag_events{{read_model="{m.name}"}} {max(head - position, 0)}' for m in READ_MODELS),
        "# HELP switchboard_projection_events_per_second Events the live projection applied per second lately.",
        "# TYPE switchboard_projection_events_per_second gauge",
        f"switchboard_projection_events_per_second {rate:.1f}",
    ]
    return lines + await _replay_lines(pool)


async def _replay_lines(pool: asyncpg.Pool) -> list[str]:
    under_way = await versions.checkpoint(pool)
    lines = [
        "# HELP switchboard_replay_running Whether a replay is building a next version of read models.",
        "# TYPE switchboard_replay_running gauge",
        f"switchboard_replay_running {int(under_way is not None)}",
    ]
    if under_way is None:
        return lines
    label = f'read_models="{",".join(under_way.read_models)}"'
    rate = await pool.fetchval(f"SELECT events_per_second FROM {versions.NEXT_SCHEMA}.replay")  # noqa: S608
    share = under_way.notification_id / under_way.target if under_way.target else 0.0
    return [
        *lines,
        "# HELP switchboard_replay_position The last event of the log the replay has applied to the next version.",
        "# TYPE switchboard_replay_position gauge",
        f"switchboard_replay_position{{{label}}} {under_way.notification_id}",
        "# HELP switchboard_replay_target The head of the log the replay is catching up with.",
        "# TYPE switchboard_replay_target gauge",
        f"switchboard_replay_target{{{label}}} {under_way.target}",
        "# HELP switchboard_replay_progress_ratio The share of the log the replay has applied (0 to 1).",
        "# TYPE switchboard_replay_progress_ratio gauge",
        f"switchboard_replay_progress_ratio{{{label}}} {min(share, 1.0):.4f}",
        "# HELP switchboard_replay_events_per_second The replay's rate since it started.",
        "# TYPE switchboard_replay_events_per_second gauge",
        f"switchboard_replay_events_per_second{{{label}}} {float(rate or 0):.1f}",
    ]


def _rate(name: str, position: int) -> float:
    now = time.monotonic()
    before = _last.get(name)
    _last[name] = (now, position)
    if before is None or now <= before[0] or position < before[1]:
        return 0.0
    return (position - before[1]) / (now - before[0])
