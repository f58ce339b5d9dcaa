"""Contacts that may be one person: suggested for a manager to merge or dismiss, never merged alone.

The same e-mail or phone is certain and joins the contact in the address book; what is only likely
(the same full name, the same e-mail name at another domain, e-mails in one domain whose names are
two typos apart) is suggested.

Finding likely pairs among all contacts works by keys, as record linkage does: every contact is
listed under a few keys (its normalized full name, the name part of each e-mail, and the near-keys
of that name part within its domain), and is compared only with those listed under the same keys.

The near-keys are each half of the e-mail's name part, as written and with any one letter left out
(a deletion neighbourhood): two typos either spare one half, or leave each half one letter apart,
and either way the two names share a near-key. So two e-mail names in one domain at most two typos
apart always meet, once both are at least ``MIN_NEAR_MEETING`` letters long (shorter ones when the
typos spare an end). A near-key names half a mailbox, so it lists the few mailboxes that close to
it, however many contacts a domain has; comparing stays cheap as the address book grows. A key
remembers its newest ``MAX_LISTED`` contacts (a near-key ``MAX_NEAR_LISTED``).
"""

from __future__ import annotations

import enum
import functools
import unicodedata
from dataclasses import dataclass
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError

MAX_EDITS = 2
MIN_NAME_WORDS = 2  # a first name alone ("Anna") says nothing about being the same person
MIN_NAME_PART = 4  # "ab@" and "ac@" in one domain are two people more often than one typo
# "anna@" at two domains is two Annas; "anna.berzina@" (or "aberzina@") at two is likely one person.
MIN_MAILBOX_NAME = 6
MIN_NEAR_KEY = 2  # a near-key of one letter would list half a domain
MIN_NEAR_MEETING = 6  # names this long always meet under a near-key when two typos apart
MAX_LISTED = 100
# A near-key lists many only when half a mailbox is common (a first name and a digit); the pairs it
# would add meet under their other half's keys, so it needs only its newest few.
MAX_NEAR_LISTED = 20
# Shared mailboxes: the same name part at two domains is two businesses, not one person.
SHARED_MAILBOXES = frozenset(
    [
        "admin",
        "billing",
        "contact",
        "contacts",
        "enquiries",
        "hello",
        "help",
        "hr",
        "info",
        "inquiries",
        "jobs",
        "mail",
        "marketing",
        "no-reply",
        "noreply",
        "office",
        "post",
        "sales",
        "service",
        "support",
        "team",
    ]
)
_NAMESPACE = UUID("0b4a5e2c-7f0e-4f43-9d8e-3c1f2a6b9e71")


class SuggestionClosed(DomainError):
    """The suggestion was dismissed or the contacts merged already."""


@dataclass(frozen=True)
class ContactCard:
    """What duplicates are judged by: a contact's name and e-mails."""

    contact_id: UUID
    name: str
    emails: tuple[str, ...] = ()

    def __deepcopy__(self, memo: dict[int, object]) -> ContactCard:
        """Itself: nothing in it can change, and a key lists a hundred of them, copied with every load."""
        return self


@functools.lru_cache(maxsize=1 << 16)  # every name a batch compares with: its rows' keys list thousands
def normalized_name(name: str) -> str:
    """A name as compared: accents, case, punctuation and spacing aside ("Anna  Bērziņa" is "anna berzina")."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(letters.split())


@functools.lru_cache(maxsize=4096)  # a contact's keys are asked for when read and again when listed
def lookalike_keys(card: ContactCard) -> frozenset[str]:
    """The keys a contact is listed under, to be compared with the others listed there."""
    keys: set[str] = set()
    name = normalized_name(card.name)
    if len(name.split()) >= MIN_NAME_WORDS:
        keys.add(f"name:{name}")
    for email in card.emails:
        local, _, domain = email.rpartition("@")
        if local in SHARED_MAILBOXES:
            continue
        if len(local) >= MIN_MAILBOX_NAME:
            keys.add(f"mailbox:{local}")
        if len(local) >= MIN_NAME_PART:
            keys |= {f"near:{domain}/{key}" for key in near_keys(local)}
    return frozenset(keys)


def near_keys(local: str) -> set[str]:
    """Each half of an e-mail's name part, whole and with each one letter left out (``^`` head, ``$`` tail)."""
    half = len(local) // 2
    head, tail = local[:half], local[half:]
    return {f"^{k}" for k in _one_left_out(head) if len(k) >= MIN_NEAR_KEY} | {
        f"${k}" for k in _one_left_out(tail) if len(k) >= MIN_NEAR_KEY
    }


