"""Logging in: the same work for an e-mail nobody has, off the event loop, and old hashes brought up to date."""

from __future__ import annotations

import hashlib
import threading
from typing import Any
from uuid import uuid4

import asyncpg
import pytest

from services.console import passwords
from services.console.accounts import Role, add_account, create_accounts_table, log_in

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(120)]

PASSWORD = "correct horse battery staple"
LEGACY = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


class Derivations:
    """Every scrypt derivation, with its cost and the thread it ran on."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[int, int]] = []
        real = hashlib.scrypt

        def counted(password: bytes, **kwargs: Any) -> bytes:
            self.calls.append((kwargs["n"], threading.get_ident()))
            return real(password, **kwargs)

        monkeypatch.setattr(hashlib, "scrypt", counted)


@pytest.mark.password_cost
async def test_an_unknown_email_costs_the_same_derivation_as_a_known_one_off_the_loop(
    pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_account(pool, "anna@example.com", uuid4(), "Anna", Role.MANAGER, PASSWORD)
    derivations = Derivations(monkeypatch)
    loop_thread = threading.get_ident()
    assert await log_in(pool, "anna@example.com", "wrong guess") is None
    known = list(derivations.calls)
    derivations.calls.clear()
    assert await log_in(pool, "nobody@example.com", "wrong guess") is None
    unknown = list(derivations.calls)
    assert len(known) == len(unknown) == 1
    assert known[0][0] == unknown[0][0] >= 2**15
    assert loop_thread not in {thread for _, thread in known + unknown}


def legacy_hash(password: str) -> str:
    salt = bytes(range(16))
    return f"scrypt${salt.hex()}${hashlib.scrypt(password.encode(), salt=salt, **LEGACY).hex()}"  # type: ignore[arg-type]


@pytest.mark.password_cost
async def test_a_hash_of_the_old_cost_still_logs_in_and_is_brought_up_to_date(pool: asyncpg.Pool) -> None:
    await create_accounts_table(pool)
    manager = uuid4()
    await pool.execute(
        "INSERT INTO operator_accounts (email, manager_id, name, role, password_hash) VALUES ($1, $2, $3, $4, $5)",
        "old@example.com",
        manager,
        "Old",
        "manager",
        legacy_hash(PASSWORD),
    )
    assert await log_in(pool, "old@example.com", "wrong guess") is None
    assert await pool.fetchval("SELECT password_hash FROM operator_accounts") == legacy_hash(PASSWORD)
    found = await log_in(pool, "old@example.com", PASSWORD)
    assert found is not None
    assert found.manager_id == manager
    upgraded = await pool.fetchval("SELECT password_hash FROM operator_accounts")
    assert upgraded.startswith("scrypt$n=32768,r=8,p=1$")
    assert passwords.password_matches(PASSWORD, upgraded)
    assert await log_in(pool, "old@example.com", PASSWORD) is not None
