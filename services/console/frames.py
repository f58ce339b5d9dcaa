"""Console frames encoded once per push, however many consoles each goes to."""

from __future__ import annotations

import json
from typing import Any


def encode_frame(frame: dict[str, Any]) -> str:
    """A frame as the text sent on the console socket."""
    return json.dumps(frame, default=str)


class Encoded:
    """The frames of one push that carry a record, each encoded the first time a console is sent it.

    A record is the same for every console allowed to see it, so its frame is the same text for all:
    encoding it once per console would cost a thousand encodings for a thousand consoles.
    """

    def __init__(self) -> None:
        self._texts: dict[tuple[str, str], str] = {}

    def of(self, frame_type: str, field: str, row: dict[str, Any]) -> str:
        """The text of ``{"type": frame_type, field: row}``."""
        key = (frame_type, str(row["id"]))
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = encode_frame({"type": frame_type, field: row})
        return text
