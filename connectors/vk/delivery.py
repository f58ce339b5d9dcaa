"""Sending an operator's reply to a customer's VK dialog, once.

Each part of a reply carries a ``random_id`` derived from the reply's id: VK answers a second
``messages.send`` with a ``random_id`` it has seen with the message it already sent, so sending a
reply again (after a timeout, or a sender stopped halfway) never shows it twice. Errors 6 (too
many requests per second), 9 (flood control) and 10 (VK's own failure), and no answer at all, are
worth trying again; 901 means the customer has not allowed the community to write to them.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from uuid import UUID

from connectors.vk.api import CommunityApi, VkError, VkUnavailable

MAX_MESSAGE_LENGTH = 4096  # what messages.send takes in one message
MESSAGES_NOT_ALLOWED = 901
NOT_ALLOWED_DETAIL = "the customer has not allowed the community to send them messages (VK error 901)"


class Handover(enum.Enum):
    """How one attempt at sending a reply ended."""

    SENT = "sent"
    RETRY = "retry"  # try again later: VK asked us to slow down, failed, or did not answer
    REFUSED = "refused"  # VK will not take it, whatever we do


@dataclass(frozen=True)
class Attempt:
    """An attempt's end, in VK's words."""

    handover: Handover
    detail: str


def random_id(reply_id: UUID, part: int) -> int:
    """The ``random_id`` of one part of a reply: a positive 31-bit number, the same on every attempt."""
    digest = hashlib.sha256(f"{reply_id}/{part}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFF_FFFF or 1


def parts(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """The reply cut into messages VK takes, at a line break or a space where one is near the limit."""
    cut: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        at = max(window.rfind("\n"), window.rfind(" "))
        at = at + 1 if at >= limit // 2 else limit
        cut.append(text[:at])
        text = text[at:]
    cut.append(text)
    return cut


async def send_reply(api: CommunityApi, peer_id: int, reply_id: UUID, text: str) -> Attempt:
    """Send every part of the reply, in order; parts VK already has are not shown again."""
    sent: list[int] = []
    for index, part in enumerate(parts(text)):
        try:
            sent.append(await api.send(peer_id, random_id(reply_id, index), part))
        except VkUnavailable as error:
            return Attempt(Handover.RETRY, f"VK did not answer: {error}")
        except VkError as error:
            if error.temporary:
                return Attempt(Handover.RETRY, f"VK error {error.code}: {error.message}")
            detail = (
                NOT_ALLOWED_DETAIL if error.code == MESSAGES_NOT_ALLOWED else f"VK error {error.code}: {error.message}"
            )
            if sent:
                detail += f" (after {len(sent)} of its parts were sent)"
            return Attempt(Handover.REFUSED, detail)
    return Attempt(Handover.SENT, "VK message " + ", ".join(map(str, sent)))
