"""The OpenAPI document says what the gateway serves: every route in it, nothing else, each body a schema."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr
from starlette.routing import Route, WebSocketRoute

from services.console.app import build_app
from services.console.openapi import document
from services.settings import Settings

METHODS = {"get", "post", "put", "delete", "patch"}


@pytest.fixture(scope="module")
def served() -> tuple[set[tuple[str, str]], set[str]]:
    app = build_app(Settings(secret_key=SecretStr("a test secret of sixteen or more")))
    routes = {
        (route.path, method.lower())
        for route in app.routes
        if isinstance(route, Route)
        for method in route.methods or ()
        if method != "HEAD"  # Starlette answers HEAD wherever GET is served
    }
    sockets = {route.path for route in app.routes if isinstance(route, WebSocketRoute)}
    return routes, sockets


def test_every_route_is_described_and_nothing_else(served: tuple[set[tuple[str, str]], set[str]]) -> None:
    routes, sockets = served
    described = {(path, method) for path, item in document()["paths"].items() for method in item if method in METHODS}
    assert described == routes
    assert set(document()["x-websockets"]) == sockets


def test_each_path_parameter_is_declared(served: tuple[set[tuple[str, str]], set[str]]) -> None:
    for path, item in document()["paths"].items():
        named = {part[1:-1] for part in path.split("/") if part.startswith("{")}
        for method, operation in item.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == named, (path, method)


def test_routes_that_read_a_body_describe_it_and_those_with_a_session_say_so() -> None:
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            body: dict[str, Any] | None = operation.get("requestBody")
            # Logging out and unsubscribing (a mail's link, RFC 8058's one-click POST) read no body.
            if method in ("post", "put") and path not in ("/api/logout", "/unsubscribe"):
                assert body is not None, (path, method)
                if path in ("/api/attachments", "/api/imports"):  # a file's bytes, not JSON
                    assert list(body["content"]) == ["application/octet-stream"]
                else:
                    assert body["content"]["application/json"]["schema"]["type"] == "object"
            token_in_body = ("/api/login", "/api/widget/history", "/api/widget/rating")
            if "401" in operation["responses"] and path not in token_in_body:
                assert operation.get("security"), (path, method)