def _one_left_out(text: str) -> set[str]:
    return {text} | {text[:i] + text[i + 1 :] for i in range(len(text))}


def likeness(one: ContactCard, other: ContactCard) -> list[str]:
    """Why two contacts may be one person, in a manager's words; empty when nothing suggests it."""
    reasons = []
    name = normalized_name(one.name)
    if len(name.split()) >= MIN_NAME_WORDS and name == normalized_name(other.name):
        reasons.append(f"same name: {one.name} / {other.name}")
    for mine in one.emails:
        for theirs in other.emails:
            local, _, domain = mine.rpartition("@")
            their_local, _, their_domain = theirs.rpartition("@")
            if mine == theirs or local in SHARED_MAILBOXES or their_local in SHARED_MAILBOXES:
                continue
            if local == their_local and len(local) >= MIN_MAILBOX_NAME:
                reasons.append(f"same e-mail name at another domain: {mine} / {theirs}")
            elif _near(local, domain, their_local, their_domain):
                reasons.append(f"similar e-mails: {mine} / {theirs}")
    return reasons


def _near(local: str, domain: str, their_local: str, their_domain: str) -> bool:
    """Names in one domain, long enough to tell a typo from another person, at most two typos apart."""
    long_enough = min(len(local), len(their_local)) >= MIN_NAME_PART
    return domain == their_domain and long_enough and edit_distance(local, their_local, MAX_EDITS) <= MAX_EDITS


def edit_distance(one: str, other: str, limit: int) -> int:
    """Levenshtein distance between two strings, or ``limit + 1`` as soon as it is known to exceed ``limit``."""
    if abs(len(one) - len(other)) > limit:
        return limit + 1
    # What both begin and end with costs nothing: mailboxes of one domain mostly share a first name.
    shorter = min(len(one), len(other))
    start = 0
    while start < shorter and one[start] == other[start]:
        start += 1
    end = 0
    while end < shorter - start and one[-1 - end] == other[-1 - end]:
        end += 1
    one, other = one[start : len(one) - end], other[start : len(other) - end]
    if not one or not other:
        return min(max(len(one), len(other)), limit + 1)
    if limit <= _BY_ENDS:
        return min(_by_ends(one, other), limit + 1)
    return min(_levenshtein(one, other), limit + 1)


_BY_ENDS = 2
# The edits that can take the first (or the last) letter of each: a substitution, a deletion, an insertion.
_END_EDITS = ((1, 1), (1, 0), (0, 1))


def _by_ends(one: str, other: str) -> int:
    """1 or 2 if it is that, else 3, for two strings that differ in their first letters and in their last.

    The first letters differ, so an edit takes them; the last letters too. One edit can do both only for
    one letter each. Two can only if what lies between the first edit and the last is the same: a few
    comparisons of whole strings, where a column of the edit table costs a step of Python per letter.
    """
    if len(one) == 1 and len(other) == 1:
        return 1
    for head, head_other in _END_EDITS:
        for tail, tail_other in _END_EDITS:
            inner, inner_other = len(one) - head - tail, len(other) - head_other - tail_other
            if inner == inner_other >= 0 and one[head : head + inner] == other[head_other : head_other + inner]:
                return 2
    return 3


def _levenshtein(one: str, other: str) -> int:
    """The distance, a column of the edit table at a time as bits (Myers 1999, as Hyyrö 2003 writes it).

    Each bit says whether the distance grows or shrinks by one down the column; a letter of
    ``other`` moves the whole column with a few operations on whole numbers, where the table
    cell by cell cost a Python step per pair of letters: a batch of imported rows compares
    thousands of mailboxes.
    """
    matches: dict[str, int] = {}
    for i, letter in enumerate(one):
        matches[letter] = matches.get(letter, 0) | 1 << i
    mask, last = (1 << len(one)) - 1, 1 << (len(one) - 1)
    up, down, distance = mask, 0, len(one)  # the column's +1 and -1 steps; the bottom cell
    for letter in other:
        match = matches.get(letter, 0)
        vertical = match | down
        horizontal = (((match & up) + up) ^ up) | match
        right_up = down | ~(horizontal | up)
        right_down = up & horizontal
        if right_up & last:
            distance += 1
        elif right_down & last:
            distance -= 1
        right_up = (right_up << 1) | 1
        right_down <<= 1
        up = (right_down | ~(vertical | right_up)) & mask
        down = right_up & vertical & mask
    return distance


def suggestion_id(one: UUID, other: UUID) -> UUID:
    """The one suggestion about a pair of contacts, whichever is named first."""
    first, second = sorted((one, other))
    return uuid5(_NAMESPACE, f"duplicates/{first}/{second}")


