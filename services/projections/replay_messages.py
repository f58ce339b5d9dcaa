"""A replay's messages, written by PostgreSQL straight from the stored events.

Customers' and managers' messages are most of a log, and each one is only written: a row of
``messages``, which timelines read their messages from (``timeline_messages``). A replay leaves them
out of the pages Python applies; the transaction that writes a page fills them with one
``INSERT … SELECT`` over the page's stored events, on PostgreSQL's core while Python applies the next
page. What a message changes of its conversation (the count, the preview, the status, the customer's
name) is counted from the messages once every page is in (``settle``), and the conversations in
memory are read again.

A rule that reads a page's messages (an edit, a delivery report) has them written first (``early``):
every statement here is idempotent. An event whose JSON PostgreSQL cannot read as the rules would
(text holding NUL or a lone surrogate, NaN) is applied by the rules, one by one, as before.
The live projection applies the same events with the rules of ``inbox_view`` and ``chat_view``: the
test that a replayed read model equals the live one holds both to one meaning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

import asyncpg
from eventsourcing.utils import get_topic

from domain.conversation import Conversation
from services.projections import event_log
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


def _untagged(value: str) -> str:
    """SQL for a stored JSON value as the relay publishes it: an id as dashed text, a time as ISO text."""
    return (
        f"CASE WHEN jsonb_typeof({value}) = 'object' AND {value} ->> '_type_' = 'uuid_hex'"
        f" THEN ({value} ->> '_data_')::uuid::text"
        f" WHEN jsonb_typeof({value}) = 'object' THEN {value} ->> '_data_' ELSE {value} #>> '{{}}' END"
    )


_MESSAGES = f"""
INSERT INTO {{s}}.messages
    (notification_id, conversation_id, message_id, author, manager_id, text, at, subject, attachments)
SELECT notification_id, originator_id,
    CASE WHEN customer THEN {_untagged("d -> 'channel_message_id'")} ELSE {_untagged("d -> 'reply_id'")} END,
    CASE WHEN customer THEN 'customer' ELSE 'manager' END,
    CASE WHEN customer THEN NULL ELSE (d -> 'manager_id' ->> '_data_')::uuid END,
    d ->> 'text',
    ((CASE WHEN customer THEN d -> 'received_at' ELSE d -> 'sent_at' END) ->> '_data_')::timestamptz,
    coalesce(d ->> 'subject', ''),
    CASE WHEN jsonb_typeof(d -> 'attachments') = 'array' AND jsonb_array_length(d -> 'attachments') > 0
        THEN d -> 'attachments' ELSE '[]' END
FROM (
    SELECT notification_id, originator_id, topic = $3 AS customer, convert_from(state, 'UTF8')::jsonb AS d
    FROM {EVENTS_TABLE}
    WHERE notification_id > $1 AND notification_id <= $2 AND topic IN ($3, $4) AND {CLEAN}
    OFFSET 0  -- each row's JSON parsed once, not once for every column read from it
) AS page
ON CONFLICT (notification_id) DO NOTHING
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

# The latest name a customer gave, among the events PostgreSQL reads; the others are read here.
_NAMES = f"""
SELECT DISTINCT ON (originator_id) originator_id, notification_id, d ->> 'sender_name' AS name
FROM (
    SELECT originator_id, notification_id, convert_from(state, 'UTF8')::jsonb AS d FROM {EVENTS_TABLE}
    WHERE topic = $1 AND notification_id <= $2 AND {CLEAN}
        AND position(convert_to('"sender_name":""', 'UTF8') in state) = 0
    OFFSET 0  -- each row's JSON parsed once
) AS named
WHERE coalesce(d ->> 'sender_name', '') <> ''
ORDER BY originator_id, notification_id DESC
"""  # noqa: S608 - fixed names
_NAMES_LEFT = (
    f"SELECT notification_id, originator_id, originator_version, topic, state FROM {EVENTS_TABLE}"  # noqa: S608
    f" WHERE topic = $1 AND notification_id <= $2 AND NOT ({CLEAN})"
)


@dataclass
class Messages:
    """A replay's messages as PostgreSQL writes them into ``schema``."""

    schema: str
    early: set[int] = field(default_factory=set)  # pages (by their first id) whose messages are written already

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

    async def write(self, conn: Connection, after: int, up_to: int) -> None:
        """Write the messages stored after ``after`` up to ``up_to``."""
        if after not in self.early:
            await conn.execute(_MESSAGES.replace("{s}", self.schema), after, up_to, *_TOPICS)
        self.early.discard(after)

    async def write_early(self, pool: asyncpg.Pool, after: int, up_to: int) -> None:
        """Write a page's messages before its rules read them; its write then does the rest."""
        if after not in self.early:
            await pool.execute(_MESSAGES.replace("{s}", self.schema), after, up_to, *_TOPICS)
            self.early.add(after)

    async def unwrite(self, conn: Connection, after: int, up_to: int) -> None:
        """Remove the messages written early after ``after`` up to ``up_to``: the rules write them again."""
        if after in self.early:
            await conn.execute(
                f"DELETE FROM {self.schema}.messages WHERE notification_id > $1 AND notification_id <= $2",  # noqa: S608
                after,
                up_to,
            )
            self.early.discard(after)

    async def settle(self, conn: Connection, up_to: int) -> None:
        """Count every conversation's messages, preview, status and customer's name from the messages."""
        s = self.schema
        await conn.execute(_COUNTS.replace("{s}", s))
        await conn.execute(_REOPENED.replace("{s}", s), _CLOSED, up_to)
        latest: dict[UUID, tuple[int, str]] = {
            row["originator_id"]: (row["notification_id"], row["name"])
            for row in await conn.fetch(_NAMES, _TOPICS[0], up_to)
        }
        for row in await conn.fetch(_NAMES_LEFT, _TOPICS[0], up_to):
            try:
                event = event_log.published(row)
            except event_log.UnreadableStoredEvent:
                continue
            name = clean(str(event.data.get("sender_name") or ""))
            before = latest.get(event.aggregate_id)
            if name and (before is None or before[0] < event.notification_id):
                latest[event.aggregate_id] = (event.notification_id, name)
        if latest:
            await conn.execute(
                f"UPDATE {s}.conversations AS c SET customer_name = named.name"  # noqa: S608
                " FROM unnest($1::uuid[], $2::text[]) AS named (id, name)"
                " WHERE c.id = named.id AND c.customer_name IS DISTINCT FROM named.name",
                list(latest),
                [name for _, name in latest.values()],
            )
