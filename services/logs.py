"""Structured JSON logs, one event per line, for every process."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

import structlog

from services.log_secrets import SecretsHidden, hide_in_standard_logging


def configure_logging(service: str, level: str = "info", secrets: Iterable[str] = ()) -> None:
    """Send structlog JSON lines to stdout, tagged with the service name, ``secrets`` and secret-shaped text hidden."""
    numeric = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    logging.basicConfig(stream=sys.stdout, level=max(numeric, logging.WARNING), format="%(message)s")
    hidden = SecretsHidden(secrets)
    hide_in_standard_logging(hidden)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            hidden,  # after tracebacks are text: an exception's message may quote a secret
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
