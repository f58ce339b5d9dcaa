"""E-mail addresses: checked, and written one way (lower case) so that the same address always matches.

Mailboxes treat the local part case-insensitively in practice, and the mail connector lower-cases
the addresses it reads; an address typed by a manager is written the same way, so "Anna@Example.com"
and the mail from "anna@example.com" are one contact. An internationalized domain is kept in its
ASCII (punycode) form, as mail carries it.
"""

from __future__ import annotations

import re

from domain.text import InvalidText, TextKind, checked_text

MAX_EMAIL_LENGTH = 254  # the longest address a mail path can carry (RFC 5321)
MAX_LOCAL_PART_LENGTH = 64
_LOCAL_PART = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_TOP_LEVEL = re.compile(r"([a-z]{2,63}|xn--[a-z0-9-]{1,59})")


class InvalidEmail(InvalidText):
    """An e-mail address that cannot be one; ``field`` names where it was given."""


def email_address(text: object, *, field: str = "email") -> str:
    """``text`` as an e-mail address in lower case, or InvalidEmail saying what is wrong with it."""
    typed = checked_text(field, text, max_length=MAX_EMAIL_LENGTH, kind=TextKind.LINE).strip()
    local, at, domain = typed.lower().rpartition("@")
    if not at or not local:
        raise InvalidEmail(field, f"{typed!r} is not an e-mail address: it needs a name, '@' and a domain")
    if len(local) > MAX_LOCAL_PART_LENGTH or not _LOCAL_PART.fullmatch(local):
        raise InvalidEmail(field, f"{local!r} before the '@' has characters or dots an address cannot have")
    ascii_domain = _ascii_domain(domain, field)
    if not _is_domain(ascii_domain):
        raise InvalidEmail(field, f"{domain!r} after the '@' is not a domain name")
    address = f"{local}@{ascii_domain}"
    if len(address) > MAX_EMAIL_LENGTH:
        raise InvalidEmail(field, f"is longer than {MAX_EMAIL_LENGTH} characters")
    return address


def domain_name(text: object, *, field: str = "domain") -> str:
    """A company's web or mail domain ("example.com"), lower case, ASCII; InvalidText naming ``field`` if not."""
    typed = checked_text(field, text, max_length=MAX_EMAIL_LENGTH, kind=TextKind.LINE).strip().lower()
    bare = typed.removeprefix("https://").removeprefix("http://").removeprefix("www.").rstrip("/")
    ascii_domain = _ascii_domain(bare, field)
    if not _is_domain(ascii_domain):
        raise InvalidText(field, f"{typed!r} is not a domain name")
    return ascii_domain


def _is_domain(name: str) -> bool:
    *labels, top = name.split(".")
    return bool(labels) and all(_LABEL.fullmatch(label) for label in labels) and bool(_TOP_LEVEL.fullmatch(top))


def _ascii_domain(domain: str, field: str) -> str:
    if domain.isascii():
        return domain
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidEmail(field, f"{domain!r} is not a domain name") from None
