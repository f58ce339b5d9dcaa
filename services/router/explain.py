"""``switchboard route explain``: why a lead went where it went, in words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_HEADLINES: dict[str, Callable[[dict[str, Any]], str]] = {
    "Created": lambda d: f"lead opened from {d.get('channel')} (source {d.get('source') or 'none'})",
    "Assigned": lambda d: f"assigned to {_chosen(d)}",
    "Queued": lambda d: f"waits in queue {d.get('queue')} at position {d.get('position')}",
    "Offered": lambda d: (
        f"offered to {len(d.get('manager_ids', []))} managers"
        + (f" until {d['expires_at']}" if d.get("expires_at") else "")
    ),
    "OfferWithdrawn": lambda d: f"offer withdrawn: {d.get('why')}",
    "Released": lambda d: f"taken back from {d.get('manager_id')}: {d.get('why')}",
    "Answered": lambda d: f"answered by {d.get('manager_id')}",
    "Closed": lambda d: f"closed by {d.get('by')}",
    "Reopened": lambda _: "reopened by a new customer message",
}


def explain(history: list[dict[str, Any]]) -> str:
    """A lead's routing history as lines a person can read."""
    lines = []
    for entry in history:
        kind = entry["event"]
        headline = _HEADLINES[kind](entry) if kind in _HEADLINES else kind
        lines.append(f"{entry['at']:%Y-%m-%d %H:%M:%S} {headline}")
        reasons = entry.get("reasons")
        if isinstance(reasons, dict):
            lines.extend(_reasons(reasons))
    return "\n".join(lines)


def _chosen(data: dict[str, Any]) -> str:
    reasons = data.get("reasons") or {}
    for candidate in reasons.get("candidates", []):
        if candidate.get("outcome") == "chosen":
            return f"{candidate['name']} ({data['manager_id']})"
    return str(data.get("manager_id"))


def _reasons(reasons: dict[str, Any]) -> list[str]:
    if "moved" in reasons:  # a new place in the queue, not a routing decision
        return [f"    moved: {reasons['moved']}"]
    lines = [f"    rule: {reasons.get('rule') or '(no rule matched)'}, strategy: {reasons.get('strategy')}"]
    lines += [f"    rule {s['rule']} did not match: {s['why']}" for s in reasons.get("rules_skipped", [])]
    lines += [f"    {c['name']}: {c['outcome']}" for c in reasons.get("candidates", [])]
    if "accepted_by" in reasons:
        lines.append(f"    accepted by {reasons['accepted_by']} (offered to all)")
    return lines
