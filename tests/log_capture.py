"""The services' real logging chain (structlog and the standard library), written to a buffer a test reads."""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Callable, Iterator

import structlog

from services.logs import configure_logging
from services.settings import Settings

BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
DSN = "postgresql://switchboard:p%40ss-w0rd-db@db.internal:5432/switchboard"


@contextlib.contextmanager
def logs_written(settings: Settings) -> Iterator[Callable[[], str]]:
    """Log as a service with ``settings`` does; yields what was written so far. The old configuration is put back."""
    saved, factory = structlog.get_config(), logging.getLogRecordFactory()
    buffer = io.StringIO()
    configure_logging("test", "debug", settings.secret_values())
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(buffer), cache_logger_on_first_use=False)
    handler = logging.StreamHandler(buffer)
    logging.getLogger().addHandler(handler)
    try:
        yield buffer.getvalue
    finally:
        logging.getLogger().removeHandler(handler)
        logging.setLogRecordFactory(factory)
        structlog.configure(**saved)
