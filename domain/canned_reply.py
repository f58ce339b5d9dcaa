"""Canned replies: texts an operator inserts by a shortcut, in a team's list or their own."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError
from domain.identities import canned_reply_id
from domain.text import InvalidText, TextKind, checked_text

MAX_SHORTCUT, MAX_CANNED_TEXT, MAX_TEAM_NAME = 40, 4000, 100
TEAM, OPERATOR = "team", "operator"


class CannedReplyRefused(DomainError):
    """A canned reply that cannot be written or removed so; the message says why."""


def list_name(team: str | None, manager_id: UUID | None) -> str:
    """Whose list a canned reply is in: ``team:<name>`` or ``operator:<id>``, exactly one of them."""
    if (team is None) == (manager_id is None):
        msg = "a canned reply belongs to one team or one operator: give 'team' or none"
        raise CannedReplyRefused(msg)
    if team is not None:
        return f"{TEAM}:{checked_text('team', team, max_length=MAX_TEAM_NAME, kind=TextKind.LINE)}"
    return f"{OPERATOR}:{manager_id}"


def checked_shortcut(shortcut: object) -> str:
    """A shortcut as operators type it after a slash: one word, compared without case."""
    value = checked_text("shortcut", shortcut, max_length=MAX_SHORTCUT, kind=TextKind.IDENTIFIER).lower()
    if not all(c.isalnum() or c in "-_" for c in value):
        raise InvalidText("shortcut", "may hold only letters, digits, '-' and '_'")
    return value


class CannedReply(Aggregate):
    """One canned reply: its list, shortcut and text; removed ones may be written again."""

    @staticmethod
    def create_id(owner: str, shortcut: str, text: str, by: UUID) -> UUID:  # noqa: ARG004
        """One reply per shortcut in a list."""
        return canned_reply_id(owner, shortcut)

    @event("Written")
    def __init__(self, owner: str, shortcut: str, text: str, by: UUID) -> None:
        self.owner = owner
        self.shortcut = shortcut
        self.text = text
        self.removed = False

    def rewrite(self, text: str, by: UUID) -> bool:
        """Give the reply a new text (a removed one comes back); False when nothing changes."""
        if text == self.text and not self.removed:
            return False
        self._rewritten(owner=self.owner, shortcut=self.shortcut, text=text, by=by)
        return True

    def remove(self, by: UUID) -> None:
        """Take the reply out of its list."""
        if self.removed:
            msg = f"the canned reply /{self.shortcut} was removed already"
            raise CannedReplyRefused(msg)
        self._removed(owner=self.owner, shortcut=self.shortcut, by=by)

    @event("Rewritten")
    def _rewritten(self, owner: str, shortcut: str, text: str, by: UUID) -> None:
        self.text = text
        self.removed = False

    @event("Removed")
    def _removed(self, owner: str, shortcut: str, by: UUID) -> None:
        self.removed = True
