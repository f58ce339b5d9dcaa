"""A customer's VK message as the inbox takes it: their name, their files kept, one InboundMessage.

The same for both ways events arrive (Callback API, long poll), so a message that came both ways
(a community switched from one to the other) is the same message and is stored once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from connectors.vk.downloads import Fetched, fetch
from connectors.vk.events import CustomerWrote, InvalidEvent
from connectors.vk.names import SenderNames
from domain.attachments import MAX_ATTACHMENTS, MAX_FILENAME_LENGTH, Attachment
from domain.channels import Channel, ChannelAddress
from domain.inbound import InboundMessage
from domain.text import TextKind, is_clean

# Stores the bytes of the files that were kept, by content hash, before the message is published.
KeepFiles = Callable[[list[Fetched]], Awaitable[None]]


@dataclass(frozen=True)
class Community:
    """A configured community: its name (the source of its leads) and its VK group id."""

    name: str
    group_id: int


def message_id(group_id: int, wrote: CustomerWrote) -> str:
    """The message's id in the inbox: VK's message id within the community, and the edit's time for an edit."""
    own = f"{group_id}:{wrote.message_id}"
    return own if wrote.edited_at is None else f"{own}:edited:{wrote.edited_at}"


def thread(group_id: int, peer_id: int) -> str:
    """A customer's dialog with one community: one conversation per community and customer."""
    return f"{group_id}:{peer_id}"


class Receiver:
    """Turns a community's customer messages into inbound messages, their files kept first."""

    def __init__(
        self, community: Community, names: SenderNames, files: httpx.AsyncClient, keep: KeepFiles, max_bytes: int
    ) -> None:
        self.community = community
        self._names = names
        self._files = files
        self._keep = keep
        self._max_bytes = max_bytes

    async def inbound(self, wrote: CustomerWrote) -> InboundMessage:
        """The message to publish; MediaUnavailable if a file could not be fetched yet."""
        media = wrote.media[:MAX_ATTACHMENTS]
        fetched = await asyncio.gather(*(fetch(self._files, m, self._max_bytes) for m in media))
        kept = [f for f in fetched if f.content is not None]
        if kept:
            await self._keep(kept)
        name = await self._names.name(wrote.from_id)
        return message_of(self.community, wrote, name, fetched)


def message_of(community: Community, wrote: CustomerWrote, sender_name: str, files: list[Fetched]) -> InboundMessage:
    """The inbound message for what the customer wrote; InvalidInboundMessage names a field the rule refuses."""
    try:
        received_at = datetime.fromtimestamp(wrote.edited_at or wrote.date, UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidEvent("date", f"{wrote.edited_at or wrote.date} is not a time") from None
    return InboundMessage(
        channel=Channel.VK,
        channel_message_id=message_id(community.group_id, wrote),
        thread=thread(community.group_id, wrote.peer_id),
        # A VK user id is the same in every community: one person writing to two is one contact.
        sender=ChannelAddress(Channel.VK, str(wrote.from_id)),
        text=wrote.text,
        received_at=received_at,
        sender_name=sender_name,
        source=community.name,
        attachments=tuple(_attachment(f) for f in files),
        edit_of="" if wrote.edited_at is None else f"{community.group_id}:{wrote.message_id}",
    )


def _attachment(file: Fetched) -> Attachment:
    # A document's title is the customer's own text: a name the rule would refuse gives way to VK's.
    filename = file.media.filename[:MAX_FILENAME_LENGTH]
    if not is_clean(filename, TextKind.LINE):
        filename = file.media.identity
    return Attachment(
        sha256=file.sha256,
        filename=filename,
        content_type=file.media.content_type,
        size=file.size,
        kept=file.content is not None,
    )
