"""REST on the gateway: hostile bodies, fields, paths and headers, and the status the contract names.

400 with ``{"error": ...}`` naming the field for a body that does not parse, is nested too deep, is not
an object, or has a field that breaks a rule; 413 for a body over the limit; 429 with Retry-After for
rate limits; 401/403/404/405 as routes say. Never a 500.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from urllib.parse import quote

from domain.text import TextKind, is_clean
from tests.hostile.corpus import Case, expect
from tests.hostile.values import HUGE_CHARS, Value, hostile_values

SURFACE = "rest"
BAD = expect("status 400")
TOO_LARGE = expect("status 413")
NOBODY = "nobody@example.com"
# Whole-number fields: zero up to what an integer column holds.
NUMBERS = ("capacity",)
# The gateway's body limit where Settings does not name one (http_max_body_bytes).
DEFAULT_BODY_LIMIT = 64 * 1024


@dataclass(frozen=True)
class RestInput:
    """One request. ``auth``: "none", "director", "manager", or "raw" (headers carry it). ``body``: bytes sent as is."""

    method: str
    path: str
    body: bytes | None = None
    auth: str = "none"
    headers: dict[str, bytes] = field(default_factory=dict)
    chunked: bool = False
    declared_length: int | None = None


@dataclass(frozen=True)
class RestFlood:
    """The same request many times from one address, to a gateway with its default limits."""

    method: str
    path: str
    body: bytes
    requests: int


@dataclass(frozen=True)
class Endpoint:
    """A route that takes a JSON body, a valid body for it, and its fields' kinds and answers."""

    method: str
    path: str
    auth: str
    body: dict[str, object]
    # field -> (kind, status for a clean string, statuses for a string that breaks the rule)
    fields: dict[str, tuple[TextKind | None, frozenset[str], frozenset[str]]]
    # Fields that may be left out, and the answer when they are.
    optional: dict[str, frozenset[str]] = field(default_factory=dict)


def endpoints(director: uuid.UUID) -> list[Endpoint]:
    """Every route with a JSON body; changes are aimed at the director's own record, never at who takes leads."""
    unauthorized, ok = expect("status 401"), expect("status 200")
    # A password is compared, never stored: refusing a rule-breaking one as 400 or as 401 both keep it out.
    password = (TextKind.TEXT, unauthorized, expect("status 400", "status 401"))
    hours_body = {"timezone": "Europe/Riga", "shifts": [{"day": "mon", "from": "09:00", "to": "18:00"}]}
    manager = f"/api/managers/{director}"
    return [
        Endpoint(
            "POST",
            "/api/login",
            "none",
            {"email": NOBODY, "password": "x"},
            {"email": (TextKind.IDENTIFIER, unauthorized, BAD), "password": password},
        ),
        Endpoint(
            "POST",
            "/api/widget/session",
            "none",
            {"token": "x"},
            {"token": (TextKind.IDENTIFIER, ok, BAD)},
            {"token": ok},
        ),
        Endpoint(
            "POST",
            "/api/widget/history",
            "none",
            {"token": "x"},
            {"token": (TextKind.IDENTIFIER, unauthorized, BAD)},
            {"token": unauthorized},
        ),
        Endpoint("POST", "/api/work-day", "director", {"action": "start"}, {"action": (None, BAD, BAD)}),
        Endpoint("PUT", f"{manager}/capacity", "director", {"capacity": 20}, {"capacity": (None, ok, BAD)}),
        Endpoint(
            "PUT",
            f"{manager}/working-hours",
            "director",
            hours_body,
            {"timezone": (None, BAD, BAD), "shifts": (None, BAD, BAD)},
            {"shifts": ok},  # no shifts: no working hours
        ),
        Endpoint(
            "POST",
            f"{manager}/absences",
            "director",
            {"first_day": "2001-01-01", "last_day": "2001-01-02", "reason": "hostile corpus"},
            {"first_day": (None, BAD, BAD), "last_day": (None, BAD, BAD), "reason": (TextKind.LINE, ok, BAD)},
            {"reason": ok},
        ),
    ]


