"""What a visitor's socket carries beside messages: typing both ways, the pre-chat form, the closed notice.

None of it is a message: typing passes on to the operators live and is never published; the
pre-chat form is kept while the visitor has a socket open and goes with each message after it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from connectors.rate_limit import RateLimiter
from connectors.webchat_profile import ProfileRefused, VisitorProfile, profile_of
from domain.chat_signal import ChatSignal, SignalKind

log = structlog.get_logger()

Typing = Callable[[str], Awaitable[None]]

# A visitor's typing is passed on at most about once a second: the widget sends it every few seconds.
TYPING_PER_SECOND, TYPING_BURST = 1.0, 3
TYPING_FRAME = '{"type": "typing"}'
CHAT_FRAMES = ("typing", "introduce")


def is_typing(raw: str | bytes) -> bool:
    """Whether a frame is the widget's typing frame, exactly: the most frequent frame goes unparsed."""
    return raw in (TYPING_FRAME, TYPING_FRAME.replace(" ", ""))


def signal_frame(signal: ChatSignal) -> str | None:
    """The widget's frame for a signal to the visitor; None for one that is not theirs."""
    if signal.kind is SignalKind.OPERATOR_TYPING:
        return json.dumps({"type": "typing", "operator": signal.operator_name})
    if signal.kind is SignalKind.CONVERSATION_CLOSED:
        return json.dumps({"type": "closed"})
    return None


class VisitorChat:
    """Typing and the pre-chat form, per visitor."""

    def __init__(self, on_typing: Typing | None = None, phone_region: str = "") -> None:
        self._on_typing = on_typing
        self._phone_region = phone_region
        self._typing = RateLimiter(TYPING_PER_SECOND, TYPING_BURST)
        self._profiles: dict[str, VisitorProfile] = {}

    def profile(self, visitor_id: str) -> VisitorProfile:
        """What the visitor said about themselves, if anything."""
        return self._profiles.get(visitor_id, VisitorProfile())

    def forget(self, visitor_id: str) -> None:
        """The visitor's last socket here closed: the widget says it again on the next."""
        self._profiles.pop(visitor_id, None)

    async def typed(self, visitor_id: str) -> int | None:
        """Pass the visitor's typing on; the seconds to wait when they type too often, else None."""
        if not self._typing.allow(visitor_id):
            return self._typing.retry_after(visitor_id)
        if self._on_typing is not None:
            try:
                await self._on_typing(visitor_id)
            except Exception:  # noqa: BLE001 - a typing indicator lost is no harm; the chat goes on
                log.warning("webchat_typing_not_passed_on", visitor_id=visitor_id)
        return None

    def introduce(self, visitor_id: str, frame: dict[str, Any]) -> str | None:
        """Keep the pre-chat form; what is wrong with it, or None when taken."""
        try:
            self._profiles[visitor_id] = profile_of(frame, self._phone_region)
        except ProfileRefused as refused:
            return str(refused)
        log.info("webchat_introduced", visitor_id=visitor_id)
        return None
