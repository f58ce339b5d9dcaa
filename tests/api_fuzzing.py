"""Requests for a live gateway, drawn from its OpenAPI document: what it describes, and what it does not.

For each operation: path parameters (ids the system knows, others, and text that is no id), query
parameters, headers with a valid session or not, and a body valid by the operation's schema, or one
with a field broken, or any JSON at all, or bytes that are no JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote
from uuid import UUID

from hypothesis import strategies as st

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
# Words that have found faults before: empty, NUL, a lone surrogate, a path, a folder of time zones, ...
ODD_WORDS = ("", " ", "\x00", "\ud800", "../../etc/passwd", "%00", "null", "-1", "9" * 40, "\u202e", "Europe", "Etc")
ODD_TEXT = st.one_of(st.text(max_size=40), st.sampled_from(ODD_WORDS))
# Text of a format, mostly well formed: an id that reaches the record it names only by chance, a time at the
# ends of the calendar.
FORMATS = {
    "uuid": st.uuids().map(str),
    "date-time": st.datetimes(timezones=st.timezones()).map(lambda at: at.isoformat()),
}


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of the strategies, each about as often as its weight says (``one_of`` favours the first)."""
    total = sum(weight for weight, _ in choices)

    def pick(roll: int) -> st.SearchStrategy[Any]:
        for weight, strategy in choices:
            if roll < weight:
                return strategy
            roll -= weight
        return choices[-1][1]

    return st.integers(0, total - 1).flatmap(pick)


@dataclass(frozen=True)
class Operation:
    """One method on one path, as the document describes it."""

    method: str
    path: str
    spec: dict[str, Any] = field(repr=False)

    @property
    def body_schema(self) -> dict[str, Any] | None:
        """The JSON schema of its body, if it takes one."""
        body = self.spec.get("requestBody")
        return body["content"]["application/json"]["schema"] if body and "application/json" in body["content"] else None

    @property
    def takes_bytes(self) -> bool:
        """Whether its body is a file's bytes rather than JSON."""
        return "application/octet-stream" in (self.spec.get("requestBody") or {}).get("content", {})


@dataclass(frozen=True)
class Drawn:
    """One request to send."""

    method: str
    url: str
    headers: dict[str, str]
    content: bytes | None


def operations(document: dict[str, Any]) -> list[Operation]:
    """Every operation of the document."""
    return [
        Operation(method.upper(), path, spec)
        for path, item in document["paths"].items()
        for method, spec in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def from_schema(  # noqa: PLR0911 - one per keyword
    schema: dict[str, Any], defs: dict[str, Any], known: tuple[str, ...] = ()
) -> st.SearchStrategy[Any]:
    """Values valid by a JSON schema (the subset pydantic writes); ids mostly among ``known``, if any."""
    if "$ref" in schema:
        return from_schema(defs[schema["$ref"].rsplit("/", 1)[1]], defs, known)
    if "anyOf" in schema:
        return st.one_of([from_schema(option, defs, known) for option in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "string":
        if schema.get("format") == "uuid" and known:
            return weighted((3, st.sampled_from(known)), (1, FORMATS["uuid"]), (1, ODD_TEXT))
        if schema.get("format") in FORMATS:
            return weighted((3, FORMATS[schema["format"]]), (1, ODD_TEXT))
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True)
        low, high = schema.get("minLength", 0), min(schema.get("maxLength", 60), 60)
        fitting = [word for word in ODD_WORDS if low <= len(word) <= high]
        return weighted((2, st.text(min_size=low, max_size=high)), (1, st.sampled_from(fitting or ["x" * low])))
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {}), defs, known), max_size=min(schema.get("maxItems", 4), 4))
    if kind == "object":
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {name: from_schema(sub, defs, known) for name, sub in properties.items() if name in required},
            optional={name: from_schema(sub, defs, known) for name, sub in properties.items() if name not in required},
        )
    return JSON


def body_for(schema: dict[str, Any], known: tuple[str, ...] = ()) -> st.SearchStrategy[bytes]:
    """A body valid by ``schema`` (its ids mostly ``known``), one with a field broken, any JSON, or no JSON at all."""
    defs = schema.get("$defs", {})
    valid = from_schema(schema, defs, known)
    broken = st.tuples(valid, st.sampled_from(sorted(schema.get("properties", {})) or ["x"]), JSON).map(
        lambda drawn: {**drawn[0], drawn[1]: drawn[2]}
    )
    # Mostly valid, to get past the first check to the code behind it.
    as_json = weighted((6, valid), (2, broken), (1, JSON)).map(lambda value: json.dumps(value).encode())
    return weighted((9, as_json), (1, st.binary(max_size=200)))


def request_for(
    operation: Operation, ids: dict[str, list[str]], sessions: list[str], others: list[str]
) -> st.SearchStrategy[Drawn]:
    """A request for one operation: ``ids`` the system knows by parameter name, valid ``sessions``, ``others``."""
    everything = sorted({i for known in ids.values() for i in known if len(i) == len(str(UUID(int=0)))})  # ids only

    def identifier(name: str) -> st.SearchStrategy[str]:
        known = st.sampled_from(ids.get(name) or everything)
        return weighted((5, known), (1, st.sampled_from(everything)), (2, st.uuids().map(str)), (2, ODD_TEXT))

    def query_value(shape: dict[str, Any]) -> st.SearchStrategy[Any]:
        described = shape.get("type") == "integer" or "enum" in shape or "format" in shape
        return st.one_of(from_schema(shape, {}, tuple(everything)) if described else st.text(max_size=30), ODD_TEXT)

    # Every strategy is built once per operation, not once per request drawn: building them is most of the cost.
    parameters = operation.spec.get("parameters", [])
    in_path = {p["name"]: identifier(p["name"]) for p in parameters if p["in"] == "path"}
    in_query = {p["name"]: query_value(p["schema"]) for p in parameters if p["in"] not in ("path", "header")}
    authorization = weighted((8, st.sampled_from(sessions)), (2, st.sampled_from(["", *others])))
    schema = operation.body_schema
    body = body_for(schema, tuple(everything)) if schema is not None else None
    file_name = st.one_of(st.text(max_size=40), ODD_TEXT)
    file_type = st.sampled_from(["application/pdf", "text/plain", "", "x/y; q=1"])

    @st.composite
    def draw(pick: st.DrawFn) -> Drawn:
        path = operation.path
        for name, value in in_path.items():
            path = path.replace("{" + name + "}", _quoted(pick(value)) or "x")
        query = [
            f"{quote(name)}={_quoted(str(pick(value)))}" for name, value in in_query.items() if pick(st.booleans())
        ]
        headers = {"content-type": "application/json"}
        chosen = pick(authorization)
        if chosen:
            headers["authorization"] = chosen
        content = pick(body) if body is not None else None
        if operation.takes_bytes:
            content = pick(st.binary(max_size=512))
            headers["content-type"] = pick(file_type)
            headers["x-filename"] = _quoted(pick(file_name))
        url = path + ("?" + "&".join(query) if query else "")
        return Drawn(operation.method, url, headers, content)

    return draw()


def _quoted(value: str) -> str:
    # Lone surrogates too, as the bytes a client could send for them.
    return quote(value.encode("utf-8", "surrogatepass"), safe="")
