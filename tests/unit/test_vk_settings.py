"""VK communities in the settings: read from the environment, secrets kept out of sight, checked per mode."""

from __future__ import annotations

import json
import os

import pytest

from services.settings import ConfigurationError, Settings, load_settings

COMMUNITY = {
    "name": "shop",
    "group_id": 123456,
    "token": "tok-secret-1",
    "secret": "cb-secret-2",
    "confirmation": "abc",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SWITCHBOARD_"):
            monkeypatch.delenv(name)


def test_communities_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    longpoll = {"name": "outlet", "group_id": 7, "token": "tok-3", "mode": "longpoll"}
    monkeypatch.setenv("SWITCHBOARD_VK_COMMUNITIES", json.dumps([COMMUNITY, longpoll]))
    shop, outlet = Settings().vk_communities
    assert (shop.name, shop.group_id, shop.mode, shop.confirmation) == ("shop", 123456, "callback", "abc")
    assert shop.api_base_url == "https://api.vk.com/method"
    assert (outlet.mode, outlet.secret.get_secret_value()) == ("longpoll", "")


def test_tokens_and_secrets_are_not_shown_but_reach_a_child_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWITCHBOARD_VK_COMMUNITIES", json.dumps([COMMUNITY]))
    settings = Settings()
    for shown in (repr(settings), str(settings), settings.model_dump_json()):
        assert "tok-secret-1" not in shown
        assert "cb-secret-2" not in shown
    env = settings.environment()
    monkeypatch.setenv("SWITCHBOARD_VK_COMMUNITIES", env["SWITCHBOARD_VK_COMMUNITIES"])
    (child,) = Settings().vk_communities
    assert (child.token.get_secret_value(), child.secret.get_secret_value()) == ("tok-secret-1", "cb-secret-2")


@pytest.mark.parametrize(
    "community",
    [
        {**COMMUNITY, "secret": ""},
        {**COMMUNITY, "confirmation": ""},
        {**COMMUNITY, "name": "../admin"},
        {**COMMUNITY, "group_id": 0},
        {**COMMUNITY, "mode": "webhook"},
        {**COMMUNITY, "api_base_url": "file:///etc/passwd"},
        {k: v for k, v in COMMUNITY.items() if k != "token"},
    ],
    ids=["no secret", "no confirmation", "name not a path segment", "group 0", "unknown mode", "not http", "no token"],
)
def test_a_community_without_what_its_mode_needs_is_refused_naming_the_field(
    monkeypatch: pytest.MonkeyPatch, community: dict[str, object]
) -> None:
    monkeypatch.setenv("SWITCHBOARD_VK_COMMUNITIES", json.dumps([community]))
    with pytest.raises(ConfigurationError, match="vk_communities") as refused:
        load_settings()
    assert "tok-secret-1" not in str(refused.value)
    assert "cb-secret-2" not in str(refused.value)


@pytest.mark.parametrize("field", ["name", "group_id"])
def test_two_communities_cannot_share_a_name_or_a_group(monkeypatch: pytest.MonkeyPatch, field: str) -> None:
    other = {"name": "outlet", "group_id": 7, "token": "tok-3", "mode": "longpoll", field: COMMUNITY[field]}
    monkeypatch.setenv("SWITCHBOARD_VK_COMMUNITIES", json.dumps([COMMUNITY, other]))
    with pytest.raises(ConfigurationError, match=f"a {field} of its own"):
        load_settings()
