"""The upload path takes files up to its own limit; every other path keeps the small one."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from services.console.body_limit import BodyLimit


async def size(request: Request) -> JSONResponse:
    return JSONResponse({"size": len(await request.body())})


def client() -> TestClient:
    app = Starlette(
        routes=[Route("/api/attachments", size, methods=["POST"]), Route("/api/other", size, methods=["POST"])],
        middleware=[Middleware(BodyLimit, max_bytes=2048, larger={"/api/attachments": 10_000})],
    )
    return TestClient(app)


def test_a_file_over_the_small_limit_is_taken_on_the_upload_path_only() -> None:
    http = client()
    assert http.post("/api/attachments", content=b"x" * 9_000).json() == {"size": 9_000}
    assert http.post("/api/other", content=b"x" * 9_000).status_code == 413


def test_the_upload_path_refuses_a_file_over_its_own_limit_declared_or_streamed() -> None:
    http = client()
    declared = http.post("/api/attachments", content=b"x" * 10_001)
    assert declared.status_code == 413
    assert declared.json() == {"error": "the request body is over the limit of 10000 bytes"}
    streamed = http.post("/api/attachments", content=iter([b"x" * 6_000, b"x" * 6_000]))
    assert streamed.status_code == 413
