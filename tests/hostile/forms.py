"""Hostile submissions to a web form's public endpoint, each with the answer the endpoint's contract names.

Every case is one POST to ``/forms/{id}`` on ingest. A refused one gets its status and, for a field at
fault, names that field in ``fields``; nothing of it is published. The few that are accepted (markup
in a field is text like any other) are published, and stored as sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.hostile.corpus import Case, expect

SITE = "https://shop.example"
BODY_LIMIT = 8192  # the corpus runs with this limit, so "oversized" stays cheap to send
SCRIPT = "<script>alert(document.cookie)</script>"


@dataclass(frozen=True)
class Submission:
    """One request: its body (JSON-ready data, or raw bytes), headers, and where it goes."""

    body: Any
    headers: dict[str, str] = field(default_factory=lambda: {"Origin": SITE, "Content-Type": "application/json"})
    form: str = ""  # another form id than the corpus's (an unknown or archived one)
    chunked: bool = False

    def content(self) -> bytes:
        """The bytes sent."""
        return self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()


TEXT = {"Content-Type": "text/plain;charset=UTF-8"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def valid(key: str, **fields: Any) -> dict[str, Any]:
    """A submission the form takes, with ``fields`` changed."""
    return {
        "version": 1,
        "fields": {"name": "Ilze", "phone": "+37120000000", "email": "ilze@example.com", **fields},
        "consent": True,
        "idempotency_key": key,
        "page_url": f"{SITE}/contact",
        "utm": {"utm_source": "google"},
        "website": "",
    }


def _refused(family: str, name: str, body: Any, status: int, names: str = "", **options: Any) -> Case:
    return Case("form", family, name, Submission(body, **options), expect(f"status {status}"), names_field=names)


def _field(family: str, name: str, key: str, value: Any, names: str = "") -> Case:
    return _refused(family, name, valid(f"{family}-{name}-key"[:90], **{key: value}), 400, names or key)


def form_cases() -> list[Case]:
    """Every case of the forms' corpus."""
    bad_phones = ["12", "abc", "+999 123 4567", "+371 2000 0000 0000 0000", "2000\x000000", "+371\ud800", "☎️ 20000000"]
    bad_emails = ["no-at-sign", "ilze@", "@example.com", "ilze@@example.com", "ilze@example..com", "ilze@exa mple.com"]
    bad_emails += ["ilze@example.com\r\nBcc: all@example.com", "a" * 70 + "@example.com", "ilze@" + "x" * 260 + ".com"]
    cases = [_field("phone", f"phone {n}: {value[:20]!r}", "phone", value) for n, value in enumerate(bad_phones)]
    cases += [_field("email", f"e-mail {n}: {value[:20]!r}", "email", value) for n, value in enumerate(bad_emails)]
    cases += [
        _field("text rule", "NUL in the comment", "comment", "call me\x00now"),
        _field("text rule", "control character in the name", "name", "Ilze\x1b[31m"),
        _field("text rule", "lone surrogate in the comment", "comment", "hi \udc00"),
        _field("text rule", "bidi override in the name", "name", "Ilze\u202eezlI"),
        _field("text rule", "line break in the company", "company", "Shop\nBcc: x"),
        _field("text rule", "comment over 4000 characters", "comment", "x" * 4001),
        _field("types", "name is a number", "name", 42),
        _field("types", "phone is a list", "phone", ["+37120000000"]),
        _field("types", "amount with a fraction as a JSON number", "budget", 1250.5),
        _field("types", "negative amount", "budget", "-5"),
        _field("types", "amount beyond any money", "budget", "1e400"),
        _field("types", "unknown field", "fax", "+37120000000"),
        _field("required", "empty name", "name", "  "),
        _refused("required", "no phone and no e-mail", valid("req-none-0001", phone="", email=""), 400, "phone"),
        _refused("consent", "consent missing", {**valid("consent-0001"), "consent": None}, 400, "consent"),
        _refused("consent", "consent false", {**valid("consent-0002"), "consent": False}, 400, "consent"),
        _refused("consent", "consent as text", {**valid("consent-0003"), "consent": "true"}, 400, "consent"),
        _refused("honeypot", "honeypot filled", {**valid("honey-0001"), "website": "http://x.example"}, 400, "website"),
        _refused("honeypot", "honeypot not text", {**valid("honey-0002"), "website": 1}, 400, "website"),
        _refused("envelope", "no idempotency key", {**valid("x"), "idempotency_key": None}, 400, "idempotency_key"),
        _refused("envelope", "short idempotency key", valid("k1"), 400, "idempotency_key"),
        _refused("envelope", "idempotency key with blanks", valid("key with blanks"), 400, "idempotency_key"),
        _refused(
            "envelope",
            "page address as script",
            {**valid("page-0001"), "page_url": "javascript:alert(1)"},
            400,
            "page_url",
        ),
        _refused("envelope", "unknown UTM parameter", {**valid("utm-0001"), "utm": {"gclid": "x"}}, 400, "utm.gclid"),
        _refused(
            "envelope",
            "UTM with a line break",
            {**valid("utm-0002"), "utm": {"utm_source": "a\nb"}},
            400,
            "utm.utm_source",
        ),
        _refused("envelope", "fields not an object", {**valid("fields-0001"), "fields": ["Ilze"]}, 400, "fields"),
        _refused("version", "no version", {**valid("ver-0001"), "version": None}, 409),
        _refused("version", "another version", {**valid("ver-0002"), "version": 7}, 409),
        _refused("json", "not JSON", b"name=Ilze&phone=2000", 400),
        _refused("json", "not UTF-8", b'{"version": 1, "fields": {"name": "\xff\xfe"}}', 400),
        _refused("json", "a JSON list", [valid("list-0001")], 400),
        _refused("json", "NaN", b'{"version": NaN}', 400),
        # A type a page may send without asking the browser first (no CORS preflight) is not read as JSON.
        _refused("type", "JSON sent as plain text", valid("type-0001"), 415, headers={"Origin": SITE, **TEXT}),
        _refused("type", "JSON sent as form data", valid("type-0002"), 415, headers={"Origin": SITE, **FORM}),
        _refused("json", "nested 10000 deep", b"[" * 10_000 + b"]" * 10_000, 413),
        _refused("json", "nested 500 deep", b'{"a":' * 500 + b"1" + b"}" * 500, 400),
        _refused("size", "oversized body", valid("big-0001", comment="x" * BODY_LIMIT), 413),
        _refused("size", "oversized chunked body", valid("big-0002", comment="x" * BODY_LIMIT), 413, chunked=True),
        _refused("origin", "no Origin", valid("origin-0001"), 403, headers={"Content-Type": "application/json"}),
        _refused("origin", "another site", valid("origin-0002"), 403, headers={"Origin": "https://evil.example"}),
        _refused("origin", "null origin", valid("origin-0003"), 403, headers={"Origin": "null"}),
        _refused("form", "unknown form", valid("form-0001"), 404, form="00000000-0000-4000-8000-000000000000"),
        _refused("form", "form id not an id", valid("form-0002"), 404, form="..%2F..%2Fetc"),
    ]
    cases += [
        Case(
            "form",
            "markup",
            f"markup in the {key}",
            Submission(valid(f"markup-{key}", **{key: SCRIPT})),
            expect("status 202"),
            note="markup is text: kept as sent, shown escaped",
        )
        for key in ("name", "company", "comment")
    ]
    return cases


def rate_limit_case(burst: int) -> list[Case]:
    """From one address, the submission after the burst is held off."""
    return [
        Case(
            "form",
            "rate limit",
            f"submission {n + 1} from one address",
            Submission(valid(f"flood-{n:04}")),
            expect("status 429" if n >= burst else "status 202"),
        )
        for n in range(burst + 1)
    ]
