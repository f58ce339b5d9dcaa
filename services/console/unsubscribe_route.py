"""``/unsubscribe``: the link at the foot of every campaign mail, honoured from the moment it is followed.

GET shows a button and changes nothing, since mail scanners open links; POST (the button, or a mail
client's one-click unsubscribe, RFC 8058) records it on the contact. A token that is not ours, or
names no contact, gets 400 and changes nothing.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable

import structlog
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from application.errors import UnknownContact
from application.event_store import EventStore
from application.unsubscribe_contact import unsubscribe_contact
from services.bulk_mail import unsubscribing
from services.tokens import Signer

log = structlog.get_logger()
PATH = "/unsubscribe"
_PAGE = "<!doctype html><meta charset=utf-8><title>Unsubscribe</title><p>{}</p>"


def unsubscribe_route(store: Callable[[], EventStore], signer: Signer) -> Route:
    """The route of ``GET`` and ``POST /unsubscribe?token=...``."""

    async def endpoint(request: Request) -> Response:
        token = request.query_params.get("token", "")
        named = unsubscribing(signer, token) if len(token) < 1_000 else None  # noqa: PLR2004 - ours are ~150
        if named is None:
            return HTMLResponse(_PAGE.format("This unsubscribe link is not valid."), status_code=400)
        campaign_id, contact_id = named
        if request.method == "GET":
            action = html.escape(f"{PATH}?token={token}", quote=True)
            form = f'<form method=post action="{action}"><button>Receive no more of these mails</button></form>'
            return HTMLResponse(_PAGE.format(form))
        try:
            changed = await asyncio.to_thread(unsubscribe_contact, store(), contact_id, campaign_id)
        except UnknownContact:
            return HTMLResponse(_PAGE.format("This unsubscribe link is not valid."), status_code=400)
        log.info("contact_unsubscribed", contact_id=str(contact_id), campaign_id=str(campaign_id), changed=changed)
        return HTMLResponse(_PAGE.format("You will receive no more of these mails."))

    return Route(PATH, endpoint, methods=["GET", "POST"])
