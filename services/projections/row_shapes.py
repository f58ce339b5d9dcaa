"""What the projectors know of each read-model table: its key, the values its columns start with, its lookups.

The projectors build whole rows in memory (``rows.Rows``), so a new row gets here the defaults the
table's DDL in ``schema.py`` gives it; ``tests/integration/test_row_shapes.py`` holds the two together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Shape:
    """One table: the columns of its primary key, its columns' defaults, and the columns rows are found by.

    ``evicted``: a large table mostly written once (messages, timelines); a replay keeps its rows in
    memory only until they are written, and reads the few it needs again from the database.
    """

    key: tuple[str, ...]
    defaults: Mapping[str, object] = field(default_factory=dict)
    lookups: tuple[tuple[str, ...], ...] = ()
    evicted: bool = False


_NONE = None
_EMPTY: list[object] = []

SHAPES: dict[str, Shape] = {
    "conversations": Shape(
        ("id",),
        {
            "lead_id": _NONE,
            "manager_id": _NONE,
            "lead_status": "new",
            "offered_to": _EMPTY,
            "offer_expires_at": _NONE,
            "message_count": 0,
            "last_message": _NONE,
            "last_message_at": _NONE,
            "participants": _EMPTY,
            "customer_name": "",
            "closed_by": _NONE,
            "rating": _NONE,
            "rating_comment": "",
        },
    ),
    "messages": Shape(
        ("notification_id",),
        {
            "manager_id": _NONE,
            "subject": "",
            "attachments": "[]",
            "delivery": _NONE,
            "delivery_detail": _NONE,
            "edited_at": _NONE,
        },
        lookups=(("conversation_id",),),
        evicted=True,
    ),
    "assignments": Shape(("lead_id",), {"answer_by": _NONE, "answered": False}),
    "managers": Shape(("id",), {"open_leads": 0}),
    "activities": Shape(("notification_id",), {"manager_id": _NONE, "forwarded_by": ""}, evicted=True),
    "pins": Shape(("manager_id", "conversation_id")),
    "canned_replies": Shape(("id",)),
    "pipelines": Shape(("id",)),
    "stages": Shape(("id",), lookups=(("pipeline_id",),)),
    "products": Shape(("id",)),
    "deals": Shape(
        ("id",),
        {
            "lines_total": Decimal(0),
            "expected_close": _NONE,
            "contact_id": _NONE,
            "company_id": _NONE,
            "lead_id": _NONE,
            "observers": _EMPTY,
            "closed_at": _NONE,
            "outcome": _NONE,
            "lost_reason": "",
            "former_responsible_id": _NONE,
            "former_observers": _EMPTY,
        },
    ),
    "deal_lines": Shape(("deal_id", "line_id"), {"product_id": _NONE}),
    "deal_stage_history": Shape(
        ("deal_id", "notification_id"),
        {"from_stage_id": _NONE, "left_at": _NONE, "reason": "", "reopened": False, "by": _NONE},
        lookups=(("deal_id",),),
    ),
    "scheduled_activities": Shape(
        ("id",),
        {
            "due_at": _NONE,
            "remind_at": _NONE,
            "reminder_fired_at": _NONE,
            "done": False,
            "done_at": _NONE,
            "result": "",
            "call": _NONE,
        },
    ),
    "timeline": Shape(("subject_kind", "subject_id", "at", "notification_id"), evicted=True),
    "lead_conversions": Shape(
        ("lead_id",), {"contact_id": _NONE, "company_id": _NONE, "deal_id": _NONE, "converted_by": _NONE}
    ),
    "contacts": Shape(
        ("id",),
        {
            "phones": "[]",
            "emails": _EMPTY,
            "messenger_ids": _EMPTY,
            "company_id": _NONE,
            "responsible_id": _NONE,
            "source": "",
            "vip": False,
            "language": "",
            "region": "",
            "tags": _EMPTY,
            "custom_fields": "{}",
            "merged_into": _NONE,
            "merged_from": _EMPTY,
            "former_responsible_id": _NONE,
        },
        lookups=(("merged_into",),),
    ),
    "companies": Shape(
        ("id",),
        {
            "domain": "",
            "address": "",
            "industry": "",
            "phones": "[]",
            "emails": _EMPTY,
            "responsible_id": _NONE,
            "former_responsible_id": _NONE,
        },
    ),
    "leads": Shape(
        ("id",),
        {
            "manager_id": _NONE,
            "qualification": "new",
            "junk_reason": "",
            "amount": _NONE,
            "currency": "",
            "product_interest": "",
            "comment": "",
            "arrived_at": _NONE,
            "queue": _NONE,
            "offered_to": _EMPTY,
            "former_manager_id": _NONE,
            "former_offered_to": _NONE,
            "former_queue": _NONE,
        },
        lookups=(("contact_id",),),
    ),
    "duplicate_suggestions": Shape(("id",)),
    "teams": Shape(("id",)),
    "team_members": Shape(("team_id", "manager_id")),
    "lead_sources": Shape(("lead_id",)),
    "lead_handling": Shape(
        ("lead_id", "notification_id"),
        {"first_answer_at": _NONE, "resolved_at": _NONE, "answered_earlier_at": _NONE},
        lookups=(("lead_id",), ("conversation_id",)),
    ),
    "lead_waiting": Shape(("lead_id",)),
    "activity_days": Shape(("responsible_id", "kind", "day")),
    "stage_times": Shape(("deal_id", "stage_id"), {"seconds": _NONE}, lookups=(("deal_id",),)),
    "stage_days": Shape(("responsible_id", "day", "pipeline_id", "stage_id", "later_stage_id")),
    "web_forms": Shape(("id",), {"archived": False, "defined_by": _NONE}),
    "form_submissions": Shape(("lead_id",)),
}
