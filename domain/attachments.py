"""A file a customer sent with a message, as the inbox knows it; the bytes live in the attachment store."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from domain.channels import inbound_text
from domain.errors import InvalidInboundMessage
from domain.text import TextKind

_SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_ATTACHMENTS = 200
MAX_FILENAME_LENGTH = 255
MAX_CONTENT_TYPE_LENGTH = 255


@dataclass(frozen=True)
class Attachment:
    """A file by its content hash; ``kept`` is False when it was over the size the store keeps."""

    sha256: str
    filename: str
    content_type: str
    size: int
    kept: bool

    def __post_init__(self) -> None:
        if not _SHA256.fullmatch(self.sha256):
            msg = "attachment sha256 must be 64 lowercase hex digits"
            raise InvalidInboundMessage(msg)
        # A file may come without a name; both are shown to operators as one line.
        for name, value, max_length in (
            ("filename", self.filename, MAX_FILENAME_LENGTH),
            ("content_type", self.content_type, MAX_CONTENT_TYPE_LENGTH),
        ):
            inbound_text(f"attachment {name}", value, max_length=max_length, kind=TextKind.LINE, required=False)
        if self.size < 0:
            msg = "attachment size must not be negative"
            raise InvalidInboundMessage(msg)

    def to_dict(self) -> dict[str, Any]:
        """The attachment as plain JSON-ready data."""
        return {
            "sha256": self.sha256,
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "kept": self.kept,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Attachment:  # noqa: ANN401 - untrusted input
        """Validate untrusted data into an attachment, or raise InvalidInboundMessage."""
        if not isinstance(data, dict):
            msg = "an attachment must be a JSON object"
            raise InvalidInboundMessage(msg)
        sha256, filename, content_type = data.get("sha256"), data.get("filename"), data.get("content_type")
        size, kept = data.get("size"), data.get("kept")
        if not (isinstance(sha256, str) and isinstance(filename, str) and isinstance(content_type, str)):
            msg = "attachment sha256, filename and content_type must be strings"
            raise InvalidInboundMessage(msg)
        if not isinstance(size, int) or isinstance(size, bool) or not isinstance(kept, bool):
            msg = "attachment size must be an integer and kept a boolean"
            raise InvalidInboundMessage(msg)
        return cls(sha256=sha256, filename=filename, content_type=content_type, size=size, kept=kept)
