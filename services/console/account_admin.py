"""Making operator accounts: what a new account must be, and making it (for the CLI and admins' REST).

An account is a manager in the event store (registered in a team if they are not yet) and a row of
``operator_accounts`` with their role and password hash. Every field is checked here, once, by the
one text rule; names are ``TextKind.NAME``, so nothing in one can hide or reverse text.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import asyncpg

from application.event_store import EventStore
from application.managers import register_manager, registered_manager
from domain.errors import DomainError
from domain.manager import MAX_CAPACITY
from domain.text import InvalidText, TextKind, checked_text
from services.console.accounts import Operator, Role, add_account, create_accounts_table

MAX_EMAIL, MAX_NAME, MAX_TEAM = 320, 200, 100
MIN_PASSWORD, MAX_PASSWORD = 12, 1024
# A manager takes leads from the start; heads, directors and admins only once given a capacity.
DEFAULT_CAPACITY = {Role.MANAGER: 20}


class AccountExists(DomainError):
    """An account with that e-mail exists already."""


@dataclass(frozen=True)
class NewAccount:
    """An account to make, every field checked (``from_fields`` raises InvalidText naming the field)."""

    email: str
    name: str
    role: Role
    password: str
    team: str
    capacity: int

    @classmethod
    def from_fields(cls, fields: dict[str, Any], default_team: str) -> NewAccount:
        """The account a JSON body or the command line describes."""
        email = checked_text("email", fields.get("email"), max_length=MAX_EMAIL, kind=TextKind.IDENTIFIER).lower()
        local, at, domain = email.partition("@")
        if not (local and at and "." in domain) or any(c.isspace() for c in email):
            raise InvalidText("email", "must be an e-mail address such as anna@example.com")
        role_name = fields.get("role", Role.MANAGER.value)
        if not isinstance(role_name, str) or role_name not in {r.value for r in Role}:
            raise InvalidText("role", f"must be one of {', '.join(r.value for r in Role)}")
        role = Role(role_name)
        capacity = fields.get("capacity", DEFAULT_CAPACITY.get(role, 0))
        if not isinstance(capacity, int) or isinstance(capacity, bool) or not 0 <= capacity <= MAX_CAPACITY:
            raise InvalidText("capacity", f"must be a whole number from 0 to {MAX_CAPACITY}")
        return cls(
            email=email,
            name=checked_text("name", fields.get("name"), max_length=MAX_NAME, kind=TextKind.NAME).strip(),
            role=role,
            password=checked_password(fields.get("password")),
            team=checked_text("team", fields.get("team", default_team), max_length=MAX_TEAM, kind=TextKind.IDENTIFIER),
            capacity=capacity,
        )


def checked_password(value: object) -> str:
    """A password long enough to resist guessing; InvalidText naming 'password' otherwise."""
    password = checked_text("password", value, max_length=MAX_PASSWORD, kind=TextKind.TEXT)
    if len(password) < MIN_PASSWORD:
        raise InvalidText("password", f"must be at least {MIN_PASSWORD} characters")
    return password


async def create_account(store: EventStore, pool: asyncpg.Pool, new: NewAccount) -> Operator:
    """Make the account (registering the manager if they are not yet); AccountExists if the e-mail has one."""
    await create_accounts_table(pool)
    if await pool.fetchval("SELECT 1 FROM operator_accounts WHERE email = $1", new.email):
        msg = f"an account with e-mail {new.email} exists already"
        raise AccountExists(msg)
    manager = await asyncio.to_thread(registered_manager, store, new.email)
    if manager is None:
        manager = await asyncio.to_thread(register_manager, store, new.name, new.email, new.capacity, new.team)
    await add_account(pool, new.email, manager, new.name, new.role, new.password)
    return Operator(manager_id=manager, name=new.name, email=new.email, role=new.role)
