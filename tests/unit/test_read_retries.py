"""A read PostgreSQL rolled back as a deadlock's loser is run again; a write, or a read that keeps losing, is not."""

from __future__ import annotations

import asyncio

import httpx
from asyncpg.exceptions import DeadlockDetectedError, SerializationError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.console.read_retries import ReadRetries


def app_losing(times: int) -> tuple[Starlette, list[str]]:
    """An app whose every route loses ``times`` races before it answers; the methods it was asked, in order."""
    asked: list[str] = []

    async def answer(request: Request) -> Response:
        asked.append(request.method)
        if len(asked) <= times:
            raise (DeadlockDetectedError if len(asked) % 2 else SerializationError)("lost")
        return JSONResponse({"asked": len(asked)})

    routes = [Route("/thing", answer, methods=["GET", "POST"])]
    return Starlette(routes=routes, middleware=[Middleware(ReadRetries, wait_seconds=0.001)]), asked


def request(app: Starlette, method: str) -> httpx.Response:
    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, "/thing")

    return asyncio.run(send())


def test_a_read_that_lost_twice_is_answered_on_its_third_try() -> None:
    app, asked = app_losing(2)
    answer = request(app, "GET")
    assert (answer.status_code, answer.json()) == (200, {"asked": 3})
    assert asked == ["GET", "GET", "GET"]


def test_a_read_that_keeps_losing_fails_after_three_tries() -> None:
    app, asked = app_losing(5)
    assert request(app, "GET").status_code == 500
    assert len(asked) == 3


def test_a_write_is_never_run_again() -> None:
    app, asked = app_losing(1)
    assert request(app, "POST").status_code == 500
    assert asked == ["POST"]
