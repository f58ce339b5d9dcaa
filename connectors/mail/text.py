"""Text out of mail: charset decoding, HTML to plain text, and strings cleaned for headers and filenames."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

# Line breaks, other C0/C1 controls and bidirectional overrides: none belongs in a one-line value, and
# CR/LF in a name or subject is how header injection starts when the value is written into a reply.
_HEADER_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]+")
_SPACES = re.compile(r"\s+")
# A body keeps its line breaks and tabs; NUL and other controls are dropped (PostgreSQL text refuses NUL).
_BODY_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_LINE_ENDS = re.compile(r"\r\n?")
_BLANK_LINES = re.compile(r"\n{3,}")
_PATH_SEPARATORS = re.compile(r"[/\\]")
MAX_FILENAME_CHARS = 255

_BLOCK_TAGS = frozenset(
    {"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol"}
)
_DROPPED_WITH_CONTENT = frozenset({"script", "style", "title"})


def valid_unicode(text: str) -> str:
    """``text`` with no lone surrogates, which UTF-8 encoders (JSON, Kafka, PostgreSQL) refuse.

    The ``email`` package keeps undecodable bytes as surrogate escapes; they are read back as UTF-8.
    """
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def clean_header(text: str) -> str:
    """A header value on one line: no CR, LF or other controls, runs of whitespace as one space."""
    return _SPACES.sub(" ", _HEADER_UNSAFE.sub(" ", valid_unicode(text))).strip()


def clean_body(text: str) -> str:
    """A body with LF line ends, no controls but tabs, and no runs of blank lines."""
    text = _BODY_UNSAFE.sub("", _LINE_ENDS.sub("\n", valid_unicode(text)))
    return _BLANK_LINES.sub("\n\n", text).strip()


def clean_filename(name: str | None) -> str | None:
    """The last path component of an attachment's name, without controls; None when nothing is left."""
    if not name:
        return None
    components = [c for c in _PATH_SEPARATORS.split(_HEADER_UNSAFE.sub("", valid_unicode(name))) if c.strip()]
    # Leading dots: neither "..", nor a hidden file when someone saves it.
    cleaned = components[-1].strip().lstrip(".").strip() if components else ""
    return cleaned[:MAX_FILENAME_CHARS] or None


def decode_payload(payload: bytes, charset: str | None) -> str:
    """Bytes of a text part in their declared charset; UTF-8 when it is unknown; bad bytes replaced."""
    try:
        return payload.decode(charset or "utf-8", "replace")
    except (LookupError, UnicodeError, ValueError, TypeError):
        # Unknown names ("x-unknown"), codecs that are not text encodings ("base64", "bz2"),
        # and codecs that refuse the "replace" error handler ("idna").
        return payload.decode("utf-8", "replace")


class _TextCollector(HTMLParser):
    """Text of sanitized markup, with a line break around each block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "hr":  # a rule, as plain-text mail draws it (Outlook sets one above a forwarded mail)
            self.chunks.append("\n" + "_" * 32 + "\n")
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        self.chunks.append(_SPACES.sub(" ", data))


def html_to_text(markup: str, max_chars: int) -> str:
    """Plain text of an HTML body: scripts, styles and comments dropped, tags removed, entities decoded.

    ``nh3`` (an HTML5 parser in Rust) first reduces the markup to bare block tags. The standard
    library's ``html.parser`` alone is quadratic on some malformed markup (100 KiB of unclosed
    attributes took 26 s on CPython 3.11); on ``nh3``'s well-formed output it is linear.
    """
    safe = nh3.clean(
        markup[:max_chars],
        tags={*_BLOCK_TAGS, "hr"},
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        attributes={},
        strip_comments=True,
        link_rel=None,
    )
    collector = _TextCollector()
    collector.feed(safe)
    collector.close()
    lines = (line.strip() for line in "".join(collector.chunks).split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
