"""A record's frame is encoded once per push, whatever the number of consoles it goes to."""

from __future__ import annotations

import json

from services.console.frames import Encoded


def test_a_records_frame_is_one_text_for_every_console_and_reads_as_the_frame() -> None:
    frames = Encoded()
    deal = {"id": "d1", "title": "Oak desks", "amount": 1200}
    first = frames.of("deal", "deal", deal)
    assert frames.of("deal", "deal", deal) is first  # the same text, not an equal one made again
    assert json.loads(first) == {"type": "deal", "deal": deal}
    # Another frame about the same record is another text.
    reminder = frames.of("reminder", "activity", {"id": "d1", "note": "call"})
    assert json.loads(reminder) == {"type": "reminder", "activity": {"id": "d1", "note": "call"}}
