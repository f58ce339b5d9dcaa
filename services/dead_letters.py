"""Dead letters: records a consumer could not process, set aside with their error so the rest flows on.

A letter keeps the record as it was read (topic, partition, offset, key and value bytes), the last
error, how often it was tried and when. It waits until ops re-drive it (``switchboard dead-letters``).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog
from aiokafka.structs import ConsumerRecord

from services.tables import Connection, ensure_tables

log = structlog.get_logger()

ROUTER = "router"
PROJECTIONS = "projections"
WEBCHAT_REPLIES = "webchat-replies"
MAIL_REPLIES = "mail-replies"
# The relay from the event store to domain-events: an event too large for a Kafka record.
OUTBOX_RELAY = "outbox-relay"
# A record re-driven from a letter carries its id, so failing again updates that letter.
REDRIVE_HEADER = "switchboard-redrive-of"

MAX_ERROR_LENGTH = 2000

TABLES = """
CREATE TABLE IF NOT EXISTS dead_letters (
    id bigserial PRIMARY KEY,
    consumer text NOT NULL,
    topic text NOT NULL,
    partition integer NOT NULL,
    kafka_offset bigint NOT NULL,
    key bytea,
    value bytea,
    error_type text NOT NULL,
    error text NOT NULL,
    attempts integer NOT NULL,
    first_failed_at timestamptz NOT NULL,
    last_failed_at timestamptz NOT NULL,
    set_aside_at timestamptz NOT NULL DEFAULT now(),
    redriven_at timestamptz,
    redriven_by text,
    UNIQUE (consumer, topic, partition, kafka_offset)
);
CREATE INDEX IF NOT EXISTS dead_letters_waiting ON dead_letters (consumer) WHERE redriven_at IS NULL;
"""

_CREDENTIALS_IN_URL = re.compile(r"(\w+://)[^/@\s]+@")
_SECRET_SETTING = re.compile(r"(?i)\b(password|passwd|secret|token|api_key)(\s*[=:]\s*)\S+")


@dataclass(frozen=True)
class Retrying:
    """How often a record that fails on its own is tried before it is set aside, and the first pause."""

    attempts: int = 3
    backoff_seconds: float = 0.1

    async def pause(self, attempt: int) -> None:
        """Wait before the try after ``attempt``: the first pause, doubling each time."""
        await asyncio.sleep(self.backoff_seconds * 2 ** (attempt - 1))


@dataclass(frozen=True)
class Failure:
    """Why a record was set aside: the last error, how many attempts, since when."""

    error_type: str
    error: str
    attempts: int
    first_failed_at: datetime

    @classmethod
    def of(cls, error: BaseException, attempts: int = 1, first_failed_at: datetime | None = None) -> Failure:
        """The failure ``error`` describes, its message cleaned of anything secret."""
        return cls(type(error).__name__, safe_message(error), attempts, first_failed_at or datetime.now(tz=UTC))


@dataclass(frozen=True)
class Letter:
    """One record set aside."""

    id: int
    consumer: str
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    error_type: str
    error: str
    attempts: int
    first_failed_at: datetime
    last_failed_at: datetime
    set_aside_at: datetime
    redriven_at: datetime | None
    redriven_by: str | None

    def as_dict(self) -> dict[str, Any]:
        """The letter as plain data for ops, the value shown as text where it is UTF-8."""
        return {
            "id": self.id,
            "consumer": self.consumer,
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "key": _shown(self.key),
            "value": _shown(self.value),
            "error_type": self.error_type,
            "error": self.error,
            "attempts": self.attempts,
            "first_failed_at": self.first_failed_at.isoformat(),
            "last_failed_at": self.last_failed_at.isoformat(),
            "set_aside_at": self.set_aside_at.isoformat(),
            "redriven_at": self.redriven_at.isoformat() if self.redriven_at else None,
            "redriven_by": self.redriven_by,
        }


def safe_message(error: BaseException) -> str:
    """An error's message fit to store and show: no credentials, no NUL, no lone surrogate, bounded."""
    text = str(error) or type(error).__name__
    text = _CREDENTIALS_IN_URL.sub(r"\1***@", text)
    text = _SECRET_SETTING.sub(r"\1\2***", text)
    text = text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\\0")
    return text[:MAX_ERROR_LENGTH]


async def create_dead_letters(pool: asyncpg.Pool) -> None:
    """Create the dead-letter table if it is missing (every consumer that sets aside calls this)."""
    await ensure_tables(pool, TABLES)


def redrive_of(record: ConsumerRecord[Any, Any]) -> int | None:
    """The letter a re-driven record came from, if any."""
    for name, raw in record.headers or ():
        if name == REDRIVE_HEADER:
            try:
                return int(bytes(raw).decode())
            except ValueError:
                return None
    return None


