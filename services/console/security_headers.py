"""Headers every gateway answer carries, so a browser confines what the pages may do.

The widget is a single page whose one script and one style sheet are inline; the policy names them
by their SHA-256, computed from the file served, so nothing else inline runs (no injected markup,
no ``on...=`` attribute, no ``eval``). The console loads its built files from the gateway itself
(``'self'``) and has nothing inline. Nothing may frame the console or the
API; the widget is made to be framed by the sites that embed it, any site unless
``widget_frame_ancestors`` names them.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.DOTALL)
_NOTHING = "default-src 'none'; base-uri 'none'; form-action 'none'"
_ALWAYS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}


def inline_hashes(page: Path) -> dict[str, list[str]]:
    """The CSP sources of a page's inline scripts and style sheets: ``{"script": [...], "style": [...]}``."""
    found: dict[str, list[str]] = {"script": [], "style": []}
    if not page.is_file():  # a page not built yet: nothing inline to allow
        return found
    for kind, body in _INLINE.findall(page.read_text(encoding="utf-8")):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        found[kind].append(f"'sha256-{digest}'")
    return found


def page_policy(page: Path, *, connect: list[str], frame_ancestors: list[str], own_files: bool = False) -> str:
    """The Content-Security-Policy of one of our pages; ``own_files`` lets it load scripts and styles from us."""
    own = ["'self'"] if own_files else []
    inline = {kind: " ".join((*own, *sources)) or "'none'" for kind, sources in inline_hashes(page).items()}
    reachable = " ".join(("'self'", *connect))
    return "; ".join(
        (
            _NOTHING,
            f"script-src {inline['script']}",
            f"style-src {inline['style']}",
            f"connect-src {reachable}",
            "img-src 'self' blob: data:",
            f"frame-ancestors {' '.join(frame_ancestors)}",
        )
    )


def websocket_origin(url: str) -> str:
    """The ``ws://host:port`` (or ``wss://``) a page opens its socket on, for ``connect-src``."""
    parts = urlsplit(url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    return f"{scheme}://{parts.netloc}"


class SecurityHeaders:
    """ASGI middleware: the policy of each page, and the headers every answer gets."""

    def __init__(self, app: ASGIApp, pages: dict[str, str], *, framed: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.pages = pages  # path -> its Content-Security-Policy; other paths get one that allows nothing
        self.framed = framed  # paths other sites may frame

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers to the start of every HTTP answer, leaving those a route set itself."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        policy = self.pages.get(path, f"{_NOTHING}; frame-ancestors 'none'")
        framed = path in self.framed

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _ALWAYS.items():
                    headers.setdefault(name, value)
                headers.setdefault("content-security-policy", policy)
                if not framed:
                    headers.setdefault("x-frame-options", "DENY")
                if path.startswith("/api/"):
                    headers.setdefault("cache-control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)
