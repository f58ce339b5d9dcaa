"""Readiness check for a Kafka node, spoken in the raw Kafka wire protocol.

Sends ApiVersions and Metadata requests over a plain socket, so that no Kafka
client library is needed to tell when a freshly started broker serves requests.
"""

from __future__ import annotations

import socket
import struct

_API_METADATA = 3
_API_VERSIONS = 18
_ERROR_NONE = 0
_ERROR_UNSUPPORTED_VERSION = 35
# Non-flexible Metadata versions whose request/response layout is encoded below.
_METADATA_VERSIONS = range(4, 9)
_METADATA_AUTHORIZED_OPS_VERSION = 8


class _ProtocolError(Exception):
    pass


def _broker_ready(host: str, port: int, timeout: float) -> bool:
    """Whether the node answers ApiVersions and lists a live broker in Metadata.

    A TCP connect alone is not enough: the listener socket is bound (and the
    kernel completes handshakes into its backlog) well before the broker has
    caught up with the metadata log and starts processing requests.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            versions = _api_versions(sock)
            supported = versions.get(_API_METADATA)
            if supported is None:
                return False
            usable = [v for v in _METADATA_VERSIONS if supported[0] <= v <= supported[1]]
            if not usable:  # a broker too new for this probe: ApiVersions must do
                return True
            return _live_brokers(sock, max(usable)) > 0
    except (OSError, _ProtocolError, struct.error):
        return False


def _request(sock: socket.socket, api_key: int, version: int, body: bytes) -> bytes:
    correlation_id = 0x5B0A
    client_id = b"switchboard-local-kafka-probe"
    header = struct.pack(">hhih", api_key, version, correlation_id, len(client_id)) + client_id
    payload = header + body
    sock.sendall(struct.pack(">i", len(payload)) + payload)
    (size,) = struct.unpack(">i", _recv_exactly(sock, 4))
    response = _recv_exactly(sock, size)
    (echoed,) = struct.unpack_from(">i", response)
    if echoed != correlation_id:
        msg = f"correlation id {echoed} != {correlation_id}"
        raise _ProtocolError(msg)
    return response[4:]  # response header v0 is just the correlation id


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    chunks: list[bytes] = []
    while size > 0:
        chunk = sock.recv(min(size, 65536))
        if not chunk:
            msg = "connection closed"
            raise _ProtocolError(msg)
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _api_versions(sock: socket.socket) -> dict[int, tuple[int, int]]:
    """Send ApiVersions v0 and return ``{api_key: (min_version, max_version)}``."""
    body = _request(sock, _API_VERSIONS, 0, b"")
    error, count = struct.unpack_from(">hi", body)
    if error not in (_ERROR_NONE, _ERROR_UNSUPPORTED_VERSION):
        msg = f"ApiVersions error {error}"
        raise _ProtocolError(msg)
    versions: dict[int, tuple[int, int]] = {}
    for index in range(count):
        key, low, high = struct.unpack_from(">hhh", body, 6 + 6 * index)
        versions[key] = (low, high)
    return versions


def _live_brokers(sock: socket.socket, version: int) -> int:
    """Send Metadata (v4-v8, no topics) and return how many brokers it lists."""
    body = struct.pack(">ib", 0, 0)  # topics: empty array; no auto-creation
    if version >= _METADATA_AUTHORIZED_OPS_VERSION:
        body += struct.pack(">bb", 0, 0)  # no authorized operations
    response = _request(sock, _API_METADATA, version, body)
    _throttle_ms, brokers = struct.unpack_from(">ii", response)
    return int(brokers)
