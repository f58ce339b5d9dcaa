"""Who wrote a forwarded mail: the sender named in the forwarded part, not the one who forwarded it."""

from __future__ import annotations

import re

# The markers mail clients put above a forwarded message: Gmail, Thunderbird, Apple Mail, Outlook.
_MARKERS = re.compile(
    r"^[ \t>]*(?:-{2,}\s*(?:Forwarded message|Original Message|Пересылаемое сообщение|Исходное сообщение)\s*-{2,}"
    r"|Begin forwarded message:"
    r"|_{10,}\s*$)",  # Outlook: a rule of underscores over the forwarded header block
    re.IGNORECASE | re.MULTILINE,
)
_FROM_LINE = re.compile(r"^[ \t>*]*(?:From|От|Von|De)\s*:\s*(?P<value>.+)$", re.IGNORECASE | re.MULTILINE)
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# The forwarded header block follows the marker within a few lines.
_HEADER_WINDOW = 1_000


def forwarded_sender(text: str) -> str | None:
    """The lowercased address in the From line of the first forwarded message in ``text``, if any."""
    marker = _MARKERS.search(text)
    if marker is None:
        return None
    window = text[marker.end() : marker.end() + _HEADER_WINDOW]
    from_line = _FROM_LINE.search(window)
    if from_line is None:
        return None
    address = _ADDRESS.search(from_line.group("value"))
    return address.group(0).lower() if address else None
