"""Finding a company by how people write it: its name whatever the case, spacing and legal form, or its domain.

"Acme, Inc.", "ACME LLC" and "acme" are one company, as is a Russian firm's name with its legal form
before it and the name in quotes, and the bare name: a name is compared without its legal form,
quotes, punctuation, accents or case. A company's web or mail domain finds it too, from a person's
e-mail at that domain (a free mailbox's domain names nobody's company). The directory holds an entry
per name and per domain, whose id derives from them, so two imports naming one new company at once
cannot both register it: the second save conflicts.
"""

from __future__ import annotations

import functools
import unicodedata
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

_NAMESPACE = UUID("5d0f3c1e-9a8b-4c71-b2e4-7f6a1d9c0e35")

# Legal forms as written before or after a name, in the languages of our users, dots left out.
LEGAL_FORMS = frozenset(
    [
        "ab",
        "ag",
        "as",
        "bv",
        "co",
        "corp",
        "corporation",
        "company",
        "gmbh",
        "inc",
        "incorporated",
        "limited",
        "llc",
        "llp",
        "ltd",
        "nv",
        "oy",
        "plc",
        "sa",
        "sarl",
        "sia",
        "spa",
        "srl",
        "uab",
        "\u0430\u043e",  # AO (in Cyrillic)
        "\u0437\u0430\u043e",  # ZAO (in Cyrillic)
        "\u0438\u043f",  # IP (in Cyrillic)
        "\u043d\u0430\u043e",  # NAO (in Cyrillic)
        "\u043e\u0430\u043e",  # OAO (in Cyrillic)
        "\u043e\u043e\u043e",  # OOO (in Cyrillic)
        "\u043f\u0430\u043e",  # PAO (in Cyrillic)
        "\u0442\u043e\u0432",  # TOV (in Cyrillic)
    ]
)
# Mailboxes anyone may have: a person's e-mail there says nothing of where they work.
FREE_MAIL_DOMAINS = frozenset(
    [
        "aol.com",
        "bk.ru",
        "gmail.com",
        "gmx.de",
        "gmx.net",
        "googlemail.com",
        "hotmail.com",
        "icloud.com",
        "inbox.lv",
        "inbox.ru",
        "list.ru",
        "live.com",
        "mail.com",
        "mail.ru",
        "me.com",
        "msn.com",
        "outlook.com",
        "proton.me",
        "protonmail.com",
        "rambler.ru",
        "tut.by",
        "ukr.net",
        "web.de",
        "yahoo.com",
        "yandex.com",
        "yandex.ru",
        "ya.ru",
    ]
)


def company_name_key(name: str) -> str:
    """A company's name as compared: no legal form, quotes, punctuation, accents or case ("acme" of "ACME, Inc.")."""
    decomposed = unicodedata.normalize("NFKD", name.casefold().replace(".", ""))
    letters = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    words = letters.split()
    while len(words) > 1 and words[0] in LEGAL_FORMS:
        words.pop(0)
    while len(words) > 1 and words[-1] in LEGAL_FORMS:
        words.pop()
    return " ".join(words)


def web_domain(site: str) -> str:
    """The domain of a website or mail domain as written ("https://www.Acme.com/about" is "acme.com")."""
    host = site.strip().casefold().partition("://")[2] or site.strip().casefold()
    host = host.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rpartition("@")[2].split(":", 1)[0]
    return host.removeprefix("www.").rstrip(".")


def work_domain(email: str) -> str:
    """The domain of a person's e-mail when it may be their company's; empty for a free mailbox."""
    domain = web_domain(email.rpartition("@")[2])
    return "" if domain in FREE_MAIL_DOMAINS else domain


@functools.lru_cache(maxsize=4096)  # an import's rows ask for their company's entries again and again
def company_entry_id(key: str) -> UUID:
    """The directory's one entry for a name (``name:<key>``) or a domain (``domain:<domain>``)."""
    return uuid5(_NAMESPACE, f"company-entry/{key}")


def name_entry(name: str) -> str:
    """The directory key of a company's name."""
    return f"name:{company_name_key(name)}"


def domain_entry(domain: str) -> str:
    """The directory key of a company's web or mail domain."""
    return f"domain:{web_domain(domain)}"


class CompanyEntry(Aggregate):
    """Maps one name or domain to the company it finds; the first company to claim it keeps it."""

    @staticmethod
    def create_id(key: str, company_id: UUID) -> UUID:  # noqa: ARG004 - same signature as __init__
        """One entry per name or domain."""
        return company_entry_id(key)

    @event("Registered")
    def __init__(self, key: str, company_id: UUID) -> None:
        self.key = key
        self.company_id = company_id
