"""Channels customers write from, and the address of a customer in each."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from domain.errors import InvalidInboundMessage
from domain.text import InvalidText, TextKind, checked_text

MAX_ADDRESS_LENGTH = 320


class Channel(enum.StrEnum):
    """A way a customer reaches us."""

    WEBCHAT = "webchat"
    EMAIL = "email"
    TELEGRAM = "telegram"
    VK = "vk"
    PHONE = "phone"
    FORM = "form"

    @property
    def carries_files(self) -> bool:
        """Whether an operator's reply in this channel can carry files (a mail, a Telegram chat)."""
        return self in _FILE_CHANNELS


_FILE_CHANNELS = frozenset({Channel.EMAIL, Channel.TELEGRAM})


@dataclass(frozen=True)
class ChannelAddress:
    """Where a customer can be reached in one channel (a widget visitor id, an email...)."""

    channel: Channel
    value: str

    def __post_init__(self) -> None:
        inbound_text(f"{self.channel} address", self.value, max_length=MAX_ADDRESS_LENGTH, kind=TextKind.IDENTIFIER)

    def __str__(self) -> str:
        return f"{self.channel}:{self.value}"

    @classmethod
    def parse(cls, text: str) -> ChannelAddress:
        """Read an address written as ``channel:value``."""
        channel, sep, value = text.partition(":")
        if not sep:
            msg = f"address {text!r} must look like 'channel:value'"
            raise InvalidInboundMessage(msg)
        try:
            return cls(Channel(channel), value)
        except ValueError:
            msg = f"unknown channel {channel!r} in address {text!r}"
            raise InvalidInboundMessage(msg) from None


def inbound_text(field: str, value: object, *, max_length: int, kind: TextKind, required: bool = True) -> None:
    """Check a field of what a channel handed us by the one text rule; InvalidInboundMessage naming it if not.

    The router sets aside exactly the messages InvalidInboundMessage names, so the rule's own error is
    translated here rather than let through as a plain ValueError.
    """
    try:
        checked_text(field, value, max_length=max_length, kind=kind, required=required)
    except InvalidText as invalid:
        raise InvalidInboundMessage(str(invalid)) from invalid
