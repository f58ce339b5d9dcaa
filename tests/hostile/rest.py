"""REST on the gateway: every field of every JSON body against the hostile values, and the status the contract names.

400 with ``{"error": ...}`` naming the field for a body that does not parse, is nested too deep, is not
an object, or has a field that breaks a rule; 413 for a body over the limit; 429 with Retry-After for
rate limits; 401/403/404/405 as routes say. Never a 500.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

from domain.text import TextKind, is_clean
from tests.hostile.corpus import Case, expect
from tests.hostile.values import Value, hostile_values

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
