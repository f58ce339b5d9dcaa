"""Converting a lead, over REST and the console socket alike: the body read, the roles checked, the act recorded.

``POST /api/leads/{lead_id}/conversion`` takes ``{"contact"?: {"name"?, "phones"?, "emails"?},
"company"?: {"name", "domain"?, "address"?, "industry"?, "phones"?, "emails"?}, "deal"?: {"title"?,
"currency"?, "amount"?, "pipeline_id"?, "stage_id"?, "expected_close"?}, "responsible_id"?,
"expected_version"?}``: each record given is made (an empty object is enough). It answers 201 with
the ids, or 200 with the same ids when the lead had become all that already.

Converting needs the right to edit the lead and to create each record asked for, held by the manager
who is to be responsible (the lead's, unless given): checked on the lead as it is in the event store,
and the conversion recorded at the version checked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any
from uuid import UUID

import structlog
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from application.conversion_request import Conversion, DealCard, under
from application.convert_lead import LeadConverted, convert_lead
from application.errors import UnknownPipeline
from application.event_store import EventStore
from application.record_holding import Held, held
from domain.conversion import Record
from domain.deal import close_date
from domain.errors import InvalidField
from domain.lead import Lead
from domain.permissions import Action, Entity, Holding
from services.console.accounts import Operator
from services.console.sales_access import SalesAccess
from services.console.sales_http import Answer, Authenticate, guarded, id_field, path_id, version_field

log = structlog.get_logger()

ENTITIES = {Record.CONTACT: Entity.CONTACT, Record.COMPANY: Entity.COMPANY, Record.DEAL: Entity.DEAL}
FIELDS = {
    "contact": ("name", "phones", "emails"),
    "company": ("name", "domain", "address", "industry", "phones", "emails"),
    "deal": ("title", "currency", "amount", "pipeline_id", "stage_id", "expected_close"),
}


def conversion_asked(fields: Mapping[str, Any], default_phone_region: str = "") -> Conversion:
    """What a body or a console frame asks a conversion to make, checked; InvalidField naming what is wrong."""
    records = {name: _record(fields, name) for name in ("contact", "company", "deal")}
    deal = None
    if (asked := records["deal"]) is not None:
        with under("deal"):
            deal = DealCard(
                title=asked.get("title") or "",
                currency=asked.get("currency"),
                amount=asked.get("amount"),
                pipeline_id=id_field(asked, "pipeline_id"),
                stage_id=id_field(asked, "stage_id"),
                expected_close=close_date(asked.get("expected_close")),
            )
    return Conversion.checked(
        contact=records["contact"],
        company=records["company"],
        deal=deal,
        responsible_id=id_field(fields, "responsible_id"),
        default_phone_region=default_phone_region,
    )


async def convert(
    access: SalesAccess, operator: Operator, lead_id: UUID, fields: Mapping[str, Any], default_phone_region: str = ""
) -> LeadConverted:
    """Convert a lead the operator may edit into the records ``fields`` ask for; NotVisible, NotAllowed, refusals."""
    conversion = conversion_asked(fields, default_phone_region)
    expected_version = version_field(fields)
    store, by = access.store(), operator.manager_id

    def run() -> LeadConverted:
        who = access.actor(operator)

        def check() -> Held:
            lead = access.subject(who, "lead", lead_id, Action.EDIT)
            responsible = conversion.responsible_id or lead.holding.responsible_id or by
            for record in sorted(conversion.asked):
                access.require_new(who, ENTITIES[record], Holding(responsible))
            return lead

        try:
            return access.edited(check, expected_version, lambda v: convert_lead(store, lead_id, conversion, by, v))
        except UnknownPipeline as unknown:
            raise InvalidField("deal.pipeline_id", str(unknown)) from None

    done = await asyncio.to_thread(run)
    log.info(
        "lead_converted",
        lead_id=str(lead_id),
        manager_id=str(by),
        contact_id=_text(done.contact_id),
        company_id=_text(done.company_id),
        deal_id=_text(done.deal_id),
        created=list(done.created),
    )
    return done


def answer(done: LeadConverted) -> dict[str, Any]:
    """A conversion as REST and the console are told it."""
    return {
        "lead_id": str(done.lead_id),
        "contact_id": _text(done.contact_id),
        "company_id": _text(done.company_id),
        "deal_id": _text(done.deal_id),
        "created": list(done.created),
        "version": done.version,
    }


Seen = list[tuple[Entity, Holding]]  # the records a frame is about: whoever may see one of them is told


def conversion_pushed(store: EventStore, lead_id: UUID) -> tuple[Seen, dict[str, Any]] | None:
    """The frame telling what lead ``lead_id`` became, and the records whose viewers are told (None: not converted).

    The lead's own, and each record it became: a deal handed to a manager other than the lead's is told
    to them too.
    """
    lead = store.load(lead_id)
    if not isinstance(lead, Lead) or not any(lead.converted.id_of(record) for record in Record):
        return None
    own = held(store, "lead", lead_id)  # on offer or queued, a lead is seen by more than its manager
    seen: Seen = [(Entity.LEAD, own.holding if own is not None else Holding(lead.manager_id))]
    for record in Record:
        record_id = lead.converted.id_of(record)
        found = held(store, record.value, record_id) if record_id is not None else None
        if found is not None:
            seen.append((ENTITIES[record], found.holding))
    ids = {f"{record.value}_id": _text(lead.converted.id_of(record)) for record in Record}
    return seen, {"type": "lead_converted", "conversion": {"lead_id": str(lead.id), **ids}}


def _text(record_id: UUID | None) -> str | None:
    return None if record_id is None else str(record_id)


def _record(fields: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    value = fields.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidField(name, f"must be an object with the {name}'s fields (empty for none), or left out")
    unknown = sorted(str(key) for key in value if key not in FIELDS[name])
    if unknown:
        raise InvalidField(f"{name}.{unknown[0][:40]}", f"is not a field of a {name} a lead converts into")
    return value


class ConversionApi:
    """The route of converting a lead."""

    def __init__(self, access: SalesAccess, authenticate: Authenticate, default_phone_region: str = "") -> None:
        self._access = access
        self._authenticate = authenticate
        self._region = default_phone_region

    def routes(self) -> list[BaseRoute]:
        """The conversion route."""

        async def endpoint(request: Request) -> Response:
            return await guarded(self._authenticate, request, self._convert)

        endpoint.__doc__ = f"POST /api/leads/{{lead_id}}/conversion: {self._convert.__doc__}"
        return [Route("/api/leads/{lead_id}/conversion", endpoint, methods=["POST"])]

    async def _convert(self, operator: Operator, request: Request, body: dict[str, Any]) -> Answer:
        """Convert the lead into a contact, a company and a deal, any of them; 200 if it had become them before."""
        lead_id = path_id(request, "lead_id")
        done = await convert(self._access, operator, lead_id, body, self._region)
        return (200 if done.repeated else 201), answer(done)
