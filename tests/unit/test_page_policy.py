"""The pages' Content-Security-Policy lets their own inline script and style run, and nothing else."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest

from services.console.security_headers import inline_hashes, page_policy, websocket_origin

STATIC = Path(__file__).resolve().parents[2] / "services" / "console" / "static"
PAGES = sorted(STATIC.glob("*.html"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_inline_script_and_style_is_named_by_its_hash(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    policy = page_policy(page, connect=[], frame_ancestors=["'none'"])
    blocks = re.findall(r"<(script|style)[^>]*>(.*?)</\1>", html, re.DOTALL)
    assert blocks
    for _kind, body in blocks:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_page_holds_what_a_hashed_policy_would_block(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    # Handlers in attributes, style attributes, script URLs and attributes on <script>/<style> (src, nonce)
    # would each need 'unsafe-inline' or a source of their own.
    assert not re.search(r"\son[a-z]+\s*=", html)
    assert not re.search(r"\sstyle\s*=", html)
    assert "javascript:" not in html
    assert not re.search(r"<(script|style)\s", html)


def test_a_page_without_inline_code_allows_none(tmp_path: Path) -> None:
    page = tmp_path / "plain.html"
    page.write_text("<p>nothing runs</p>")
    assert inline_hashes(page) == {"script": [], "style": []}
    policy = page_policy(page, connect=["wss://chat.example"], frame_ancestors=["https://shop.example"])
    assert "script-src 'none'" in policy
    assert "style-src 'none'" in policy
    assert "connect-src 'self' wss://chat.example" in policy
    assert "frame-ancestors https://shop.example" in policy


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("http://127.0.0.1:8080", "ws://127.0.0.1:8080"),
        ("https://console.example/", "wss://console.example"),
        ("ws://127.0.0.1:8081/", "ws://127.0.0.1:8081"),
        ("wss://chat.example/ws", "wss://chat.example"),
    ],
)
def test_the_socket_origin_of_a_url(url: str, origin: str) -> None:
    assert websocket_origin(url) == origin
