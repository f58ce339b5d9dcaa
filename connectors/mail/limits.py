"""Size limits on inbound mail, checked before the ``email`` package sees the bytes and after it parsed them.

Python's ``email`` package has slow paths on hostile input: parsing many MIME parts, and parsing long
structured header values (addresses, parameters, comments), whose cost grows with the square of the
length. The cheap byte-level checks here run first; the parsed tree is then walked without recursion,
and every header value handed to the structured parser is cut to a bounded length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import Message
from typing import Literal

KIB = 1024
MIB = 1024 * KIB

RejectReason = Literal["too_large", "header_too_large", "too_many_parts", "too_deep", "unparseable", "no_sender"]

# A blank line ends the header block. Atomic groups keep "\r\n" from counting as two line ends.
HEADER_END = re.compile(rb"(?>\r\n|\r|\n)(?>\r\n|\r|\n)")
# A boundary parameter anywhere in the mail (quoted or not; RFC 2046 allows up to 70 characters).
_BOUNDARY = re.compile(rb'boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))', re.IGNORECASE)
# A line starting with "--", and the rest of it.
_DASH_LINE = re.compile(rb"(?:\A|[\r\n])--([^\r\n]{0,204})")


@dataclass(frozen=True)
class MailLimits:
    """How much of an inbound mail is accepted, and how much of it is kept."""

    max_total_bytes: int = 25 * MIB
    max_header_bytes: int = 256 * KIB
    max_parts: int = 200
    max_depth: int = 24  # forwards of forwards nest two levels each
    max_attachment_bytes: int = 10 * MIB
    # Measured on CPython 3.11: a 64 KiB address list takes over a second to parse, 256 KiB about 20 s.
    max_header_value_chars: int = 8 * KIB
    # HTML parsers are superlinear on deeply nested markup (about 1 s per 128 KiB of nested <div>).
    max_html_chars: int = 128 * KIB


class MailRejected(Exception):
    """A mail that is not accepted; ``reason_code`` names why, ``detail`` says what was found."""

    def __init__(self, reason_code: RejectReason, detail: str) -> None:
        super().__init__(f"{reason_code}: {detail}")
        self.reason_code: RejectReason = reason_code
        self.detail = detail


def check_raw(raw: bytes, limits: MailLimits) -> None:
    """Reject, from the bytes alone, a mail too big, with too big a header block, or too many parts."""
    if len(raw) > limits.max_total_bytes:
        raise MailRejected("too_large", f"{len(raw)} bytes; at most {limits.max_total_bytes} are accepted")
    # Search one byte past the limit only: a longer header block is rejected whatever follows.
    header_end = HEADER_END.search(raw, 0, limits.max_header_bytes + 4)
    header_bytes = header_end.start() if header_end else len(raw)
    if header_bytes > limits.max_header_bytes:
        raise MailRejected(
            "header_too_large",
            f"the header block is over {limits.max_header_bytes} bytes",
        )
    # The parser only splits parts at lines that are "--" and a declared boundary (it breaks lines at \r,
    # \n and \r\n). A message within the limit has at most one opening delimiter per part and one closing
    # delimiter per multipart, so fewer than 2 * max_parts such lines. Lines that merely start with "--"
    # (signatures, SQL comments, separators) are not delimiters and do not count.
    boundaries = {m.group(1) or m.group(2) for m in _BOUNDARY.finditer(raw)}
    if len(boundaries) > limits.max_parts:
        raise MailRejected("too_many_parts", f"{len(boundaries)} boundaries; at most {limits.max_parts} parts")
    delimiters = 0
    for line in _DASH_LINE.finditer(raw):
        candidate = line.group(1).rstrip(b" \t")
        if candidate in boundaries or (candidate.endswith(b"--") and candidate[:-2] in boundaries):
            delimiters += 1
    if delimiters >= 2 * limits.max_parts:
        raise MailRejected(
            "too_many_parts",
            f"{delimiters} MIME delimiter lines; at most {limits.max_parts} parts are accepted",
        )


def bounded_parts(message: Message, limits: MailLimits) -> list[Message]:
    """Every part of a parsed mail in document order, root first; reject too many or too deep."""
    parts: list[Message] = []
    stack: list[tuple[Message, int]] = [(message, 0)]
    while stack:
        part, depth = stack.pop()
        if depth > limits.max_depth:
            raise MailRejected("too_deep", f"MIME parts nest deeper than {limits.max_depth} levels")
        parts.append(part)
        if len(parts) > limits.max_parts:
            raise MailRejected("too_many_parts", f"more than {limits.max_parts} MIME parts")
        children = part.get_payload() if part.is_multipart() else []
        if isinstance(children, list):
            stack.extend((child, depth + 1) for child in reversed(children) if isinstance(child, Message))
    return parts


class BoundedHeaders(HeaderRegistry):
    """The modern policy's header parser, given at most ``max_chars`` of each value.

    Parsed headers are remembered per mail, because the ``email`` package parses a header again on
    every access (the parser reads Content-Type several times per part).
    """

    def __init__(self, max_chars: int) -> None:
        super().__init__()
        self._max_chars = max_chars
        self._parsed: dict[tuple[str, str], BaseHeader] = {}

    def __call__(self, name: str, value: str) -> BaseHeader:
        """The parsed header, from its value's first ``max_chars`` characters."""
        value = value[: self._max_chars]
        key = (name, value)
        header = self._parsed.get(key)
        if header is None:
            try:
                header = super().__call__(name, value)
            except (RecursionError, ValueError, TypeError, IndexError, AttributeError, LookupError):
                # Deeply nested comments and known parser bugs: the header counts as empty, the mail
                # is still read.
                header = super().__call__(name, "")
            self._parsed[key] = header
        return header
