"""The operators' console: a page built from ``console/`` into the package, served with its own files.

``make`` builds it (``npm ci``, then Vite) into ``static/console``; a gateway started without a
build answers 503 and says how to build it, rather than a page that cannot load.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.staticfiles import StaticFiles

from services.console.security_headers import page_policy

BUILT = Path(__file__).parent / "static" / "console"
PAGE = BUILT / "index.html"
NOT_BUILT = "The console is not built: run `make console` (npm ci, then the build) and reload."


async def console_page(_: Request) -> Response:
    """The console's page, or 503 naming the missing build."""
    if not PAGE.is_file():
        return PlainTextResponse(NOT_BUILT, status_code=503)
    # The page names its scripts by content hash; it must be read anew after each build.
    return FileResponse(PAGE, headers={"cache-control": "no-cache"})


def console_files() -> StaticFiles:
    """The built scripts and style sheets, under ``/console``."""
    return StaticFiles(directory=BUILT, check_dir=False)


def console_policy(connect: list[str]) -> str:
    """The page's Content-Security-Policy: its own files run, nothing inline, no framing."""
    return page_policy(PAGE, connect=connect, frame_ancestors=["'none'"], own_files=True)
