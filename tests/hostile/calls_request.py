"""A request of the call webhooks' hostile corpus, and how a case of it is written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tests.hostile.corpus import Case, expect

TEN_MB = 10 * 1024 * 1024


@dataclass(frozen=True)
class CallRequest:
    """What one case sends: a path, a body (or a huge chunked one), and its headers."""

    path: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    chunked_bytes: int = 0  # when set, the body is this many bytes sent in chunks, without a length
    method: str = "POST"


Build = Callable[[], CallRequest]


def case(family: str, name: str, build: Build, status: int, names_field: str = "") -> Case:
    """A case of the calls surface: what it sends and the status (and field) it must get."""
    return Case("calls", family, name, build, expect(f"status {status}"), names_field)
