"""What each console socket costs the gateway: no compressor of its own unless compression is configured."""

from __future__ import annotations

import pytest
from websockets.asyncio.client import connect
from websockets.typing import Origin

from services.settings import Settings
from tests.integration.gateway_server import serving

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(120)]


async def negotiated_extensions(settings: Settings) -> str | None:
    """The extensions the gateway agreed to for a console socket whose client offers per-message deflate."""
    async with connect(
        f"ws://127.0.0.1:{settings.http_port}/ws/console",
        origin=Origin(settings.console_url),
        compression="deflate",
    ) as socket:
        assert socket.response is not None
        return socket.response.headers.get("Sec-WebSocket-Extensions")


async def test_console_sockets_are_not_compressed_unless_configured(settings: Settings) -> None:
    async with serving(settings):
        # Each compressed socket would hold its own deflate state and compress every push anew.
        assert await negotiated_extensions(settings) is None
    compressed = settings.model_copy(update={"console_compression": True})
    async with serving(compressed):
        assert "permessage-deflate" in (await negotiated_extensions(compressed) or "")
