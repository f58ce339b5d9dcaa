"""REST requests that break HTTP and routes rather than fields: bodies, paths, headers, methods, floods."""

from __future__ import annotations

import json
import uuid
from urllib.parse import quote

from tests.hostile.corpus import Case, expect
from tests.hostile.rest import (
    BAD,
    DEFAULT_BODY_LIMIT,
    NOBODY,
    SURFACE,
    TOO_LARGE,
    RestFlood,
    RestInput,
    endpoints,
    field_cases,
    number_cases,
)
from tests.hostile.values import HUGE_CHARS, hostile_values


def body_cases(director: uuid.UUID, body_limit: int) -> list[Case]:
    """Bodies that do not parse, are not objects, nest too deep or are too large, on every route with a body."""
    broken = {
        "empty": b"",
        "open_brace": b"{",
        "bare_word": b"hello",
        "single_quotes": b"{'a': 1}",
        "not_utf8": b'{"a": "\xff\xfe"}',
        "trailing_garbage": b'{"a": 1}x',
        "list": b"[]",
        "number": b"1",
        "null": b"null",
        "string": b'"x"',
        "deep_list_5000": b"[" * 5000 + b"]" * 5000,
        "deep_object_3000": b'{"a":' * 3000 + b"1" + b"}" * 3000,
    }
    cases = []
    for endpoint in endpoints(director):
        where = endpoint.path
        for name, raw in broken.items():
            data = RestInput(endpoint.method, where, raw, endpoint.auth)
            cases.append(Case(SURFACE, f"body/{name}", f"{where} body/{name}", data, BAD))
        deep = RestInput(endpoint.method, where, b"[" * 10_000 + b"]" * 10_000, endpoint.auth)
        note = "20 kB of brackets: refused as too deep, or as too large if the limit is that small"
        cases.append(
            Case(SURFACE, "body/deep_list_10000", f"{where} body/deep_list_10000", deep, BAD | TOO_LARGE, note=note)
        )
        # Nothing but padding: should the body be read after all, it still changes nothing.
        huge = json.dumps({"pad": "A" * HUGE_CHARS}).encode()
        # Streamed, the server finds out by reading: one byte over its limit, and no end of the stream,
        # so nothing is left unread that would turn its answer into a connection reset.
        streamed = b'{"pad": "' + b"A" * (body_limit + 1 - len(b'{"pad": ""}')) + b'"}'
        cases += [
            Case(
                SURFACE,
                "body/too_large",
                f"{where} body/too_large",
                RestInput(endpoint.method, where, huge, endpoint.auth),
                TOO_LARGE,
            ),
            Case(
                SURFACE,
                "body/too_large_streamed",
                f"{where} body/too_large_streamed",
                RestInput(endpoint.method, where, streamed, endpoint.auth, chunked=True),
                TOO_LARGE,
            ),
            Case(
                SURFACE,
                "body/declared_too_large",
                f"{where} body/declared_too_large",
                RestInput(endpoint.method, where, b"{}", endpoint.auth, declared_length=10**12),
                TOO_LARGE,
            ),
        ]
    dup = b'{"email": "' + NOBODY.encode() + b'", "email": "a\\u0000b", "password": "x"}'
    cases.append(
        Case(
            SURFACE,
            "body/duplicate_keys",
            "login duplicate hostile email",
            RestInput("POST", "/api/login", dup),
            BAD,
            names_field="email",
        )
    )
    return cases


def path_cases() -> list[Case]:
    """Ids in paths that are not ids: refused as 400 (or 404 where no route matches)."""
    cases = []
    templates = {
        "lead": "/api/leads/{}/routing",
        "contact": "/api/contacts/{}/activities",
        "attachment": "/api/attachments/{}",
    }
    for value in hostile_values():
        if not isinstance(value.value, str) or value.huge:
            continue
        segment = quote(value.value.encode("utf-8", "surrogatepass"), safe="")
        for kind, template in templates.items():
            answer = BAD
            if kind == "attachment" or not segment:
                answer = expect("status 400", "status 404")
            data = RestInput("GET", template.format(segment), auth="director")
            cases.append(Case(SURFACE, f"path.{kind}/{value.family}", f"path.{kind}/{value.name}", data, answer))
    return cases


