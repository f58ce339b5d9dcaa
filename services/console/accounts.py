"""Operator accounts: who may log in to the console, with which role.

Credentials stay in this table and never enter the event log.
"""

from __future__ import annotations

import asyncio
import enum
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from services.tables import ensure_tables

SCHEMA = """
CREATE TABLE IF NOT EXISTS operator_accounts (
    email text PRIMARY KEY,
    manager_id uuid NOT NULL UNIQUE,
    name text NOT NULL,
    role text NOT NULL,
    password_hash text NOT NULL
)
"""

# scrypt's cost today (RFC 7914, n=2**15 as OWASP advises); hashes stored with another cost still
# verify and are rehashed at this one on their next login. Each derivation takes 128*n*r bytes (32 MiB).
COST = {"n": 2**15, "r": 8, "p": 1}
_LEGACY_COST = {"n": 2**14, "r": 8, "p": 1}  # hashes written as scrypt$salt$digest
_MAX_COST = {"n": 2**20, "r": 16, "p": 4}  # a stored hash asking for more is refused, not derived
_DIGEST_BYTES = 32
# Derivations run on threads of their own, two at a time: logins wait for each other, never the event
# loop or the event store's threads, and memory stays bounded however many logins come at once.
_HASHING = ThreadPoolExecutor(max_workers=2, thread_name_prefix="password-hash")


class Role(enum.StrEnum):
    """What an operator may see: their own conversations, or everyone's."""

    MANAGER = "manager"
    HEAD = "head"
    DIRECTOR = "director"
    ADMIN = "admin"

    @property
    def sees_everything(self) -> bool:
        """Directors and admins see all; heads see their department, which is the team for now."""
        return self is not Role.MANAGER


@dataclass(frozen=True)
class Operator:
    """A logged-in console user."""

    manager_id: UUID
    name: str
    email: str
    role: Role

    def may_see(self, manager_id: UUID | None, offered_to: Sequence[UUID] = ()) -> bool:
        """Whether a conversation held by ``manager_id`` (or offered to some) is visible to this operator."""
        return self.role.sees_everything or manager_id == self.manager_id or self.manager_id in offered_to

    def as_dict(self) -> dict[str, str]:
        """The operator as JSON-ready data (no secrets)."""
        return {"manager_id": str(self.manager_id), "name": self.name, "email": self.email, "role": self.role}


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
_STAND_IN = "scrypt${}${}${}".format(
    ",".join(f"{k}={v}" for k, v in COST.items()), secrets.token_hex(16), secrets.token_hex(_DIGEST_BYTES)
)


async def create_accounts_table(pool: asyncpg.Pool) -> None:
    """Create the accounts table if it is missing."""
    await ensure_tables(pool, SCHEMA)


async def add_account(  # noqa: PLR0913
    pool: asyncpg.Pool, email: str, manager_id: UUID, name: str, role: Role, password: str
) -> None:
    """Create or replace an operator's account."""
    await create_accounts_table(pool)
    await pool.execute(
        "INSERT INTO operator_accounts (email, manager_id, name, role, password_hash) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (email) DO UPDATE SET manager_id = EXCLUDED.manager_id, name = EXCLUDED.name,"
        " role = EXCLUDED.role, password_hash = EXCLUDED.password_hash",
        email.lower(),
        manager_id,
        name,
        role.value,
        hash_password(password),
    )


async def log_in(pool: asyncpg.Pool, email: str, password: str) -> Operator | None:
    """The operator whose email and password these are, or None.

    An e-mail without an account costs the same derivation as one with, so how long the answer takes
    does not tell which accounts exist. A hash of an older cost is replaced on a successful login.
    """
    row = await pool.fetchrow("SELECT * FROM operator_accounts WHERE email = $1", email.lower())
    loop = asyncio.get_running_loop()
    stored = row["password_hash"] if row is not None else _STAND_IN
    matches = await loop.run_in_executor(_HASHING, password_matches, password, stored)
    if row is None or not matches:
        return None
    if needs_rehash(stored):
        renewed = await loop.run_in_executor(_HASHING, hash_password, password)
        await pool.execute(
            "UPDATE operator_accounts SET password_hash = $1 WHERE email = $2 AND password_hash = $3",
            renewed,
            row["email"],
            stored,
        )
    return _operator(row)


async def find_operator(pool: asyncpg.Pool, manager_id: UUID) -> Operator | None:
    """The operator account of a manager, or None."""
    row = await pool.fetchrow("SELECT * FROM operator_accounts WHERE manager_id = $1", manager_id)
    return _operator(row) if row is not None else None


def _operator(row: asyncpg.Record) -> Operator:
    return Operator(
        manager_id=UUID(str(row["manager_id"])), name=row["name"], email=row["email"], role=Role(row["role"])
    )
