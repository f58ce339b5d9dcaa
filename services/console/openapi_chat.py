"""The chat's routes in the gateway's OpenAPI document: transfers, canned replies, the widget's rating."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from application.transfer_conversation import MAX_OVERRIDE
from domain.canned_reply import MAX_CANNED_TEXT, MAX_SHORTCUT, MAX_TEAM_NAME
from domain.conversation import MAX_RATING, MIN_RATING
from services.console.openapi_parts import authed, operation, path_id
from services.console.widget_chat import MAX_COMMENT, MAX_TOKEN


class TransferBody(BaseModel):
    """POST /api/conversations/{conversation_id}/transfer: to one colleague or one team."""

    to_manager_id: str | None = Field(default=None, json_schema_extra={"format": "uuid"})
    team: str | None = Field(default=None, min_length=1, max_length=MAX_TEAM_NAME)
    override: str = Field(default="", max_length=MAX_OVERRIDE, description="why a colleague not at work gets it")


class CannedReplyBody(BaseModel):
    """POST /api/canned-replies: the caller's own list, or a team's (heads and above)."""

    shortcut: str = Field(min_length=1, max_length=MAX_SHORTCUT, pattern=r"^[A-Za-z0-9_-]+$")
    text: str = Field(min_length=1, max_length=MAX_CANNED_TEXT)
    team: str | None = Field(default=None, min_length=1, max_length=MAX_TEAM_NAME)


class RatingBody(BaseModel):
    """POST /api/widget/rating."""

    token: str = Field(max_length=MAX_TOKEN)
    rating: int = Field(ge=MIN_RATING, le=MAX_RATING)
    comment: str = Field(default="", max_length=MAX_COMMENT)


def chat_paths() -> dict[str, dict[str, Any]]:
    """The chat's paths."""
    return {
        "/api/conversations/{conversation_id}/transfer": {
            "post": authed(
                "give a conversation to a colleague or a team",
                400,
                403,
                404,
                409,
                413,
                body=TransferBody,
                parameters=[path_id("conversation_id")],
            )
        },
        "/api/canned-replies": {
            "get": authed("the canned replies the caller may use: every team's and their own"),
            "post": authed("write a canned reply", 400, 403, 409, 413, body=CannedReplyBody),
        },
        "/api/canned-replies/{canned_reply_id}": {
            "delete": authed("remove a canned reply", 400, 404, 409, parameters=[path_id("canned_reply_id")])
        },
        "/api/widget/rating": {
            "post": operation(
                "the visitor rates their closed conversation", 400, 401, 404, 409, 413, 429, body=RatingBody
            )
        },
        "/api/widget/availability": {
            "get": operation('whether anyone can chat now, {"available": true|false}: else the widget offers a form')
        },
        "/widget.js": {"get": operation("the script tag that embeds the widget, themed by its data- attributes")},
    }