def header_cases() -> list[Case]:
    """Authorization headers that are not a valid session: 401."""
    cases = []
    for value in hostile_values():
        if not isinstance(value.value, str) or value.huge:
            continue
        raw = value.value.encode("utf-8", "surrogatepass")
        if any((b < 0x20 and b != 0x09) or b == 0x7F for b in raw):
            continue
        data = RestInput("GET", "/api/conversations", auth="raw", headers={"authorization": b"Bearer " + raw})
        cases.append(
            Case(SURFACE, f"header.bearer/{value.family}", f"header.bearer/{value.name}", data, expect("status 401"))
        )
    for name, header in {
        "basic": b"Basic YTpi",
        "bearer_alone": b"Bearer",
        "forged": b"Bearer v1.forged.token",
        "empty": b"",
    }.items():
        data = RestInput("GET", "/api/conversations", auth="raw", headers={"authorization": header})
        cases.append(Case(SURFACE, "header.scheme", f"header.scheme/{name}", data, expect("status 401")))
    return cases


def route_cases(director: uuid.UUID) -> list[Case]:
    """Signed out, wrong role, wrong method, no such route."""
    guarded = [
        ("GET", "/api/conversations"), ("GET", f"/api/leads/{uuid.uuid4()}/routing"), ("POST", "/api/work-day"),
        ("PUT", f"/api/managers/{director}/capacity"), ("PUT", f"/api/managers/{director}/working-hours"),
        ("POST", f"/api/managers/{director}/absences"), ("GET", f"/api/contacts/{uuid.uuid4()}/activities"),
        ("GET", "/api/mail/rejections"), ("GET", f"/api/attachments/{'0' * 64}"),
    ]  # fmt: skip
    cases = [
        Case(
            SURFACE,
            "signed_out",
            f"signed_out {m} {p.rsplit('/', 1)[-1][:20]}",
            RestInput(m, p, b"{}" if m != "GET" else None),
            expect("status 401"),
        )
        for m, p in guarded
    ]
    forbidden = [
        ("PUT", f"/api/managers/{director}/capacity", b'{"capacity": 5}'),
        ("GET", "/api/mail/rejections", None),
    ]
    cases += [
        Case(SURFACE, "wrong_role", f"manager {m} {p}", RestInput(m, p, b, "manager"), expect("status 403"))
        for m, p, b in forbidden
    ]
    odd = [
        ("GET", "/api/login", "status 405"),
        ("DELETE", "/api/conversations", "status 405"),
        ("GET", "/api/nothing-here", "status 404"),
    ]
    cases += [Case(SURFACE, "routes", f"{m} {p}", RestInput(m, p, auth="director"), expect(s)) for m, p, s in odd]
    return cases


def flood_cases() -> list[Case]:
    """Logins and visitor tokens asked for far faster than people do: 429 with Retry-After."""
    login = json.dumps({"email": NOBODY, "password": "wrong"}).encode()
    return [
        Case(SURFACE, "rate_limit", "login_flood", RestFlood("POST", "/api/login", login, 100), expect("status 429")),
        Case(
            SURFACE,
            "rate_limit",
            "visitor_token_flood",
            RestFlood("POST", "/api/widget/session", b"{}", 300),
            expect("status 429"),
        ),
    ]


def rest_cases(director: uuid.UUID, body_limit: int = DEFAULT_BODY_LIMIT) -> list[Case]:
    """The REST corpus; ``director`` is the signed-in director's own manager id, the target of every change."""
    return [
        *field_cases(director),
        *number_cases(director),
        *body_cases(director, body_limit),
        *path_cases(),
        *header_cases(),
        *route_cases(director),
        *flood_cases(),
    ]
