"""Reports kept live: a console is told when a change touches the figures of reports it may read.

The frame, ``{"type": "reports_changed", "deal_ids": [...], "activity_ids": [...], "conversation_ids":
[...]}``, says which of the changed deals, activities and conversations are in the operator's report
scope; the console fetches the reports it has open again (``GET /api/reports/{name}``), which applies
the filters and the role as always. The frame carries no figures, so it can tell nothing the operator
may not read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from domain.permissions import Action, Actor, Entity, Permissions, Scope


def reports_changed(  # noqa: PLR0913 - who, the rule, and each kind of record changed
    permissions: Permissions,
    who: Actor,
    deals: Iterable[dict[str, Any]],
    activities: Iterable[dict[str, Any]],
    shown: Iterable[dict[str, Any]] = (),
    *,
    conversations: Iterable[dict[str, Any]] = (),
) -> dict[str, Any] | None:
    """The frame telling ``who`` which changed ``deals`` and ``activities`` (rows) are in their reports, or None.

    A deal handed to someone else has left the reports of whoever held it: the deals the console was
    ``shown`` before the change are told as well (its id is all the frame says of it). Changed
    ``conversations`` (their holder as ``responsible_id``, None while waiting) are in the operators' figures.
    """
    if permissions.scope(who.role, Entity.REPORT, Action.VIEW) is Scope.NONE:
        return None
    holders = permissions.visible_holders(who, Entity.REPORT)

    def covered(row: dict[str, Any]) -> bool:
        held = row["responsible_id"]
        return holders is None or (held is not None and UUID(str(held)) in holders)

    deal_ids = list(dict.fromkeys([*(row["id"] for row in deals if covered(row)), *(row["id"] for row in shown)]))
    activity_ids = [row["id"] for row in activities if covered(row)]
    conversation_ids = [row["id"] for row in conversations if covered(row)]
    if not deal_ids and not activity_ids and not conversation_ids:
        return None
    return {
        "type": "reports_changed",
        "deal_ids": deal_ids,
        "activity_ids": activity_ids,
        "conversation_ids": conversation_ids,
    }
