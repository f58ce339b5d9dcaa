"""Leads and people for the CRM's tests: a web-chat lead routed in a team, and records entered over REST."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from application.receive_messages import receive_messages
from domain.conversation import Conversation
from domain.inbound import InboundMessage
from services.bootstrap import build_event_store
from tests.integration.crm_world import World
from tests.router_reactions import routed


def lead_of(crm: World, team: str, visitor: str, text: str = "Do you fit winter tyres?") -> tuple[UUID, UUID]:
    """A web-chat lead routed in ``team`` to whoever works there now: the lead's id and its contact's."""
    routing = build_event_store(crm.settings.model_copy(update={"team": team}))
    try:
        [received] = routed(
            routing, receive_messages, [InboundMessage.from_visitor(visitor, "m1", text, datetime.now(UTC))]
        )
    finally:
        routing.close()
    conversation = crm.store.load(received.conversation_id) if received.conversation_id else None
    assert isinstance(conversation, Conversation)
    assert received.lead_id is not None
    return received.lead_id, conversation.contact_id


def entered(crm: World, who: str, url: str, body: dict[str, object]) -> str:
    """The id of a record ``who`` enters over REST (201)."""
    response = crm.post(who, url, body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])
