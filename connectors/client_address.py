"""Who is asking: the client's address, the key of the per-address limits (an IPv6 client by its /64).

The address is the peer of the connection. Only when that peer is one of the
configured trusted proxies is ``X-Forwarded-For`` read, from the right: each
trusted proxy appends the address it received from, so the rightmost hop that
is not a trusted proxy is the client. Hops further left were written by the
client itself and are never believed. With no trusted proxies the header is
ignored, so nobody can choose their own address by sending it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from connectors.rate_limit import address_key

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"
_LONGEST = 64  # an IPv6 address with a zone fits; anything longer is not an address


def client_of(peer: str | None, forwarded_for: Iterable[str], trusted_proxies: Sequence[Network]) -> str:
    """The client behind ``peer``, seen through the trusted proxies' ``X-Forwarded-For`` lines."""
    peer = peer or UNKNOWN
    if not _trusted(peer, trusted_proxies):
        return address_key(peer)
    hops = [hop.strip() for line in forwarded_for for hop in line.split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        if not _trusted(hop, trusted_proxies):
            return address_key(hop[:_LONGEST])
    return address_key(peer)


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    if not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)
