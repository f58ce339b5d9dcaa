"""The lookalike lists: which contacts each key lists, in a table the event store writes beside the events.

A contact is listed under a few keys (its full name, its e-mails' name parts and their near-keys:
``domain/duplicates.py``) and compared with the others listed there. A key's list was an aggregate
of its own, each listing an event: a contact with one e-mail is listed under about twenty keys, so
an imported row cost twenty events more than the contact's. Now the lists are rows that the event
store writes in the transaction that saves the events, as it does deadlines. A unit of work reads
the keys it needs (many in one query), changes its own copy, and saves the changes with its events.

Two writers listing under one key at once cannot both miss each other: the save of the second
finds a listing under a key it lists under that is newer than what it read, and is redone on
fresh state, as a conflict between two saves of one aggregate would be.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol
from uuid import UUID

from domain.duplicates import ContactCard, relisted

LOOKALIKES = "lookalikes"  # the keyword argument of save() that carries the changes


@dataclass(frozen=True)
class Listing:
    """One contact under one key as it now is (its card), or taken off it (no card)."""

    key: str
    contact_id: UUID
    card: ContactCard | None


@dataclass(frozen=True)
class ListingsRead:
    """What some keys list, newest last, and each key's newest listing (its position; 0: none) when read."""

    cards: dict[str, list[ContactCard]] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class LookalikeChanges:
    """What a unit of work listed and unlisted, in order, and where each key it listed under stood when read."""

    listings: list[Listing]
    read_at: dict[str, int]

    def __bool__(self) -> bool:
        """Whether there is anything to save."""
        return bool(self.listings)


class LookalikeBook(Protocol):
    """Where the event store keeps the lists."""

    def listed(self, keys: Iterable[str]) -> ListingsRead:
        """The contacts each of ``keys`` lists (its newest few), in one read."""


class ListsNotKept(LookupError):
    """A unit of work made without the lookalike lists was asked about them."""


class LookalikeLists:
    """The lists one unit of work reads and changes: read once per key, saved with its events."""

    def __init__(self, book: LookalikeBook | None) -> None:
        self._book = book
        self._cards: dict[str, list[ContactCard]] = {}
        self._read_at: dict[str, int] = {}
        self._changed: dict[tuple[str, UUID], Listing] = {}  # in the order last changed

    def read(self, keys: Iterable[str]) -> None:
        """Read the keys not read yet, all in one query."""
        unread = sorted({k for k in keys if k not in self._cards})
        if not unread:
            return
        if self._book is None:
            msg = "this unit of work keeps no lookalike lists: make it with the event store's"
            raise ListsNotKept(msg)
        found = self._book.listed(unread)
        for key in unread:
            self._cards[key] = list(found.cards.get(key, ()))
            self._read_at[key] = found.positions.get(key, 0)

    def others(self, key: str, contact_id: UUID) -> list[ContactCard]:
        """Everyone listed under ``key`` but ``contact_id``."""
        if key not in self._cards:
            self.read([key])
        return [card for card in self._cards[key] if card.contact_id != contact_id]

    def list_contact(self, key: str, card: ContactCard) -> None:
        """List the contact under ``key`` as it now is (again, if its name or e-mails changed)."""
        if key not in self._cards:
            self.read([key])
        if card not in self._cards[key]:
            self._cards[key] = relisted(self._cards[key], card, key)
            self._change(Listing(key, card.contact_id, card))

    def unlist(self, key: str, contact_id: UUID) -> None:
        """The contact is no longer under ``key`` (renamed, or merged into another)."""
        if key not in self._cards:
            self.read([key])
        if any(card.contact_id == contact_id for card in self._cards[key]):
            self._cards[key] = [card for card in self._cards[key] if card.contact_id != contact_id]
            self._change(Listing(key, contact_id, None))

    def changes(self) -> LookalikeChanges:
        """What to save: each contact's last listing or unlisting under each key, in the order made."""
        listed = {listing.key for listing in self._changed.values() if listing.card is not None}
        return LookalikeChanges(list(self._changed.values()), {k: self._read_at[k] for k in sorted(listed)})

    def _change(self, listing: Listing) -> None:
        self._changed.pop((listing.key, listing.contact_id), None)
        self._changed[listing.key, listing.contact_id] = listing
