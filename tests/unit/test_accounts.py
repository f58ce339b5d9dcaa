"""Operator accounts without a database: password hashing, roles and visibility."""

from __future__ import annotations

import hashlib
import re
from uuid import uuid4

import pytest

from services.console.accounts import Operator, Role
from services.console.passwords import hash_password, needs_rehash, password_matches

PASSWORD = "s3cret-Pässwörd"


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_password(PASSWORD)


def test_the_hash_is_salted_scrypt_at_todays_cost_and_hides_the_password(stored: str) -> None:
    assert re.fullmatch(r"scrypt\$n=32768,r=8,p=1\$[0-9a-f]{32}\$[0-9a-f]{64}", stored)
    assert PASSWORD not in stored
    assert not needs_rehash(stored)


def test_a_hash_of_the_first_format_still_matches_and_asks_to_be_rehashed() -> None:
    salt = bytes(range(16))
    digest = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    legacy = f"scrypt${salt.hex()}${digest.hex()}"
    assert password_matches(PASSWORD, legacy)
    assert not password_matches(PASSWORD + "x", legacy)
    assert needs_rehash(legacy)


@pytest.mark.parametrize(
    "cost",
    ["n=3,r=8,p=1", "n=0,r=8,p=1", "n=2097152,r=8,p=1", "n=32768,r=0,p=1", "n=32768,r=8", "n=32768,r=8,p=1,q=2", "x"],
)
def test_a_stored_cost_that_is_no_power_of_two_or_too_dear_is_refused_unworked(stored: str, cost: str) -> None:
    _, _, salt, digest = stored.split("$")
    assert not password_matches(PASSWORD, f"scrypt${cost}${salt}${digest}")


def test_the_right_password_matches(stored: str) -> None:
    assert password_matches(PASSWORD, stored)


@pytest.mark.parametrize("attempt", ["", "s3cret-pässwörd", PASSWORD + " ", PASSWORD[:-1], "s3cret-Passwort"])
def test_a_wrong_password_does_not_match(stored: str, attempt: str) -> None:
    assert not password_matches(attempt, stored)


def test_each_hash_has_its_own_salt() -> None:
    first, second = hash_password("same"), hash_password("same")
    assert first != second
    assert first.split("$")[2] != second.split("$")[2]
    assert password_matches("same", first)
    assert password_matches("same", second)


def test_an_empty_password_matches_only_itself() -> None:
    stored = hash_password("")
    assert password_matches("", stored)
    assert not password_matches(" ", stored)


@pytest.mark.parametrize(
    "stored",
    ["", "plain-text", "scrypt", "scrypt$", "scrypt$abcd", "scrypt$$abcd", "bcrypt$0011$2233", "SCRYPT$0011$2233"],
)
def test_malformed_stored_hashes_never_match(stored: str) -> None:
    assert not password_matches("anything", stored)


def test_a_hash_with_its_digest_changed_does_not_match(stored: str) -> None:
    scheme, cost, salt, digest = stored.split("$")
    flipped = ("0" if digest[0] != "0" else "1") + digest[1:]
    assert not password_matches(PASSWORD, f"{scheme}${cost}${salt}${flipped}")


def test_a_hash_with_another_salt_does_not_match(stored: str) -> None:
    scheme, cost, salt, digest = stored.split("$")
    assert not password_matches(PASSWORD, f"{scheme}${cost}${'0' * len(salt)}${digest}")


@pytest.mark.parametrize(
    ("role", "sees_everything"),
    [(Role.MANAGER, False), (Role.HEAD, True), (Role.DIRECTOR, True), (Role.ADMIN, True)],
)
def test_who_sees_everything(role: Role, sees_everything: bool) -> None:
    assert role.sees_everything is sees_everything


def test_roles_are_stored_by_their_values() -> None:
    assert [r.value for r in Role] == ["manager", "head", "director", "admin"]
    assert Role("head") is Role.HEAD


def operator(role: Role) -> Operator:
    return Operator(manager_id=uuid4(), name="Ann", email="ann@example.com", role=role)


def test_a_manager_sees_only_their_own_conversations() -> None:
    ann = operator(Role.MANAGER)
    assert ann.may_see(ann.manager_id)
    assert not ann.may_see(uuid4())
    assert not ann.may_see(None)  # queued, nobody's yet


@pytest.mark.parametrize("role", [Role.HEAD, Role.DIRECTOR, Role.ADMIN])
def test_heads_directors_and_admins_see_everyone(role: Role) -> None:
    boss = operator(role)
    assert boss.may_see(boss.manager_id)
    assert boss.may_see(uuid4())
    assert boss.may_see(None)


def test_as_dict_is_json_ready_and_has_no_secrets() -> None:
    ann = operator(Role.MANAGER)
    data = ann.as_dict()
    assert data == {"manager_id": str(ann.manager_id), "name": "Ann", "email": "ann@example.com", "role": "manager"}
    assert all(isinstance(v, str) for v in data.values())
