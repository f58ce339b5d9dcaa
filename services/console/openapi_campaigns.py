"""Campaigns in the gateway's OpenAPI document: make, preview, start, pause, resume, cancel, and progress."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.bulk_mail import FIELDS, MAX_SUBJECT, MAX_TEXT
from services.console.campaigns_api import MAX_TAG
from services.console.openapi_parts import authed, path_id

_FIELDS = ", ".join(f"{{{field}}}" for field in FIELDS)


class CampaignBody(BaseModel):
    """POST /api/campaigns: the mail, the mailbox it goes from, and the filters that pick its contacts."""

    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1, max_length=MAX_SUBJECT, description=f"One line; the fields {_FIELDS}.")
    text: str = Field(min_length=1, max_length=MAX_TEXT, description="Plain text, with the same fields.")
    mailbox: str | None = Field(default=None, description="A configured mailbox's name; the first by default.")
    tag: str | None = Field(default=None, max_length=MAX_TAG)
    vip: bool | None = None
    responsible_id: UUID | None = None
    company_id: UUID | None = None


class CampaignCommandBody(BaseModel):
    """Start, pause, resume or cancel: an empty object."""

    model_config = ConfigDict(extra="forbid")


def campaigns_paths() -> dict[str, dict[str, Any]]:
    """The campaigns' paths of the gateway's OpenAPI document."""
    one = [path_id("campaign_id")]
    paths: dict[str, dict[str, Any]] = {
        "/api/campaigns": {
            "get": authed("the newest campaigns the caller may see, each with its progress", 403),
            "post": authed("make a draft campaign", 400, 403, 413, body=CampaignBody, ok=201),
        },
        "/api/campaigns/{campaign_id}": {
            "get": authed(
                "a campaign and its progress: queued, sending, sent, failed, uncertain, skipped_unsubscribed,"
                " cancelled",
                400,
                403,
                404,
                parameters=one,
            )
        },
        "/api/campaigns/{campaign_id}/preview": {
            "get": authed(
                "how many contacts the caller may mail with it, and the first few mails as text",
                400,
                403,
                404,
                parameters=one,
            )
        },
    }
    said = {
        "start": "queue a mail for each contact the caller may mail, and send them (a draft only)",
        "pause": "stop sending after the mail in hand (a campaign sending)",
        "resume": "send again (a paused campaign)",
        "cancel": "stop for good; what was queued is not sent",
    }
    for command, summary in said.items():
        paths[f"/api/campaigns/{{campaign_id}}/{command}"] = {
            "post": authed(summary, 400, 403, 404, 409, 413, body=CampaignCommandBody, parameters=one)
        }
    return paths
