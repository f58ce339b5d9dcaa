"""Operator accounts: who may log in to the console, with which role.

Credentials stay in this table and never enter the event log.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

import asyncpg

from services.console.passwords import STAND_IN, derived_hash, derived_match, needs_rehash
from services.console.sessions import end_sessions_of, session_id
from services.tables import ensure_tables

TABLES = """
CREATE TABLE IF NOT EXISTS operator_accounts (
    email text PRIMARY KEY,
    manager_id uuid NOT NULL UNIQUE,
    name text NOT NULL,
    role text NOT NULL,
    password_hash text NOT NULL
)
"""


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
    # The session this operator came with (its stored id, not its token); empty outside a session.
    session: str = field(default="", compare=False, repr=False)

    def may_see(self, manager_id: UUID | None, offered_to: Sequence[UUID] = ()) -> bool:
        """Whether a conversation held by ``manager_id`` (or offered to some) is visible to this operator."""
        return self.role.sees_everything or manager_id == self.manager_id or self.manager_id in offered_to

    def as_dict(self) -> dict[str, str]:
        """The operator as JSON-ready data (no secrets)."""
        return {"manager_id": str(self.manager_id), "name": self.name, "email": self.email, "role": self.role}


async def create_accounts_table(pool: asyncpg.Pool) -> None:
    """Create the accounts table if it is missing."""
    await ensure_tables(pool, TABLES)


async def add_account(  # noqa: PLR0913
    pool: asyncpg.Pool, email: str, manager_id: UUID, name: str, role: Role, password: str
) -> None:
    """Create or replace an operator's account; the sessions of an account replaced end."""
    await create_accounts_table(pool)
    hashed = await derived_hash(password)
    async with pool.acquire() as conn, conn.transaction():
        for replaced in await conn.fetch(
            "SELECT manager_id FROM operator_accounts WHERE email = $1 OR manager_id = $2", email.lower(), manager_id
        ):
            await end_sessions_of(conn, replaced["manager_id"], "account replaced")
        await conn.execute(
            "INSERT INTO operator_accounts (email, manager_id, name, role, password_hash) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (email) DO UPDATE SET manager_id = EXCLUDED.manager_id, name = EXCLUDED.name,"
            " role = EXCLUDED.role, password_hash = EXCLUDED.password_hash",
            email.lower(),
            manager_id,
            name,
            role.value,
            hashed,
        )


async def change_password(pool: asyncpg.Pool, account: str | UUID, password: str) -> bool:
    """Set an account's password (by e-mail or manager id) and end its sessions; False if there is no such account."""
    hashed = await derived_hash(password)
    return await _change(pool, account, "password changed", "password_hash = $2", hashed)


async def change_role(pool: asyncpg.Pool, account: str | UUID, role: Role) -> bool:
    """Give an account another role and end its sessions; False if there is no such account."""
    return await _change(pool, account, "role changed", "role = $2", role.value)


async def remove_account(pool: asyncpg.Pool, account: str | UUID) -> bool:
    """Remove an account (by e-mail or manager id) and end its sessions; False if there was none."""
    return await _change(pool, account, "account removed", None, None)


async def _change(pool: asyncpg.Pool, account: str | UUID, why: str, assignment: str | None, value: str | None) -> bool:
    await create_accounts_table(pool)
    column, key = ("manager_id", account) if isinstance(account, UUID) else ("email", account.lower())
    where = f"WHERE {column} = $1 RETURNING manager_id"
    async with pool.acquire() as conn, conn.transaction():
        if assignment is None:
            changed = await conn.fetchval(f"DELETE FROM operator_accounts {where}", key)  # noqa: S608 - fixed columns
        else:
            changed = await conn.fetchval(f"UPDATE operator_accounts SET {assignment} {where}", key, value)  # noqa: S608
        if changed is None:
            return False
        await end_sessions_of(conn, changed, why)
    return True


async def list_accounts(pool: asyncpg.Pool) -> list[Operator]:
    """Every account, by e-mail."""
    await create_accounts_table(pool)
    return [_operator(r) for r in await pool.fetch("SELECT * FROM operator_accounts ORDER BY email")]


async def log_in(pool: asyncpg.Pool, email: str, password: str) -> Operator | None:
    """The operator whose email and password these are, or None.

    An e-mail without an account costs the same derivation as one with, so how long the answer takes
    does not tell which accounts exist. A hash of an older cost is replaced on a successful login.
    """
    row = await pool.fetchrow("SELECT * FROM operator_accounts WHERE email = $1", email.lower())
    stored = row["password_hash"] if row is not None else STAND_IN
    matches = await derived_match(password, stored)
    if row is None or not matches:
        return None
    if needs_rehash(stored):
        renewed = await derived_hash(password)
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


async def session_operator(pool: asyncpg.Pool, token: str) -> Operator | None:
    """The operator of a live session token: not ended, not expired, and the account's role still the session's."""
    row = await pool.fetchrow(
        "SELECT a.*, s.id AS session FROM operator_sessions s"
        " JOIN operator_accounts a ON a.manager_id = s.manager_id AND a.role = s.role"
        " WHERE s.id = $1 AND s.ended_at IS NULL AND s.expires_at > now()",
        session_id(token),
    )
    return _operator(row) if row is not None else None


def _operator(row: asyncpg.Record) -> Operator:
    return Operator(
        manager_id=UUID(str(row["manager_id"])),
        name=row["name"],
        email=row["email"],
        role=Role(row["role"]),
        session=row.get("session", ""),
    )
