"""The client's address: the peer, or what trusted proxies say in X-Forwarded-For, never what a client says."""

from __future__ import annotations

import ipaddress

from starlette.requests import HTTPConnection

from services.console.client_address import client_address

PROXIES = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1")]


def connection(peer: str, *forwarded: str) -> HTTPConnection:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return HTTPConnection({"type": "http", "client": (peer, 40000), "headers": headers})


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert client_address(connection("203.0.113.7", "198.51.100.1"), []) == "203.0.113.7"


def test_a_client_that_is_not_a_trusted_proxy_cannot_choose_its_address() -> None:
    assert client_address(connection("203.0.113.7", "198.51.100.1"), PROXIES) == "203.0.113.7"


def test_the_rightmost_hop_that_is_not_a_trusted_proxy_is_the_client() -> None:
    # The client wrote "1.2.3.4" itself; the proxies appended what they saw.
    seen = connection("10.0.0.2", "1.2.3.4, 198.51.100.9, 10.0.0.1")
    assert client_address(seen, PROXIES) == "198.51.100.9"
    assert client_address(connection("::1", "1.2.3.4", "198.51.100.9"), PROXIES) == "198.51.100.9"


def test_only_proxies_in_the_chain_leaves_the_peer() -> None:
    assert client_address(connection("10.0.0.2", "10.0.0.3"), PROXIES) == "10.0.0.2"
    assert client_address(connection("10.0.0.2"), PROXIES) == "10.0.0.2"
    assert client_address(connection("10.0.0.2", " , "), PROXIES) == "10.0.0.2"
