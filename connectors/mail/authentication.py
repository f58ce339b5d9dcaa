"""Whether a mail's From is vouched for: by the receiving server's Authentication-Results, or by ops.

Only the topmost Authentication-Results header is read (RFC 8601): the receiving server prepends its
own, and one a sender wrote into the mail lies below it. It counts only when its authserv-id is one
ops configured (``mail_authserv_ids``), and then only a ``dmarc=pass`` for the From's domain, or an
``spf=pass`` whose envelope sender is in the From's domain. The server must remove or rename headers
carrying its own authserv-id that arrive with a mail, as RFC 8601 asks of it.
"""

from __future__ import annotations

import re

_COMMENT = re.compile(r"\([^()]*\)")
MAX_RESULTS_CHARS = 4_000


def vouched_domains(results: str | None, authserv_ids: frozenset[str]) -> frozenset[str]:
    """The From domains an Authentication-Results value vouches for, if its authserv-id is trusted."""
    if not results or not authserv_ids:
        return frozenset()
    parts = _COMMENT.sub(" ", results[:MAX_RESULTS_CHARS]).split(";")
    authserv = parts[0].split()
    if not authserv or authserv[0].lower() not in {a.lower() for a in authserv_ids}:
        return frozenset()
    vouched: set[str] = set()
    for result in parts[1:]:
        words = result.split()
        if not words or "=" not in words[0]:
            continue
        method, _, verdict = words[0].lower().partition("=")
        properties = dict(w.lower().split("=", 1) for w in words[1:] if "=" in w)
        if verdict != "pass":
            continue
        if method == "dmarc" and "header.from" in properties:
            vouched.add(properties["header.from"])
        elif method == "spf" and "smtp.mailfrom" in properties:
            vouched.add(properties["smtp.mailfrom"].rpartition("@")[2])
    return frozenset(vouched)


def trusted(address: str, senders: frozenset[str]) -> bool:
    """Whether ``address`` is one of ``senders`` (addresses, or ``@domain`` for a whole domain)."""
    address = address.lower()
    listed = {s.lower() for s in senders}
    return address in listed or f"@{address.rpartition('@')[2]}" in listed
