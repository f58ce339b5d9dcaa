"""A deal's openings, stage moves and activities on the timelines of its contact, company and lead.

Each is stored once, on the deal's own timeline; a reader adds them to the timeline of the records
the deal belongs to with ``entries``, through the deal's links as they stand when it is read. So an
activity costs one row however many records it is on, and a deal given to another contact takes its
history with it (as a lead's conversion takes the conversation's messages, ``timeline_messages``).
"""

from __future__ import annotations

# What of a deal's own timeline the records it belongs to show too: the rest (a line, an amount, a
# title) is the deal's detail.
SHOWN = (
    "Deal.Opened",
    "Deal.StageChanged",
    "Activity.Scheduled",
    "Activity.Rescheduled",
    "Activity.Completed",
    "Activity.CallNoted",
)
# The link of a deal to each kind of record whose timeline shows it.
_LINKS = {"contact": "contact_id", "company": "company_id", "lead": "lead_id"}

_SHOWN_SQL = ", ".join(f"'{kind}'" for kind in SHOWN)

_ENTRIES = f"""
SELECT t.notification_id, t.at, t.kind, t.summary || jsonb_build_object('deal_id', d.id::text) AS summary
FROM {{s}}.deals AS d
CROSS JOIN LATERAL (
    SELECT * FROM {{s}}.timeline AS t
    WHERE t.subject_kind = 'deal' AND t.subject_id = d.id AND t.kind IN ({_SHOWN_SQL})
        AND (t.at, t.notification_id) > {{after}}
    ORDER BY t.at, t.notification_id LIMIT {{limit}}
) AS t
WHERE d.{{link}} = {{record}}
ORDER BY t.at, t.notification_id LIMIT {{limit}}"""  # noqa: S608 - fixed names


def entries(schema: str, subject_kind: str, record: str, after: str, limit: int) -> str | None:
    """A SELECT of the first ``limit`` entries of a record's deals on its timeline after ``after``.

    Its columns are a timeline's (notification_id, at, kind, summary, the summary naming its deal).
    ``record`` is the placeholder of the record's id (``$2``), ``after`` the SQL of the
    (at, notification_id) the page starts after; each deal's timeline is read by its index up to
    ``limit``. None for a kind of record no deal belongs to.
    """
    link = _LINKS.get(subject_kind)
    if link is None:
        return None
    return (
        _ENTRIES.replace("{link}", link)
        .replace("{record}", record)
        .replace("{after}", after)
        .replace("{limit}", str(int(limit)))
        .replace("{s}", schema)
    )
