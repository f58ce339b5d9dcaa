"""Reports kept live: a console is told when a change touches the figures of reports it may read.

The frame, ``{"type": "reports_changed", "deal_ids": [...], "activity_ids": [...]}``, says which of the
changed deals and activities are in the operator's report scope; the console fetches the reports it
has open again (``GET /api/reports/{name}``), which applies the filters and the role as always. The
frame carries no figures, so it can tell nothing the operator may not read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from domain.permissions import Action, Actor, Entity, Permissions, Scope


def reports_changed(
    permissions: Permissions,
    who: Actor,
    deals: Iterable[dict[str, Any]],
    activities: Iterable[dict[str, Any]],
    shown: Iterable[dict[str, Any]] = (),
) -> dict[str, Any] | None:
    """The frame telling ``who`` which changed ``deals`` and ``activities`` (rows) are in their reports, or None.

    A deal handed to someone else has left the reports of whoever held it: the deals the console was
    ``shown`` before the change are told as well (its id is all the frame says of it).
    """
    if permissions.scope(who.role, Entity.REPORT, Action.VIEW) is Scope.NONE:
        return None
    holders = permissions.visible_holders(who, Entity.REPORT)

    def covered(row: dict[str, Any]) -> bool:
        return holders is None or UUID(row["responsible_id"]) in holders

    deal_ids = list(dict.fromkeys([*(row["id"] for row in deals if covered(row)), *(row["id"] for row in shown)]))
    activity_ids = [row["id"] for row in activities if covered(row)]
    if not deal_ids and not activity_ids:
        return None
    return {"type": "reports_changed", "deal_ids": deal_ids, "activity_ids": activity_ids}
