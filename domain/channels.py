"""Channels customers write from, and the address of a customer in each."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from domain.errors import InvalidInboundMessage

MAX_ADDRESS_LENGTH = 320


class Channel(enum.StrEnum):
    """A way a customer reaches us."""

    WEBCHAT = "webchat"
    EMAIL = "email"
    TELEGRAM = "telegram"
    VK = "vk"
    PHONE = "phone"
    FORM = "form"


@dataclass(frozen=True)
class ChannelAddress:
    """Where a customer can be reached in one channel (a widget visitor id, an email...)."""

    channel: Channel
    value: str

    def __post_init__(self) -> None:
        if not self.value or len(self.value) > MAX_ADDRESS_LENGTH:
            msg = f"{self.channel} address must be 1..{MAX_ADDRESS_LENGTH} characters"
            raise InvalidInboundMessage(msg)

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
