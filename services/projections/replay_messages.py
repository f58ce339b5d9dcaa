"""A replay's messages, written by PostgreSQL straight from the stored events.

Customers' and managers' messages are most of a log, and each one is only written: a row of
``messages``, which timelines read their messages from (``timeline_messages``). A replay leaves them
out of the pages Python applies; each page's are written with one ``INSERT … SELECT`` over its stored
events, in a transaction of their own on a connection of their own, begun as soon as the page is read:
PostgreSQL writes them on one core while it writes the page before on the other. Every statement here
is idempotent and the latest name wins whatever the order, so pages' messages may commit in any order;
a page's position is committed only once its messages are, so a killed replay that goes on from it
finds every message before it. What a message changes of its conversation (the count, the preview,
the status) is counted from the messages once every page is in (``settle``), and the conversations in memory are read
again. The customer's latest name is kept page by page (``replay_names``, beside the next version's
tables), from the messages PostgreSQL writes and those the rules apply alike, and given to each
conversation then.

A rule that reads a page's messages (an edit, a delivery report) waits until they are written
(``ready``). An event whose JSON PostgreSQL cannot read as the rules would
(text holding NUL or a lone surrogate, NaN) is applied by the rules, one by one, as before.
The live projection applies the same events with the rules of ``inbox_view`` and ``chat_view``: the
test that a replayed read model equals the live one holds both to one meaning.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

import asyncpg
from eventsourcing.utils import get_topic

from domain.conversation import Conversation
from domain.published_event import PublishedEvent
from services.projections.event_log import EVENTS_TABLE
from services.projections.read_models import ReadModel
from services.projections.sales_rows import clean
from services.projections.schema import checked
from services.tables import Connection

# Rules that read a conversation's messages back: the page's messages are written before they run.
READS_MESSAGES = frozenset(("Conversation.CustomerMessageEdited", "Conversation.ReplySent", "Conversation.ReplyFailed"))
# The stored events' topics: the aggregate's, then the event's own name.
_TOPICS = (f"{get_topic(Conversation)}.CustomerWrote", f"{get_topic(Conversation)}.OperatorReplied")
_CLOSED = f"{get_topic(Conversation)}.Closed"
CUSTOMER_WROTE = "Conversation.CustomerWrote"

# Stored JSON PostgreSQL reads as the rules do: no NUL or surrogate escapes (which jsonb refuses, and
# the rules clean), no NaN or Infinity (not JSON). Text merely containing such letters goes to the
# rules too: that costs only speed.
CLEAN = (
    "position(convert_to('\\u0000', 'UTF8') in state) = 0"
    " AND position(convert_to('\\ud', 'UTF8') in state) = 0"
    " AND position(convert_to('\\uD', 'UTF8') in state) = 0"
    " AND position(convert_to('NaN', 'UTF8') in state) = 0"
    " AND position(convert_to('Infinity', 'UTF8') in state) = 0"
)


# Each conversation's latest name among the pages written so far: the settle gives it to the conversation.
_NAMES_TABLE = """
CREATE TABLE IF NOT EXISTS {s}.replay_names (
    conversation_id uuid PRIMARY KEY,
    notification_id bigint NOT NULL,
    name text NOT NULL
)
"""
_LATER_NAME = (
    "ON CONFLICT (conversation_id) DO UPDATE SET notification_id = EXCLUDED.notification_id, name = EXCLUDED.name"
    " WHERE replay_names.notification_id < EXCLUDED.notification_id"
)
_NAMED = (
    "INSERT INTO {s}.replay_names (conversation_id, notification_id, name)"  # noqa: S608 - fixed names
    " SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[]) " + _LATER_NAME
)


def untagged(value: str) -> str:
    """SQL for a stored JSON value as the relay publishes it: an id as dashed text, a time as ISO text."""
    return (
        f"CASE WHEN jsonb_typeof({value}) = 'object' AND {value} ->> '_type_' = 'uuid_hex'"
        f" THEN ({value} ->> '_data_')::uuid::text"
        f" WHEN jsonb_typeof({value}) = 'object' THEN {value} ->> '_data_' ELSE {value} #>> '{{}}' END"
    )


# A page's messages, and the latest name each customer gave in it (kept in ``replay_names`` if later
# than the one kept there): each event's JSON parsed once.
_MESSAGES = f"""
WITH page AS MATERIALIZED (
    SELECT notification_id, originator_id, topic = $3 AS customer, convert_from(state, 'UTF8')::jsonb AS d
    FROM {EVENTS_TABLE}
    WHERE notification_id > $1 AND notification_id <= $2 AND topic IN ($3, $4) AND {CLEAN}
), written AS (
    INSERT INTO {{s}}.messages
        (notification_id, conversation_id, message_id, author, manager_id, text, at, subject, attachments)
    SELECT notification_id, originator_id,
        CASE WHEN customer THEN {untagged("d -> 'channel_message_id'")} ELSE {untagged("d -> 'reply_id'")} END,
        CASE WHEN customer THEN 'customer' ELSE 'manager' END,
        CASE WHEN customer THEN NULL ELSE (d -> 'manager_id' ->> '_data_')::uuid END,
        d ->> 'text',
        ((CASE WHEN customer THEN d -> 'received_at' ELSE d -> 'sent_at' END) ->> '_data_')::timestamptz,
        coalesce(d ->> 'subject', ''),
        CASE WHEN jsonb_typeof(d -> 'attachments') = 'array' AND jsonb_array_length(d -> 'attachments') > 0
            THEN d -> 'attachments' ELSE '[]' END
    FROM page
    ON CONFLICT (notification_id) DO NOTHING
)
INSERT INTO {{s}}.replay_names (conversation_id, notification_id, name)
SELECT DISTINCT ON (originator_id) originator_id, notification_id, d ->> 'sender_name' FROM page
WHERE customer AND coalesce(d ->> 'sender_name', '') <> ''
ORDER BY originator_id, notification_id DESC
{_LATER_NAME}
"""  # noqa: S608 - fixed names

# Each conversation's count and latest message: counted by hashing, not by sorting every message.
_COUNTS = """
UPDATE {s}.conversations AS c SET message_count = counted.n, last_message = m.text, last_message_at = m.at
FROM (
    SELECT conversation_id, count(*) AS n, max(notification_id) AS latest
    FROM {s}.messages WHERE author IN ('customer', 'manager') GROUP BY conversation_id
) AS counted
JOIN {s}.messages AS m ON m.notification_id = counted.latest
WHERE c.id = counted.conversation_id
    AND (c.message_count, c.last_message, c.last_message_at) IS DISTINCT FROM (counted.n, m.text, m.at)
