"""Operator passwords: salted scrypt at today's cost, derived on threads of their own.

Hashes stored at an older cost still verify and say so (``needs_rehash``), so each is brought up to
date at its operator's next login.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from concurrent.futures import ThreadPoolExecutor

# scrypt's cost today (RFC 7914, n=2**15 as OWASP advises); hashes stored with another cost still
# verify and are rehashed at this one on their next login. Each derivation takes 128*n*r bytes (32 MiB).
COST = {"n": 2**15, "r": 8, "p": 1}
_LEGACY_COST = {"n": 2**14, "r": 8, "p": 1}  # hashes written as scrypt$salt$digest
_MAX_COST = {"n": 2**20, "r": 16, "p": 4}  # a stored hash asking for more is refused, not derived
_DIGEST_BYTES = 32
# Derivations run on threads of their own, two at a time: logins wait for each other, never the event
# loop or the event store's threads, and memory stays bounded however many logins come at once.
_HASHING = ThreadPoolExecutor(max_workers=2, thread_name_prefix="password-hash")


def hash_password(password: str) -> str:
    """A salted scrypt hash of the password at today's cost: ``scrypt$n=..,r=..,p=..$salt$digest``."""
    salt = secrets.token_bytes(16)
    cost = ",".join(f"{k}={v}" for k, v in COST.items())
    return f"scrypt${cost}${salt.hex()}${_derive(password, salt, COST).hex()}"


def password_matches(password: str, stored: str) -> bool:
    """Constant-time check of a password against its stored hash (today's cost or an older one)."""
    parsed = _parsed(stored)
    if parsed is None:
        return False
    cost, salt, digest = parsed
    return hmac.compare_digest(_derive(password, salt, cost), digest)


def needs_rehash(stored: str) -> bool:
    """Whether a stored hash was made at another cost than today's."""
    parsed = _parsed(stored)
    return parsed is None or parsed[0] != COST


def _derive(password: str, salt: bytes, cost: dict[str, int]) -> bytes:
    memory = 128 * cost["n"] * cost["r"] * (cost["p"] + 1)
    return hashlib.scrypt(password.encode(), salt=salt, dklen=_DIGEST_BYTES, maxmem=memory + 2**20, **cost)


def _parsed(stored: str) -> tuple[dict[str, int], bytes, bytes] | None:
    """(cost, salt, digest) of a stored hash, or None if it is no hash of ours."""
    parts = stored.split("$")
    if len(parts) == 3:  # noqa: PLR2004 - the first format: no cost written, the cost of its time
        parts.insert(1, ",".join(f"{k}={v}" for k, v in _LEGACY_COST.items()))
    if len(parts) != 4 or parts[0] != "scrypt":  # noqa: PLR2004
        return None
    try:
        cost = {key: int(value) for key, _, value in (item.partition("=") for item in parts[1].split(","))}
        salt, digest = bytes.fromhex(parts[2]), bytes.fromhex(parts[3])
    except ValueError:
        return None
    if cost.keys() != COST.keys() or not salt or len(digest) != _DIGEST_BYTES:
        return None
    n = cost["n"]
    if n < 2 or n & (n - 1) or not all(0 < cost[k] <= _MAX_COST[k] for k in COST):  # noqa: PLR2004 - n a power of 2
        return None
    return cost, salt, digest


# Checked for e-mails without an account, so they cost the same derivation: a random digest no password derives.
STAND_IN = "scrypt${}${}${}".format(
    ",".join(f"{k}={v}" for k, v in COST.items()), secrets.token_hex(16), secrets.token_hex(_DIGEST_BYTES)
)


async def derived_match(password: str, stored: str) -> bool:
    """``password_matches`` on the hashing threads, so the event loop goes on meanwhile."""
    return await asyncio.get_running_loop().run_in_executor(_HASHING, password_matches, password, stored)


async def derived_hash(password: str) -> str:
    """``hash_password`` on the hashing threads."""
    return await asyncio.get_running_loop().run_in_executor(_HASHING, hash_password, password)
