"""Stable identities derived from what a channel tells us.

Deriving an aggregate's id from the channel's own keys makes a second
delivery of the same message collide with the first in the event store, so
a redelivered message cannot be stored twice.
"""

import functools
from uuid import UUID, uuid5

_NAMESPACE = UUID("6f1c1c8e-4d0a-4b59-9a53-8f1f0d7c2a10")
# Receiving a message derives the same few ids several times (to load them in bulk, then to use
# them), and routing the team's and its lead's again: remembered, each is hashed once.
_remembered = functools.lru_cache(maxsize=16_384)


@_remembered
def conversation_id(channel: str, thread: str) -> UUID:
    """The conversation a channel thread (a widget visitor, a mail thread) belongs to."""
    return uuid5(_NAMESPACE, f"conversation/{channel}/{thread}")


@_remembered
def message_receipt_id(channel: str, channel_message_id: str) -> UUID:
    """The receipt of one message as the channel identifies it."""
    return uuid5(_NAMESPACE, f"message/{channel}/{channel_message_id}")


@_remembered
def address_book_entry_id(address: str) -> UUID:
    """The address-book entry that maps one channel address to its contact."""
    return uuid5(_NAMESPACE, f"address/{address}")


@_remembered
def lead_id(conversation: UUID) -> UUID:
    """The lead a conversation opened."""
    return uuid5(_NAMESPACE, f"lead/{conversation}")


def reply_id(conversation: UUID, request_id: str) -> UUID:
    """An operator's reply, identified by the console's request id."""
    return uuid5(_NAMESPACE, f"reply/{conversation}/{request_id}")


@_remembered
def manager_id(email: str) -> UUID:
    """A manager, by their e-mail address."""
    return uuid5(_NAMESPACE, f"manager/{email.strip().lower()}")


@_remembered
def team_id(name: str) -> UUID:
    """A team (queue) of managers."""
    return uuid5(_NAMESPACE, f"team/{name}")


def converted_record_id(lead: UUID, record: str) -> UUID:
    """The contact, company or deal (``record``) a lead converted into; converting again finds it."""
    return uuid5(_NAMESPACE, f"converted/{lead}/{record}")


def call_id(line: str, reference: str) -> UUID:
    """A call on a line, by the id its telephone provider gave it."""
    return uuid5(_NAMESPACE, f"call/{line}/{reference}")


def call_activity_id(call: UUID) -> UUID:
    """The activity that shows a call on its customer's contact."""
    return uuid5(_NAMESPACE, f"call-activity/{call}")


def call_back_id(call: UUID) -> UUID:
    """The task to call a customer back after a missed call."""
    return uuid5(_NAMESPACE, f"call-back/{call}")


def call_backs_id(number: str) -> UUID:
    """The call-back tasks still open for one phone number (E.164)."""
    return uuid5(_NAMESPACE, f"call-backs/{number}")


def calls_awaiting_id(lead: UUID) -> UUID:
    """The calls on a lead that wait for it to have a manager."""
    return uuid5(_NAMESPACE, f"calls-awaiting/{lead}")


def pinboard_id(manager: UUID) -> UUID:
    """The conversations one operator pinned to the top of their list."""
    return uuid5(_NAMESPACE, f"pins/{manager}")


def canned_reply_id(scope: str, shortcut: str) -> UUID:
    """A canned reply, by whose list it is in (a team's or an operator's) and its shortcut."""
    return uuid5(_NAMESPACE, f"canned/{scope}/{shortcut.strip().lower()}")


def note_id(conversation: UUID, request_id: str) -> UUID:
    """A hidden note between colleagues, identified by the console's request id."""
    return uuid5(_NAMESPACE, f"note/{conversation}/{request_id}")
