"""The HTTP session vk-api calls the VK API through, pointed at the configured API address.

vk-api takes a ``requests`` session of one's own for exactly this; the library writes its own
address into every call, so the session puts the configured one in its place, and gives every
request a timeout (the library sets none, and a server that stops answering would hold a thread).
"""

from __future__ import annotations

from typing import Any

import requests

# Where vk-api 11 sends every method call.
LIBRARY_BASE = "https://api.vk.ru/method/"


class ApiSession(requests.Session):
    """A requests session that sends vk-api's method calls to ``base_url``, each with a timeout."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout

    def request(self, method: str, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # noqa: ANN401
        """Send the request to the configured API address, within the timeout."""
        if isinstance(url, str) and url.startswith(LIBRARY_BASE):
            url = self.base_url + url.removeprefix(LIBRARY_BASE)
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)
