"""Write and remove canned replies, in a team's list (heads and above) or in the operator's own."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.assigning import Assigning
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.canned_reply import CannedReply, CannedReplyRefused


@dataclass(frozen=True)
class CannedReplyWritten:
    """A canned reply as it now stands."""

    id: UUID
    owner: str
    shortcut: str
    text: str
    changed: bool


def write_canned_reply(store: EventStore, owner: str, shortcut: str, text: str, by: UUID) -> CannedReplyWritten:
    """Create the reply ``/shortcut`` in the list ``owner``, or give it a new text."""

    def command(work: UnitOfWork, _: Assigning) -> CannedReplyWritten:
        found = work.find(CannedReply.create_id(owner, shortcut, text, by), CannedReply)
        if found is None:
            found = CannedReply(owner, shortcut, text, by)
            work.add(found)
            changed = True
        else:
            changed = found.rewrite(text, by)
        return CannedReplyWritten(found.id, owner, shortcut, text, changed)

    return store.transact(command)


def remove_canned_reply(store: EventStore, reply_id: UUID, allowed_owners: frozenset[str] | None, by: UUID) -> str:
    """Remove a canned reply from its list, if ``allowed_owners`` (None: any) includes that list; returns it."""

    def command(work: UnitOfWork, _: Assigning) -> str:
        found = work.find(reply_id, CannedReply)
        if found is None or (allowed_owners is not None and found.owner not in allowed_owners):
            msg = f"no canned reply {reply_id} of yours"
            raise CannedReplyRefused(msg)
        found.remove(by)
        return found.owner

    return store.transact(command)
