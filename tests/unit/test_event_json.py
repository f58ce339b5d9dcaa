"""The event store's JSON is written with orjson in the very bytes the library's transcoder writes."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import JSONTranscoder, TranscodingNotRegisteredError

from application.event_store import EventStore


class Status(enum.StrEnum):
    OPEN = "open"


class Level(enum.IntEnum):
    HIGH = 2


def _transcoders() -> tuple[JSONTranscoder, JSONTranscoder]:
    ours = EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper.transcoder
    assert isinstance(ours, JSONTranscoder)
    library = JSONTranscoder()
    for transcoding in ours.names.values():
        library.register(transcoding)
    return ours, library


STATES: list[Any] = [
    {
        "id": uuid4(),
        "at": [datetime.now(tz=UTC), (1, 2.5, None, True)],
        "amount": Decimal("1200.50"),
        "status": Status.OPEN,
        "level": Level.HIGH,
        "text": "Grüße ✓",
        "nested": {"ids": [uuid4()], "empty": {}},
    },
    {"_type_": "looks like a tag", "other": 1},
    {"big": 10**30, "not a number": float("nan")},
    {"small": 1e-05, "large": 1e16, "plain": 0.1},
    {1: "a key that is a number"},
]


@pytest.mark.parametrize("state", STATES)
def test_the_same_bytes_as_the_library_and_the_same_values_back(state: Any) -> None:
    ours, library = _transcoders()
    written = ours.encode(state)
    assert written == library.encode(state)
    assert repr(ours.decode(written)) == repr(library.decode(written))


@pytest.mark.parametrize(
    ("state", "error"),
    [({"x": object()}, TranscodingNotRegisteredError), ({"text": "\ud800"}, UnicodeEncodeError)],
)
def test_what_the_library_refuses_is_refused_with_its_error(state: Any, error: type[Exception]) -> None:
    ours, _ = _transcoders()
    with pytest.raises(error):
        ours.encode(state)
