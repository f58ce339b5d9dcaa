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

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


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
    """A salted scrypt hash of the password."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    """Constant-time check of a password against its stored hash."""
    scheme, _, rest = stored.partition("$")
    salt_hex, _, digest_hex = rest.partition("$")
    if scheme != "scrypt" or not salt_hex or not digest_hex:
        return False
    try:
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return False
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return hmac.compare_digest(digest.hex(), digest_hex)


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
    """The operator whose email and password these are, or None."""
    row = await pool.fetchrow("SELECT * FROM operator_accounts WHERE email = $1", email.lower())
    # scrypt takes tens of milliseconds on purpose: off the event loop, so other requests go on meanwhile.
    if row is None or not await asyncio.to_thread(password_matches, password, row["password_hash"]):
        return None
    return _operator(row)


async def find_operator(pool: asyncpg.Pool, manager_id: UUID) -> Operator | None:
    """The operator account of a manager, or None."""
    row = await pool.fetchrow("SELECT * FROM operator_accounts WHERE manager_id = $1", manager_id)
    return _operator(row) if row is not None else None


def _operator(row: asyncpg.Record) -> Operator:
    return Operator(
        manager_id=UUID(str(row["manager_id"])), name=row["name"], email=row["email"], role=Role(row["role"])
    )
