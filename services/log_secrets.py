"""Secrets kept out of the logs, whatever a log call or an exception's text carries.

A structlog processor, run after tracebacks are formatted and before the line is written. It hides
the value of any field named like a secret (``token``, ``password``, ``secret``, ``authorization``,
``cookie``, ``dsn``, ...), every secret the settings hold (signing key, mailbox passwords, bot and
community tokens, webhook secrets, the database password) wherever it appears in a line, and what
has the shape of a secret in text: the password in a URL (``postgresql://user:password@host``), a
Telegram bot token in an API URL, a bearer token, an ``access_token=`` or ``token=`` parameter.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

HIDDEN = "[hidden]"
SECRET_FIELD = re.compile(r"token|passw|secret|authori[sz]ation|cookie|dsn|api_?key|signature", re.IGNORECASE)
# The shorter a known secret, the likelier it is to be an ordinary word: those are found by shape only.
MIN_KNOWN_SECRET = 6
# Each shape with a part it cannot be without: most log text has none of them and skips the pattern.
SHAPES = (
    ("://", re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+@", re.IGNORECASE), r"\1" + HIDDEN + "@"),
    ("bot", re.compile(r"\bbot\d+:[\w-]{20,}"), "bot" + HIDDEN),
    (" ", re.compile(r"\b(bearer|basic)\s+[\w.~+/=-]+", re.IGNORECASE), r"\1 " + HIDDEN),
    ("=", re.compile(r"(?<![a-z0-9])(\w*?(?:token|secret|passw\w*|key))=[^&\s\"']+", re.IGNORECASE), r"\1=" + HIDDEN),
)


class SecretsHidden:
    """The structlog processor: every event dict leaves it with its secrets hidden."""

    def __init__(self, known: Iterable[str] = ()) -> None:
        # Longest first, so a secret that contains another is hidden whole.
        self._known = sorted({s for s in known if len(s) >= MIN_KNOWN_SECRET}, key=len, reverse=True)

    def __call__(self, _logger: object, _method: str, event: MutableMapping[str, Any]) -> dict[str, Any]:
        """Hide what is secret in ``event``'s values."""
        return {key: HIDDEN if _secret_field(key, value) else self._hidden(value) for key, value in event.items()}

    def text(self, text: str) -> str:
        """``text`` with every known secret and every secret-shaped part hidden."""
        if len(text) < MIN_KNOWN_SECRET:
            return text
        for secret in self._known:
            if secret in text:
                text = text.replace(secret, HIDDEN)
        for needle, shape, replacement in SHAPES:
            if needle in text:
                text = shape.sub(replacement, text)
        return text

    def _hidden(self, value: object) -> object:
        if value is None or type(value) in PLAIN:  # the most common values first: no text, no secret
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {k: HIDDEN if _secret_field(str(k), v) else self._hidden(v) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self._hidden(v) for v in value]
        return self.text(str(value))  # what the renderer would write as its text


PLAIN = frozenset({int, float, bool})


def _secret_field(name: str, value: object) -> bool:
    # A count or a flag named after a secret ("tokens": 3, "secret_set": true) tells nothing away.
    return value is not None and type(value) not in PLAIN and _named_secret(name)


@functools.lru_cache(maxsize=1024)  # field names are few: each is looked at once
def _named_secret(name: str) -> bool:
    return SECRET_FIELD.search(name) is not None


def hide_in_standard_logging(hidden: SecretsHidden) -> None:
    """Hide secrets in the standard library's log records too (uvicorn's tracebacks, libraries' warnings)."""
    make = logging.getLogRecordFactory()

    def record(*args: Any, **kwargs: Any) -> logging.LogRecord:  # noqa: ANN401 - LogRecord's own signature
        made = make(*args, **kwargs)
        try:
            message = made.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the format: logged as given, never raised
            message = f"{made.msg} {made.args}"
        made.msg, made.args = hidden.text(message), ()
        if made.exc_info and not made.exc_text:
            made.exc_text = hidden.text(logging.Formatter().formatException(made.exc_info))
        return made

    logging.setLogRecordFactory(record)
