"""Signed, expiring tokens for operator sessions and widget visitors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Issues and checks tokens bound to one purpose ("session", "visitor")."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(secret.encode()).digest()

    def issue(self, purpose: str, subject: str, ttl_seconds: int, now: float | None = None) -> str:
        """A token saying ``subject`` holds ``purpose`` for ``ttl_seconds``."""
        issued = time.time() if now is None else now
        body = _b64(json.dumps({"p": purpose, "s": subject, "e": int(issued + ttl_seconds)}).encode())
        return f"{body}.{self._mac(body)}"

    def subject(self, purpose: str, token: str, now: float | None = None) -> str | None:
        """The token's subject if it is genuine, unexpired and for ``purpose``; else None."""
        if not token.isascii():  # what we issue is base64 and a dot; anything else is not ours
            return None
        body, _, mac = token.partition(".")
        if not body or not hmac.compare_digest(mac.encode(), self._mac(body).encode()):
            return None
        try:
            claims = json.loads(_unb64(body))
        except (ValueError, UnicodeError):
            return None
        current = time.time() if now is None else now
        if not isinstance(claims, dict) or claims.get("p") != purpose:
            return None
        if not isinstance(claims.get("e"), int) or claims["e"] < current:
            return None
        subject = claims.get("s")
        return subject if isinstance(subject, str) else None

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())