def lookalikes_id(key: str) -> UUID:
    """The list of contacts under one key, as an aggregate of older logs."""
    return uuid5(_NAMESPACE, f"lookalikes/{key}")


def most_listed(key: str) -> int:
    """How many contacts a key remembers, the newest."""
    return MAX_NEAR_LISTED if key.startswith("near:") else MAX_LISTED


def relisted(cards: list[ContactCard], card: ContactCard, key: str) -> list[ContactCard]:
    """The contacts under ``key`` once ``card`` is listed there as it now is: newest last, the oldest let go."""
    kept = [c for c in cards if c.contact_id != card.contact_id]
    return [*kept, card][-most_listed(key) :]


class Lookalikes(Aggregate):
    """The contacts listed under one key, as older logs kept them: an aggregate per key, an event per listing.

    The lists are rows of a table beside the events now (``application/lookalike_lists.py``); the
    class stays so that the events of older logs still read.
    """

    @staticmethod
    def create_id(key: str) -> UUID:
        """One list per key."""
        return lookalikes_id(key)

    @classmethod
    def listing(cls, key: str, card: ContactCard) -> Lookalikes:
        """A new key, listing its first contact: one event, as most keys list one or two contacts."""
        return cls(key=key, contact_id=card.contact_id, name=card.name, emails=list(card.emails))

    @event("Started")
    def __init__(
        self, key: str, contact_id: UUID | None = None, name: str = "", emails: list[str] | None = None
    ) -> None:
        self.key = key
        self.cards: list[ContactCard] = []
        if contact_id is not None:
            self.cards.append(ContactCard(contact_id, name, tuple(emails or ())))

    def others(self, contact_id: UUID) -> list[ContactCard]:
        """Everyone listed but ``contact_id``."""
        return [card for card in self.cards if card.contact_id != contact_id]

    def list_contact(self, card: ContactCard) -> None:
        """List the contact as it now is (again, if its name or e-mails changed)."""
        if card not in self.cards:
            self._listed(contact_id=card.contact_id, name=card.name, emails=list(card.emails))

    def unlist(self, contact_id: UUID) -> None:
        """The contact is no longer under this key (renamed, or merged into another)."""
        if any(card.contact_id == contact_id for card in self.cards):
            self._unlisted(contact_id=contact_id)

    @event("Listed")
    def _listed(self, contact_id: UUID, name: str, emails: list[str]) -> None:
        self.cards = relisted(self.cards, ContactCard(contact_id, name, tuple(emails)), self.key)

    @event("Unlisted")
    def _unlisted(self, contact_id: UUID) -> None:
        self.cards = [card for card in self.cards if card.contact_id != contact_id]


class SuggestionStatus(enum.StrEnum):
    """Where a suggested duplicate stands."""

    OPEN = "open"
    DISMISSED = "dismissed"  # a manager said they are two people; it is not suggested again
    MERGED = "merged"


class DuplicateSuggestion(Aggregate):
    """Two contacts that may be one person, and why; open until a manager merges or dismisses them."""

    @staticmethod
    def create_id(contact_ids: list[UUID], reasons: list[str]) -> UUID:  # noqa: ARG004 - same signature as __init__
        """One suggestion per pair of contacts."""
        first, second = contact_ids
        return suggestion_id(first, second)

    @event("Suggested")
    def __init__(self, contact_ids: list[UUID], reasons: list[str]) -> None:
        self.contact_ids = list(contact_ids)
        self.reasons = list(reasons)
        self.status = SuggestionStatus.OPEN

    def other_than(self, contact_id: UUID) -> UUID:
        """The contact of the pair that is not ``contact_id``."""
        first, second = self.contact_ids
        return second if first == contact_id else first

    def dismiss(self, by: UUID, why: str) -> None:
        """A manager says they are two people."""
        if self.status is not SuggestionStatus.OPEN:
            msg = f"the suggestion {self.id} is {self.status} already"
            raise SuggestionClosed(msg)
        self._dismissed(by=by, why=why)

    def merged(self, survivor_id: UUID, by: UUID | None) -> None:
        """The two were merged (into ``survivor_id``): nothing left to suggest."""
        if self.status is SuggestionStatus.OPEN:
            self._resolved(survivor_id=survivor_id, by=by)

    @event("Dismissed")
    def _dismissed(self, by: UUID, why: str) -> None:
        self.status = SuggestionStatus.DISMISSED

    @event("Resolved")
    def _resolved(self, survivor_id: UUID, by: UUID | None) -> None:
        self.status = SuggestionStatus.MERGED
