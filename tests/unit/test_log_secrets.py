"""No secret reaches a log line: not in a field named for it, not quoted by an exception, not in a URL."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator

import pytest
import structlog

from services.log_secrets import HIDDEN, SecretsHidden
from services.settings import Settings
from tests.log_capture import BOT_TOKEN, DSN, logs_written


@pytest.fixture
def logged() -> Iterator[Callable[[], str]]:
    settings = Settings.model_validate(
        {
            "secret_key": "signing-key-0123456789",
            "database_url": DSN,
            "telegram_bots": [
                {"name": "shop", "token": BOT_TOKEN, "mode": "webhook", "secret_token": "tg-webhook-secret"}
            ],
            "call_lines": [{"name": "sales", "number": "+37120000000", "secret": "call-line-secret-0123"}],
        }
    )
    with logs_written(settings) as written:
        yield written


SECRETS = ("signing-key-0123456789", "p@ss-w0rd-db", "p%40ss-w0rd-db", BOT_TOKEN, "tg-webhook-secret")


def test_fields_exceptions_and_library_records_keep_no_secret(logged: Callable[[], str]) -> None:
    log = structlog.get_logger()
    log.info("login", password="hunter2-hunter2", authorization="Bearer abc.def", tokens=3)
    log.warning("sender_waiting", error=f"Client error for url 'https://api.telegram.org/bot{BOT_TOKEN}/getFile'")
    log.info("headers", headers={"Cookie": "session=abc", "X-Telegram-Bot-Api-Secret-Token": "tg-webhook-secret"})
    try:
        _connect()
    except ConnectionError:
        log.exception("pool_failed")
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application, %s", DSN)
    logging.getLogger("library").warning("a format its arguments do not fit %d", BOT_TOKEN)
    written = logged()
    for secret in (*SECRETS, "hunter2-hunter2", "abc.def", "session=abc"):
        assert secret not in written
    lines = [json.loads(line) for line in written.splitlines() if line.startswith("{")]
    assert lines[0]["password"] == HIDDEN
    assert lines[0]["tokens"] == 3  # a count named after tokens tells nothing away
    assert "cannot connect to postgresql://switchboard:" in lines[3]["exception"]  # the rest of the message stays


def _connect() -> None:
    msg = f"cannot connect to {DSN} with key signing-key-0123456789"
    raise ConnectionError(msg)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("postgres://u:pw@h/db", f"postgres://u:{HIDDEN}@h/db"),
        (
            "GET https://api.telegram.org/bot1:AAHdqTcvCH1vGWJxfSeofSAs0K5/x",
            f"GET https://api.telegram.org/bot{HIDDEN}/x",
        ),
        ("Authorization: Bearer eyJ.abc.def", f"Authorization: Bearer {HIDDEN}"),
        (
            "/method/messages.send?access_token=vk1.a.xyz&v=5.199",
            f"/method/messages.send?access_token={HIDDEN}&v=5.199",
        ),
        ("grant=x&client_secret=s3cr3t&api_key=k3y", f"grant=x&client_secret={HIDDEN}&api_key={HIDDEN}"),
        ("http://127.0.0.1:8080/api/leads ann@example.com", "http://127.0.0.1:8080/api/leads ann@example.com"),
    ],
)
def test_what_has_the_shape_of_a_secret_is_hidden_and_nothing_else(text: str, shown: str) -> None:
    assert SecretsHidden().text(text) == shown
