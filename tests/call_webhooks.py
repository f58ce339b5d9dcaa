"""Posting call events as telephone providers do: our signed JSON, and Twilio's signed callbacks."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

import httpx
from pydantic import SecretStr

from connectors.calls.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TWILIO_SIGNATURE_HEADER,
    signature,
    twilio_signature,
)
from services.settings import CallLineSettings, Settings

LINE = "shop"
TWILIO_LINE = "tw"
SECRET = "line-secret-do-not-log-0123456789"
TWILIO_TOKEN = "twilio-token-do-not-log"
CUSTOMER = "+37120000000"
OUR_NUMBER = "+37167000000"


def with_lines(settings: Settings, **shop: Any) -> Settings:
    """The settings with a generic line ``shop`` (changed by ``shop``) and a Twilio line ``tw``."""
    generic = CallLineSettings(name=LINE, secret=SecretStr(SECRET), number=OUR_NUMBER, **shop)
    twilio = CallLineSettings(
        name=TWILIO_LINE,
        provider="twilio",
        secret=SecretStr(TWILIO_TOKEN),
        webhook_url=f"https://calls.shop.example/calls/twilio/{TWILIO_LINE}",
    )
    return settings.model_copy(update={"call_lines": [generic, twilio]})


def call_event(kind: str = "started", call_id: str = "c1", **fields: Any) -> dict[str, Any]:
    """One event in our own format: an incoming call from the customer, as of now."""
    return {
        "event": kind,
        "call_id": call_id,
        "at": datetime.now(UTC).isoformat(),
        "direction": "incoming",
        "from": CUSTOMER,
        "to": OUR_NUMBER,
        **fields,
    }


def signed_headers(body: bytes, *, secret: str = SECRET, at: float | None = None) -> dict[str, str]:
    """The headers that sign ``body`` with ``secret`` at ``at`` (now by default)."""
    stamp = str(int(time.time() if at is None else at))
    return {
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: signature(secret, stamp, body),
        "Content-Type": "application/json",
    }


async def post_event(
    http: httpx.AsyncClient,
    event: dict[str, Any] | bytes,
    *,
    line: str = LINE,
    sign: Callable[[bytes], dict[str, str]] = signed_headers,
) -> httpx.Response:
    """POST one event, signed as ``sign`` says."""
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    return await http.post(f"/calls/{line}", content=body, headers=sign(body))


def twilio_params(status: str, call_sid: str = "CA0001", **params: str) -> dict[str, str]:
    """A status callback for an inbound call from the customer, as Twilio posts it now."""
    return {
        "AccountSid": "AC0001",
        "CallSid": call_sid,
        "CallStatus": status,
        "Direction": "inbound",
        "From": CUSTOMER,
        "To": OUR_NUMBER,
        "Timestamp": format_datetime(datetime.now(UTC)),
        **params,
    }


async def post_twilio(
    http: httpx.AsyncClient, params: dict[str, str], *, token: str = TWILIO_TOKEN, line: str = TWILIO_LINE
) -> httpx.Response:
    """POST a callback signed with ``token`` over the URL the line tells Twilio to call."""
    url = f"https://calls.shop.example/calls/twilio/{line}"
    headers = {
        TWILIO_SIGNATURE_HEADER: twilio_signature(token, url, {k: [v] for k, v in params.items()}),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return await http.post(f"/calls/twilio/{line}", content=urlencode(params).encode(), headers=headers)
