"""The client of an HTTP request or a console socket, as the gateway's limits count it."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import HTTPConnection

from connectors.client_address import UNKNOWN, Network, client_of

__all__ = ["UNKNOWN", "Network", "client_address"]


def client_address(connection: HTTPConnection, trusted_proxies: Sequence[Network]) -> str:
    """The address the request or socket came from, proxies in front of the gateway seen through."""
    peer = connection.client.host if connection.client else None
    return client_of(peer, connection.headers.getlist("x-forwarded-for"), trusted_proxies)
