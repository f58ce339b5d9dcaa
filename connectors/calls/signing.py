"""How a call webhook proves where it comes from, and that it is fresh.

Our own format: ``X-Switchboard-Timestamp`` holds the Unix time the request was signed, and
``X-Switchboard-Signature`` holds ``sha256=`` and the hex HMAC-SHA256, keyed with the line's
secret, of the timestamp, a ``.``, and the raw body. The timestamp is signed too, so an old request
cannot be made fresh again. Twilio's: ``X-Twilio-Signature`` holds the base64 HMAC-SHA1, keyed
with the account's auth token, of the URL Twilio called followed by each POST parameter's name
and value, sorted by name (https://www.twilio.com/docs/usage/security#validating-requests).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence

TIMESTAMP_HEADER = "X-Switchboard-Timestamp"
SIGNATURE_HEADER = "X-Switchboard-Signature"
TWILIO_SIGNATURE_HEADER = "X-Twilio-Signature"
_SCHEME = "sha256="
_MAX_TIMESTAMP_DIGITS = 12


class NotVouchedFor(Exception):
    """The request's signature or its timestamp does not hold; the message says which, never the secret."""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Switchboard-Signature`` of ``body`` signed at ``timestamp`` (Unix seconds, as text)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return _SCHEME + digest


def check_signed(  # noqa: PLR0913 - the request's two headers, its body, the key, and the clock's window
    secret: str, timestamp: str | None, given: str | None, body: bytes, now: float, max_age: float
) -> None:
    """NotVouchedFor unless ``given`` signs ``body`` at ``timestamp`` with ``secret``, within ``max_age`` of ``now``."""
    if not timestamp or not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > _MAX_TIMESTAMP_DIGITS:
        msg = f"{TIMESTAMP_HEADER} must be the Unix time the request was signed, in seconds"
        raise NotVouchedFor(msg)
    if not given or not hmac.compare_digest(
        given.encode("utf-8", "surrogateescape"), signature(secret, timestamp, body).encode()
    ):
        msg = f"{SIGNATURE_HEADER} is missing or does not sign this body with the line's secret"
        raise NotVouchedFor(msg)
    age = now - int(timestamp)
    if abs(age) > max_age:
        when = "ago" if age > 0 else "ahead"
        msg = f"the request was signed {int(abs(age))} s {when}; at most {int(max_age)} s either way is accepted"
        raise NotVouchedFor(msg)


def twilio_signature(auth_token: str, url: str, params: Mapping[str, Sequence[str]]) -> str:
    """The ``X-Twilio-Signature`` Twilio sends with a POST of ``params`` to ``url``."""
    data = url + "".join(name + value for name in sorted(params) for value in sorted(params[name]))
    digest = hmac.new(auth_token.encode(), data.encode("utf-8", "surrogateescape"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def check_twilio(auth_token: str, url: str, params: Mapping[str, Sequence[str]], given: str | None) -> None:
    """NotVouchedFor unless ``given`` is Twilio's signature of ``params`` posted to ``url``."""
    expected = twilio_signature(auth_token, url, params)
    if not given or not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode()):
        msg = f"{TWILIO_SIGNATURE_HEADER} is missing or is not Twilio's signature of this request"
        raise NotVouchedFor(msg)