"""

# A customer writing after the conversation was last closed opens it again.
_REOPENED = f"""
UPDATE {{s}}.conversations AS c SET status = 'open'
FROM (
    SELECT conversation_id, max(notification_id) AS n FROM {{s}}.messages WHERE author = 'customer'
    GROUP BY conversation_id
) AS wrote
JOIN (
    SELECT originator_id, max(notification_id) AS n FROM {EVENTS_TABLE}
    WHERE topic = $1 AND notification_id <= $2 GROUP BY originator_id
) AS closed ON closed.originator_id = wrote.conversation_id
WHERE c.id = wrote.conversation_id AND c.status = 'closed' AND wrote.n > closed.n
"""  # noqa: S608 - fixed names


@dataclass
class Messages:
    """A replay's messages as PostgreSQL writes them into ``schema``."""

    schema: str
    # Each page's messages being written (by the page's first id), until the page's own write has waited for them.
    writing: dict[int, asyncio.Task[None]] = field(default_factory=dict)
    # The customers' names in the messages the rules applied, by page (its first id): the write keeps them.
    named: dict[int, dict[UUID, tuple[int, str]]] = field(default_factory=dict)

    @staticmethod
    def for_models(schema: str, models: Iterable[ReadModel]) -> Messages | None:
        """The writer for ``models``, or None when they do not keep the inbox's messages."""
        names = {model.name for model in models}
        if "inbox" not in names:
            return None
        return Messages(checked(schema))

    def left_out(self) -> tuple[list[str], str]:
        """The stored events the pages leave out for this writer: their topics, and the condition they meet."""
        return list(_TOPICS), CLEAN

    async def prepare(self, conn: Connection | asyncpg.Pool) -> None:
        """Make the table of the customers' latest names, which only a replay keeps."""
        await conn.execute(_NAMES_TABLE.format(s=self.schema))

    def note(self, after: int, event: PublishedEvent) -> None:
        """Keep the name a customer gave in a message of the page after ``after`` that the rules apply."""
        if event.type != CUSTOMER_WROTE:
            return
        name = clean(str(event.data.get("sender_name") or ""))
        page = self.named.setdefault(after, {})
        before = page.get(event.aggregate_id)
        if name and (before is None or before[0] < event.notification_id):
            page[event.aggregate_id] = (event.notification_id, name)

    def start(self, pool: asyncpg.Pool, after: int, up_to: int) -> None:
        """Begin writing the messages stored after ``after`` up to ``up_to``, on a connection of their own."""
        self.writing[after] = asyncio.create_task(self._written(pool, after, up_to))

    async def _written(self, pool: asyncpg.Pool, after: int, up_to: int) -> None:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SET LOCAL synchronous_commit = off")  # the page's position waits for it
            await conn.execute("SET LOCAL TimeZone = 'UTC'")  # as the page's own write reads stored times
            await conn.execute(_MESSAGES.replace("{s}", self.schema), after, up_to, *_TOPICS)

    async def write(self, conn: Connection, after: int) -> None:
        """Wait for the messages of the page after ``after`` (``start``); write the names its customers gave."""
        await self.writing.pop(after)
        await self.write_names(conn, after)

    async def write_names(self, conn: Connection, after: int) -> None:
        """Keep the names noted in the rules' messages of the page after ``after``, where they are the latest."""
        named = self.named.pop(after, None)
        if named:
            await conn.execute(
                _NAMED.replace("{s}", self.schema),
                list(named),
                [at for at, _ in named.values()],
                [name for _, name in named.values()],
            )

    async def ready(self, after: int) -> None:
        """Wait until the messages of the page after ``after`` (``start``) are written, for its rules to read them."""
        await asyncio.shield(self.writing[after])

    async def unwrite(self, conn: Connection, after: int, up_to: int) -> None:
        """Remove the messages written after ``after`` up to ``up_to``: the rules write them again.

        The names they kept stay: the rules note the same names at the same events.
        """
        self.named.pop(after, None)
        writing = self.writing.pop(after, None)
        if writing is not None:
            writing.cancel()
            await asyncio.gather(writing, return_exceptions=True)
        await conn.execute(
            f"DELETE FROM {self.schema}.messages WHERE notification_id > $1 AND notification_id <= $2",  # noqa: S608
            after,
            up_to,
        )

    async def stop(self) -> None:
        """Let go of every page's messages still being written (a replay that failed or was cancelled)."""
        for writing in self.writing.values():
            writing.cancel()
        await asyncio.gather(*self.writing.values(), return_exceptions=True)
        self.writing.clear()

    async def settle(self, conn: Connection, up_to: int) -> None:
        """Count every conversation's messages, preview and status from the messages; give it its latest name."""
        s = self.schema
        await self.prepare(conn)
        await conn.execute(_COUNTS.replace("{s}", s))
        await conn.execute(_REOPENED.replace("{s}", s), _CLOSED, up_to)
        await conn.execute(
            f"UPDATE {s}.conversations AS c SET customer_name = named.name FROM {s}.replay_names AS named"  # noqa: S608
            " WHERE c.id = named.conversation_id AND c.customer_name IS DISTINCT FROM named.name"
        )
