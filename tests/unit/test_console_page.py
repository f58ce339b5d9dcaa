"""The console page: its own built files may run, nothing inline, and customer text never becomes markup."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from starlette.requests import Request

from services.console import console_page
from services.console.console_page import console_policy

SOURCES = Path(__file__).resolve().parents[2] / "console" / "src"


def test_the_console_loads_its_own_files_and_nothing_inline() -> None:
    policy = console_policy(connect=["ws://127.0.0.1:8080"])
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert "connect-src 'self' ws://127.0.0.1:8080" in policy


def test_a_gateway_without_the_built_console_says_how_to_build_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console_page, "PAGE", tmp_path / "index.html")
    answer = asyncio.run(console_page.console_page(Request({"type": "http", "method": "GET", "path": "/"})))
    assert answer.status_code == 503
    assert b"make console" in answer.body


def test_no_console_source_writes_markup() -> None:
    """Customer text reaches the page only as text nodes: no source may hand a string to the HTML parser."""
    sources = sorted(SOURCES.rglob("*.ts*"))
    assert sources
    writes_markup = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|dangerouslySetInnerHTML|document\.write|eval\(")
    offenders = [str(p) for p in sources if writes_markup.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
