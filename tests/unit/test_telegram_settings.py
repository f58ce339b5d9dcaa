"""Telegram bots in the settings: one JSON list, a webhook needs its secret, and no secret is ever shown."""

from __future__ import annotations

import json

import pytest

from services.settings import ConfigurationError, Settings, load_settings

TOKEN = "123456:token-value-never-shown"
SECRET = "secret-value-never-shown"


def bots(monkeypatch: pytest.MonkeyPatch, *configured: dict[str, str]) -> None:
    monkeypatch.setenv("SWITCHBOARD_TELEGRAM_BOTS", json.dumps(list(configured)))


def test_bots_come_from_one_json_list_with_webhook_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    bots(
        monkeypatch,
        {"name": "shop", "token": TOKEN, "secret_token": SECRET},
        {"name": "support", "token": TOKEN, "mode": "polling", "api_url": "http://127.0.0.1:8081"},
    )
    shop, support = load_settings().telegram_bots
    assert (shop.name, shop.mode, shop.api_url) == ("shop", "webhook", "https://api.telegram.org")
    assert (support.mode, support.api_url) == ("polling", "http://127.0.0.1:8081")
    assert TOKEN not in repr(load_settings())
    assert SECRET not in repr(load_settings())


def test_a_child_process_gets_the_same_bots_secrets_included(monkeypatch: pytest.MonkeyPatch) -> None:
    bots(monkeypatch, {"name": "shop", "token": TOKEN, "secret_token": SECRET})
    settings = load_settings()
    for name, value in settings.environment().items():
        monkeypatch.setenv(name, value)
    (child,) = Settings().telegram_bots
    assert (child.token.get_secret_value(), child.secret_token.get_secret_value()) == (TOKEN, SECRET)


@pytest.mark.parametrize(
    ("bot", "problem"),
    [
        ({"name": "shop", "token": TOKEN}, "a webhook bot needs a secret_token"),
        ({"name": "shop/x", "token": TOKEN, "mode": "polling"}, "telegram_bots.0.name"),
        ({"name": "shop", "token": TOKEN, "mode": "push", "secret_token": SECRET}, "telegram_bots.0.mode"),
    ],
)
def test_a_bot_configured_wrongly_is_refused_naming_the_field_and_never_its_secrets(
    monkeypatch: pytest.MonkeyPatch, bot: dict[str, str], problem: str
) -> None:
    bots(monkeypatch, bot)
    with pytest.raises(ConfigurationError) as refused:
        load_settings()
    assert problem in str(refused.value)
    assert TOKEN not in str(refused.value)
    assert SECRET not in str(refused.value)
