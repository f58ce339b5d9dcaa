"""What strangers may do with the widget's socket: the limits the web-chat connector enforces."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.client_address import Network


@dataclass(frozen=True)
class WidgetLimits:
    """Limits per client address (the socket's peer, or the client a trusted proxy names) and per visitor."""

    # Before hello: a stranger must greet within this time, in a small frame.
    hello_timeout: float = 10.0
    max_hello_bytes: int = 4096
    # Open sockets: one visitor's tabs, one address's visitors, and those of them not greeted yet.
    sockets_per_visitor: int = 5
    sockets_per_address: int = 50
    unauthenticated_per_address: int = 10
    # Frames a visitor may send: ``message_burst`` at once, then ``messages_per_second``.
    messages_per_second: float = 2.0
    message_burst: int = 20
    # Frames waiting for a visitor to read them, and how long one may take to be written.
    outbox_frames: int = 64
    send_timeout: float = 10.0
    # Reverse proxies whose X-Forwarded-For names the client; none by default, so nobody picks their address.
    trusted_proxies: tuple[Network, ...] = ()