async def set_aside(
    conn: Connection | asyncpg.Pool, consumer: str, record: ConsumerRecord[Any, Any], failure: Failure
) -> int:
    """Keep ``record`` with its failure; returns the letter's id.

    Setting the same record aside twice (read again after a crash) updates one letter; a re-driven
    record that fails again puts its new error on the letter it came from, which waits again.
    """
    previous = redrive_of(record)
    if previous is not None:
        found = await conn.fetchval(
            "UPDATE dead_letters SET error_type = $3, error = $4, attempts = attempts + $5, last_failed_at = now(),"
            " redriven_at = NULL, redriven_by = NULL WHERE id = $1 AND consumer = $2 RETURNING id",
            previous,
            consumer,
            failure.error_type,
            failure.error,
            failure.attempts,
        )
        if found is not None:
            return int(found)
    letter_id = await conn.fetchval(
        "INSERT INTO dead_letters (consumer, topic, partition, kafka_offset, key, value, error_type, error, attempts,"
        " first_failed_at, last_failed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())"
        " ON CONFLICT (consumer, topic, partition, kafka_offset) DO UPDATE SET error_type = EXCLUDED.error_type,"
        " error = EXCLUDED.error, attempts = dead_letters.attempts + EXCLUDED.attempts, last_failed_at = now()"
        " RETURNING id",
        consumer,
        record.topic,
        record.partition,
        record.offset,
        _bytes(record.key),
        _bytes(record.value),
        failure.error_type,
        failure.error,
        failure.attempts,
        failure.first_failed_at,
    )
    return int(letter_id)


def log_set_aside(
    consumer: str, letter_id: int | None, record: ConsumerRecord[Any, Any], failure: Failure, **ids: object
) -> None:
    """One log line for a record set aside, with the ids that let ops follow it (``ids``)."""
    log.warning(
        "record_set_aside",
        consumer=consumer,
        letter_id=letter_id,
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        error_type=failure.error_type,
        error=failure.error,
        attempts=failure.attempts,
        **ids,
    )


async def letters(
    pool: asyncpg.Pool, *, consumer: str | None = None, letter_id: int | None = None, waiting_only: bool = True
) -> list[Letter]:
    """Letters in the order they were set aside: all waiting ones, one consumer's, or one by id."""
    if await pool.fetchval("SELECT to_regclass('dead_letters')") is None:
        return []
    rows = await pool.fetch(
        "SELECT * FROM dead_letters WHERE ($1::text IS NULL OR consumer = $1) AND ($2::bigint IS NULL OR id = $2)"
        " AND (NOT $3::boolean OR redriven_at IS NULL) ORDER BY id",
        consumer,
        letter_id,
        waiting_only,
    )
    return [_letter(row) for row in rows]


async def waiting_counts(conn: Connection | asyncpg.Pool) -> dict[str, int]:
    """How many letters wait, per consumer (none while no consumer has made the table)."""
    if await conn.fetchval("SELECT to_regclass('dead_letters')") is None:
        return {}
    rows = await conn.fetch(
        "SELECT consumer, count(*) AS n FROM dead_letters WHERE redriven_at IS NULL GROUP BY consumer ORDER BY consumer"
    )
    return {row["consumer"]: int(row["n"]) for row in rows}


async def mark_redriven(conn: Connection | asyncpg.Pool, letter_id: int, by: str) -> None:
    """Record that a letter was re-driven, when and by whom."""
    await conn.execute("UPDATE dead_letters SET redriven_at = now(), redriven_by = $2 WHERE id = $1", letter_id, by)


async def failed_again(conn: Connection | asyncpg.Pool, letter_id: int, failure: Failure) -> None:
    """A re-drive failed: the letter keeps waiting, with the new error."""
    await conn.execute(
        "UPDATE dead_letters SET error_type = $2, error = $3, attempts = attempts + $4, last_failed_at = now()"
        " WHERE id = $1",
        letter_id,
        failure.error_type,
        failure.error,
        failure.attempts,
    )


def _bytes(value: object) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    return str(value).encode("utf-8", "surrogatepass")


def _shown(value: bytes | None) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8", "backslashreplace")


def _letter(row: asyncpg.Record) -> Letter:
    return Letter(
        id=row["id"],
        consumer=row["consumer"],
        topic=row["topic"],
        partition=row["partition"],
        offset=row["kafka_offset"],
        key=row["key"],
        value=row["value"],
        error_type=row["error_type"],
        error=row["error"],
        attempts=row["attempts"],
        first_failed_at=row["first_failed_at"],
        last_failed_at=row["last_failed_at"],
        set_aside_at=row["set_aside_at"],
        redriven_at=row["redriven_at"],
        redriven_by=row["redriven_by"],
    )
