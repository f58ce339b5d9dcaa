"""Telephone lines in the settings: read from the environment, secrets out of sight, each checked."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, time
from typing import Any

import pytest

from domain.identities import manager_id
from services.router.calls import call_lines
from services.settings import ConfigurationError, Settings, load_settings

LINE: dict[str, Any] = {
    "name": "shop",
    "secret": "line-secret-0123456789",
    "timezone": "Europe/Riga",
    "hours": [{"day": "mon", "from": "09:00", "to": "18:00"}],
    "extensions": {"101": "Anna@Example.com"},
    "fallback_manager": "olga@example.com",
}
TWILIO: dict[str, Any] = {
    "name": "tw",
    "provider": "twilio",
    "secret": "twilio-token-3",
    "webhook_url": "https://hooks.example/calls/twilio/tw",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SWITCHBOARD_"):
            monkeypatch.delenv(name)


def test_lines_are_read_and_the_router_decides_by_their_hours_and_extensions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWITCHBOARD_CALL_LINES", json.dumps([LINE, TWILIO]))
    lines = call_lines(Settings())
    shop = lines["shop"]
    assert shop.hours is not None
    assert shop.hours.shifts[0].start == time(9)
    assert shop.manager_at("101") == manager_id("anna@example.com")
    assert shop.fallback_manager_id == manager_id("olga@example.com")
    monday_evening = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
    assert shop.next_opening(monday_evening) == datetime(2026, 3, 9, 7, 0, tzinfo=UTC)
    assert lines["tw"].is_open(monday_evening)


def test_secrets_are_not_shown_but_reach_a_child_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWITCHBOARD_CALL_LINES", json.dumps([LINE, TWILIO]))
    settings = Settings()
    for shown in (repr(settings), str(settings), settings.model_dump_json()):
        assert LINE["secret"] not in shown
        assert TWILIO["secret"] not in shown
    child = json.loads(settings.environment()["SWITCHBOARD_CALL_LINES"])
    assert [line["secret"] for line in child] == [LINE["secret"], TWILIO["secret"]]
    monkeypatch.setenv("SWITCHBOARD_CALL_LINES", json.dumps(child))
    assert Settings().call_lines == settings.call_lines


@pytest.mark.parametrize(
    ("lines", "named"),
    [
        ([{**LINE, "secret": "short"}], "16 characters"),
        ([{**TWILIO, "webhook_url": ""}], "webhook_url"),
        ([{**LINE, "timezone": "Mars/Base"}], "time zone"),
        ([{**LINE, "hours": [{"day": "mon", "from": "18:00", "to": "09:00"}]}], "end after"),
        ([{**LINE, "hours": [{"day": "someday", "from": "09:00", "to": "18:00"}]}], "call_lines.0.hours.0.day"),
        ([{**LINE, "name": "shop/../x"}], "call_lines.0.name"),
        ([LINE, {**TWILIO, "name": "shop"}], "name of its own"),
    ],
)
def test_a_wrong_line_is_refused_naming_it_and_never_its_secret(
    monkeypatch: pytest.MonkeyPatch, lines: list[dict[str, Any]], named: str
) -> None:
    monkeypatch.setenv("SWITCHBOARD_CALL_LINES", json.dumps(lines))
    with pytest.raises(ConfigurationError, match=named) as refused:
        load_settings()
    assert LINE["secret"] not in str(refused.value)
