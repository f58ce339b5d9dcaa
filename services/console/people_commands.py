"""Console commands on contacts and leads: the common acts, checked against the operator's role as REST checks them.

``take_lead``, ``qualify_lead``, ``mark_lead_junk`` ({"lead_id", "reason"}) and ``change_lead``
({"lead_id", "amount"?, "currency"?, "product_interest"?, "comment"?}); ``update_contact``
({"contact_id", and any field PATCH /api/contacts/{contact_id} takes}). Each may send
``expected_version``; each is answered ``{"type": "ack", ..., "version"}``. A record the operator
may not see, or that does not exist, is refused alike.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import structlog

from application.errors import UnknownContact, UnknownLead
from domain.errors import InvalidField
from services.console.accounts import Operator
from services.console.contacts_api import change_contact
from services.console.desk import Command, Desk
from services.console.leads_api import change_details, qualify
from services.console.sales_access import NotVisible
from services.console.sales_http import version_field

log = structlog.get_logger()

Frame = dict[str, Any]


def _id(frame: Frame, key: str) -> UUID:
    try:
        return UUID(str(frame.get(key)))
    except ValueError:
        raise InvalidField(key, "must be an id") from None


def _qualifying(act: str) -> Command:
    async def command(desk: Desk, operator: Operator, frame: Frame) -> Frame:
        lead_id = _id(frame, "lead_id")
        try:
            saved = await qualify(desk.sales, operator, act, lead_id, frame.get("reason"), version_field(frame))
        except UnknownLead:
            msg = "no lead among those you may see"
            raise NotVisible(msg) from None
        return {"type": "ack", "lead_id": str(lead_id), "status": saved.qualification, "version": saved.version}

    command.__doc__ = f"{act} a lead the operator may edit."
    return command


async def change_lead(desk: Desk, operator: Operator, frame: Frame) -> Frame:
    """Change what a lead the operator may edit is about."""
    lead_id = _id(frame, "lead_id")
    try:
        saved = await change_details(desk.sales, operator, lead_id, frame)
    except UnknownLead:
        msg = "no lead among those you may see"
        raise NotVisible(msg) from None
    return {"type": "ack", "lead_id": str(lead_id), "version": saved.version}


async def update_contact(desk: Desk, operator: Operator, frame: Frame) -> Frame:
    """Change details of a contact the operator may edit."""
    contact_id = _id(frame, "contact_id")
    try:
        saved = await change_contact(desk.sales, operator, contact_id, frame)
    except UnknownContact:
        msg = "no contact among those you may see"
        raise NotVisible(msg) from None
    log.info("contact_updated", contact_id=str(contact_id), manager_id=str(operator.manager_id))
    return {"type": "ack", "contact_id": str(contact_id), "version": saved.version}


PEOPLE_COMMANDS: dict[str, Command] = {
    "take_lead": _qualifying("take"),
    "qualify_lead": _qualifying("qualify"),
    "mark_lead_junk": _qualifying("junk"),
    "change_lead": change_lead,
    "update_contact": update_contact,
}
