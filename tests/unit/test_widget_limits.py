"""The widget's limits come from the settings, each from its own variable."""

from __future__ import annotations

import dataclasses
import ipaddress
import json

import pytest

from connectors.webchat_limits import WidgetLimits
from services.ingest.service import widget_limits
from services.settings import Settings

VARIABLES = {
    "SWITCHBOARD_WEBCHAT_HELLO_TIMEOUT_SECONDS": ("hello_timeout", 3.5),
    "SWITCHBOARD_WEBCHAT_MAX_HELLO_BYTES": ("max_hello_bytes", 1024),
    "SWITCHBOARD_WEBCHAT_MAX_SOCKETS_PER_VISITOR": ("sockets_per_visitor", 2),
    "SWITCHBOARD_WEBCHAT_MAX_SOCKETS_PER_ADDRESS": ("sockets_per_address", 7),
    "SWITCHBOARD_WEBCHAT_MAX_UNAUTHENTICATED_PER_ADDRESS": ("unauthenticated_per_address", 3),
    "SWITCHBOARD_WEBCHAT_MESSAGES_PER_SECOND": ("messages_per_second", 0.5),
    "SWITCHBOARD_WEBCHAT_MESSAGE_BURST": ("message_burst", 4),
    "SWITCHBOARD_WEBCHAT_OUTBOX_FRAMES": ("outbox_frames", 16),
    "SWITCHBOARD_WEBCHAT_SEND_TIMEOUT_SECONDS": ("send_timeout", 2.5),
    "SWITCHBOARD_TRUSTED_PROXIES": ("trusted_proxies", (ipaddress.ip_network("10.0.0.0/8"),)),
}


def test_the_defaults_are_the_connectors_own() -> None:
    assert widget_limits(Settings()) == WidgetLimits()


@pytest.mark.parametrize("variable", list(VARIABLES))
def test_each_limit_is_read_from_its_variable(variable: str, monkeypatch: pytest.MonkeyPatch) -> None:
    field, value = VARIABLES[variable]
    monkeypatch.setenv(variable, json.dumps([str(n) for n in value]) if isinstance(value, tuple) else str(value))
    assert widget_limits(Settings()) == dataclasses.replace(WidgetLimits(), **{field: value})


def test_every_limit_has_a_variable() -> None:
    assert {field for field, _ in VARIABLES.values()} == {f.name for f in dataclasses.fields(WidgetLimits)}
