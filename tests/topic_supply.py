"""Fresh Kafka topics for each test, made ahead on a thread of their own.

Making a test's topics is a round of the broker's controller (about half a second here), spent
waiting, not computing. Made while the previous tests run, the next test finds its topics ready.
"""

from __future__ import annotations

import asyncio
import queue
import secrets
import threading
from typing import Self

from services.settings import Settings
from services.topics import create_topics

AHEAD = 3  # topic sets kept ready; each test takes one


class TopicSupply:
    """Topic prefixes whose topics exist, as ``create_topics`` makes them for ``template``'s settings."""

    def __init__(self, template: Settings) -> None:
        self._template = template
        self._ready: queue.Queue[str | BaseException] = queue.Queue(maxsize=AHEAD)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._make, name="topic-supply", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stopping.set()
        while not self._ready.empty():  # a maker blocked on a full queue sees the stop
            self._ready.get_nowait()
        self._thread.join(30)

    def take(self, timeout: float = 120.0) -> str:
        """A prefix whose topics are all made, used by no other test."""
        made = self._ready.get(timeout=timeout)
        if isinstance(made, BaseException):
            raise made
        return made

    def _make(self) -> None:
        while not self._stopping.is_set():
            prefix = f"t{secrets.token_hex(5)}"
            made: str | BaseException = prefix
            try:
                asyncio.run(create_topics(self._template.model_copy(update={"topic_prefix": prefix})))
            except Exception as error:  # noqa: BLE001 - handed to the test that takes it, which fails with it
                made = error
            while not self._stopping.is_set():
                try:
                    self._ready.put(made, timeout=0.5)
                    break
                except queue.Full:
                    continue