def ok_or_bad(endpoint: Endpoint) -> frozenset[str]:
    """What a route answers to a field left out, or a refusal."""
    return frozenset().union(*endpoint.optional.values()) | BAD


def _expected(endpoint: Endpoint, name: str, value: Value) -> tuple[frozenset[str], str]:  # noqa: PLR0911 - one per rule
    """The answer for ``value`` in field ``name``, and a note where the contract leaves a choice."""
    kind, clean, broken = endpoint.fields[name]
    if value.huge:
        return TOO_LARGE, ""
    if value.value is None and name in endpoint.optional:
        return endpoint.optional[name] | BAD, "null in an optional field may be read as the field left out"
    if name in NUMBERS:
        fits = isinstance(value.value, int) and not isinstance(value.value, bool) and 0 <= value.value < 2**31
        return (clean if fits else BAD), ""
    if name == "shifts" and value.value == []:
        return ok_or_bad(endpoint), "no shifts at all: no working hours, as when left out"
    if not isinstance(value.value, str):
        return BAD, ""
    if value.family == "empty" and name in endpoint.optional and kind is not None and is_clean(value.value, kind):
        return endpoint.optional[name] | BAD, "an optional field may be left empty"
    if kind is None:
        return broken, ""
    if value.family == "empty" and name in ("token", "email", "password"):
        return clean | BAD, "an empty credential may be refused as malformed or as wrong"
    if kind is TextKind.LINE and value.valid_for(TextKind.TEXT) and not value.valid_for(TextKind.LINE):
        return clean | BAD, "whether a reason is one line or free text is the route's choice"
    if value.family == "blank_edges" and name in ("email", "token"):
        return clean | BAD, "blanks around a credential may be refused or simply not match"
    return (clean, "") if value.valid_for(kind) else (broken, "")


def field_cases(director: uuid.UUID) -> list[Case]:
    """Every field of every body against every hostile value; shift fields too."""
    cases = []
    for endpoint in endpoints(director):
        for value in hostile_values():
            for name in endpoint.fields:
                body = {**endpoint.body, name: value.value}
                if endpoint.path == "/api/login" and name != "email":
                    # Failed logins are limited per email: each case fails for an email of its own.
                    body["email"] = f"nobody.{value.name}@example.com"
                answer, note = _expected(endpoint, name, value)
                payload = json.dumps(body).encode()
                family, case_name = f"{endpoint.path}.{name}/{value.family}", f"{endpoint.path}.{name}/{value.name}"
                named = name if answer == BAD else ""
                data = RestInput(endpoint.method, endpoint.path, payload, endpoint.auth)
                cases.append(Case(SURFACE, family, case_name, data, answer, names_field=named, note=note))
            if endpoint.path.endswith("working-hours"):
                for name in ("day", "from", "to"):
                    shift = {"day": "mon", "from": "09:00", "to": "18:00", name: value.value}
                    body = {**endpoint.body, "shifts": [shift]}
                    answer = TOO_LARGE if value.huge else BAD
                    data = RestInput(endpoint.method, endpoint.path, json.dumps(body).encode(), endpoint.auth)
                    family = f"working-hours.shifts.{name}/{value.family}"
                    case_name = f"working-hours.shifts.{name}/{value.name}"
                    named = "" if value.huge else name
                    cases.append(Case(SURFACE, family, case_name, data, answer, names_field=named))
    return cases


def number_cases(director: uuid.UUID) -> list[Case]:
    """Numbers a capacity cannot be: negative, fractional, beyond any integer column."""
    numbers = {"minus_one": -1, "two_to_31": 2**31, "two_to_63": 2**63, "googol": 10**100, "nan_like": 1e308}
    path = f"/api/managers/{director}/capacity"
    return [
        Case(
            SURFACE,
            "capacity/numbers",
            f"capacity/{name}",
            RestInput("PUT", path, json.dumps({"capacity": n}).encode(), "director"),
            BAD,
            names_field="capacity",
        )
        for name, n in numbers.items()
    ]


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
