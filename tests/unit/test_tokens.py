"""Signed, expiring tokens: only a genuine, current token for the right purpose names its subject."""

from __future__ import annotations

import base64
import json
import re
import time

import pytest

from services.tokens import Signer

SECRET = "correct horse battery staple"
NOW = 1_750_000_000.0
TTL = 3600


@pytest.fixture
def signer() -> Signer:
    return Signer(SECRET)


def claims_of(token: str) -> dict[str, object]:
    body = token.partition(".")[0]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return decoded


def test_round_trip(signer: Signer) -> None:
    token = signer.issue("visitor", "v-123", TTL, now=NOW)
    assert signer.subject("visitor", token, now=NOW) == "v-123"


def test_a_new_signer_with_the_same_secret_accepts_the_token(signer: Signer) -> None:
    token = signer.issue("session", "m-1", TTL, now=NOW)
    assert Signer(SECRET).subject("session", token, now=NOW) == "m-1"


def test_non_ascii_subjects_survive(signer: Signer) -> None:
    token = signer.issue("visitor", "Анна 🙂", TTL, now=NOW)
    assert signer.subject("visitor", token, now=NOW) == "Анна 🙂"


def test_tokens_are_url_safe(signer: Signer) -> None:
    token = signer.issue("visitor", "v/+=?&", TTL, now=NOW)
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", token)


def test_the_token_carries_purpose_subject_and_expiry(signer: Signer) -> None:
    assert claims_of(signer.issue("visitor", "v-1", TTL, now=NOW)) == {"p": "visitor", "s": "v-1", "e": NOW + TTL}


def test_wrong_purpose_is_refused(signer: Signer) -> None:
    visitor_token = signer.issue("visitor", "v-1", TTL, now=NOW)
    assert signer.subject("session", visitor_token, now=NOW) is None
    assert signer.subject("", visitor_token, now=NOW) is None


def test_a_different_secret_is_refused(signer: Signer) -> None:
    token = Signer("another secret entirely").issue("visitor", "v-1", TTL, now=NOW)
    assert signer.subject("visitor", token, now=NOW) is None


def test_tampered_claims_are_refused(signer: Signer) -> None:
    token = signer.issue("visitor", "v-1", TTL, now=NOW)
    mac = token.partition(".")[2]
    forged_claims = {"p": "session", "s": "admin", "e": int(NOW) + 10 * TTL}
    forged_body = base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).rstrip(b"=").decode()
    assert signer.subject("session", f"{forged_body}.{mac}", now=NOW) is None


@pytest.mark.parametrize("position", [0, 5, -1])
def test_any_changed_character_is_refused(signer: Signer, position: int) -> None:
    token = signer.issue("visitor", "v-1", TTL, now=NOW)
    index = position % len(token)
    if token[index] == ".":
        index += 1
    changed = token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1 :]
    assert signer.subject("visitor", changed, now=NOW) is None


def test_another_tokens_mac_is_refused(signer: Signer) -> None:
    first = signer.issue("visitor", "v-1", TTL, now=NOW)
    second = signer.issue("visitor", "v-2", TTL, now=NOW)
    spliced = first.partition(".")[0] + "." + second.partition(".")[2]
    assert signer.subject("visitor", spliced, now=NOW) is None


def test_expiry(signer: Signer) -> None:
    token = signer.issue("visitor", "v-1", TTL, now=NOW)
    assert signer.subject("visitor", token, now=NOW + TTL - 1) == "v-1"
    assert signer.subject("visitor", token, now=NOW + TTL + 1) is None
    assert signer.subject("visitor", token, now=NOW + 365 * 86400) is None


def test_a_zero_ttl_token_is_dead_a_second_later(signer: Signer) -> None:
    token = signer.issue("visitor", "v-1", 0, now=NOW)
    assert signer.subject("visitor", token, now=NOW + 1) is None


def test_the_clock_is_used_when_no_time_is_given(signer: Signer) -> None:
    token = signer.issue("visitor", "v-1", TTL)
    assert signer.subject("visitor", token) == "v-1"
    assert signer.subject("visitor", token, now=time.time() + TTL + 5) is None


@pytest.mark.parametrize("token", ["", ".", "abc", "abc.", ".abc", "a.b.c", "not a token at all"])
def test_garbage_is_refused(signer: Signer, token: str) -> None:
    assert signer.subject("visitor", token, now=NOW) is None


@pytest.mark.parametrize("token", ["abc.é", "abc.\u2603"])
def test_non_ascii_garbage_is_refused(signer: Signer, token: str) -> None:
    assert signer.subject("visitor", token, now=NOW) is None
