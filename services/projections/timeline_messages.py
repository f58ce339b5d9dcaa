"""The messages on a record's timeline: read from the messages themselves, not stored again as entries.

A customer's or a manager's message is on the timelines of its conversation's contact and lead, and
of the contact, company and deal its lead was converted into (before the message or after it). The
timeline table keeps what happened only once (activities, deals, conversions, mail copied to the
CRM); a reader adds a record's messages with ``entries``, which reads them from ``messages`` through
the conversations and conversions. So a message costs one row, written once, however many records
it is on; and a conversion moves nothing.
"""

from __future__ import annotations

from services.projections.sales_rows import SUMMARY_TEXT

CUSTOMER = "Conversation.CustomerWrote"
MANAGER = "Conversation.OperatorReplied"

# The conversations whose messages are on a record's timeline, for each kind of record; ``$id``
# stands for the record's id.
_CONVERSATIONS = {
    "contact": (
        "SELECT id FROM {s}.conversations WHERE contact_id = $id"
        " UNION SELECT c.id FROM {s}.lead_conversions AS lc JOIN {s}.conversations AS c ON c.lead_id = lc.lead_id"
        " WHERE lc.contact_id = $id"
    ),
    "lead": "SELECT id FROM {s}.conversations WHERE lead_id = $id",
    "company": (
        "SELECT c.id FROM {s}.lead_conversions AS lc JOIN {s}.conversations AS c ON c.lead_id = lc.lead_id"
        " WHERE lc.company_id = $id"
    ),
    "deal": (
        "SELECT c.id FROM {s}.lead_conversions AS lc JOIN {s}.conversations AS c ON c.lead_id = lc.lead_id"
        " WHERE lc.deal_id = $id"
    ),
}

_ENTRIES = f"""
SELECT m.notification_id, m.at,
    CASE m.author WHEN 'customer' THEN '{CUSTOMER}' ELSE '{MANAGER}' END AS kind,
    jsonb_build_object(
        'conversation_id', c.id::text, 'channel', c.channel, 'author', m.author,
        'manager_id', m.manager_id::text, 'subject', m.subject,
        'text', CASE WHEN char_length(m.text) <= {SUMMARY_TEXT} THEN m.text
            ELSE left(m.text, {SUMMARY_TEXT - 1}) || '…' END
    ) AS summary
FROM ({{conversations}}) AS cv (id)
JOIN {{s}}.conversations AS c ON c.id = cv.id
CROSS JOIN LATERAL (
    SELECT * FROM {{s}}.messages AS m
    WHERE m.conversation_id = c.id AND m.author IN ('customer', 'manager') AND (m.at, m.notification_id) > {{after}}
    ORDER BY m.at, m.notification_id LIMIT {{limit}}
) AS m
ORDER BY m.at, m.notification_id LIMIT {{limit}}"""  # noqa: S608 - fixed names


def entries(schema: str, subject_kind: str, record: str, after: str, limit: int) -> str | None:
    """A SELECT of the first ``limit`` messages on a record's timeline after ``after``, as its entries.

    Its columns are a timeline's (notification_id, at, kind, summary). ``record`` is the placeholder
    of the record's id (``$2``), ``after`` the SQL of the (at, notification_id) the page starts after;
    each conversation is read by its index up to ``limit``, so a page costs the same however long
    the chats. None for a kind of record no message is on.
    """
    conversations = _CONVERSATIONS.get(subject_kind)
    if conversations is None:
        return None
    return (
        _ENTRIES.replace("{conversations}", conversations.replace("$id", record))
        .replace("{after}", after)
        .replace("{limit}", str(int(limit)))
        .replace("{s}", schema)
    )
