"""The people read models: contacts, companies and leads as they stand now, and suggested duplicates.

Every event of a contact, a company or a lead moves its row's version, so an editor reads the
version their next edit must name. A merged contact keeps its row, naming the contact it was merged
into (the survivor, whose own events gave it everything the merged one had); leads of the merged
contact are shown on the survivor, and chains of merges point straight at the last survivor.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from domain.published_event import PublishedEvent
from services.projections.inbox_view import Changes
from services.projections.rows import Rows
from services.projections.sales_rows import Handler, clean, moment, money, uuid_or_none

KINDS = {"Contact": "contacts", "Company": "companies", "Lead": "leads"}
EMAIL, PHONE = "email:", "phone:"


async def apply(rows: Rows, event: PublishedEvent, changes: Changes) -> None:
    """Apply one public domain event to the people read models."""
    kind = event.type.partition(".")[0]
    handler = HANDLERS.get(event.type)
    if handler is not None:
        await handler(rows, event, changes)
    if kind in KINDS:
        # Every event of the record, handled or not (an activity logged, a lead queued), is a version.
        record = await rows.get(KINDS[kind], event.aggregate_id)
        if record is not None and event.version > record["version"]:
            rows.replace(KINDS[kind], record, version=event.version)
        {"Contact": changes.contacts, "Company": changes.companies, "Lead": changes.leads}[kind].add(event.aggregate_id)


def handles(event_type: str) -> bool:
    """Whether events of ``event_type`` change the people read models (every event of theirs is a version)."""
    return event_type in HANDLERS or event_type.partition(".")[0] in KINDS


def _set(table: str, *fields: str, read: Callable[[Any], Any] | None = None, **sets: object) -> Handler:
    """A handler that sets ``fields`` (column, or column=event field) from the event, read by ``read``, and ``sets``."""

    async def handle(rows: Rows, e: PublishedEvent, _: Changes) -> None:
        values: dict[str, object] = {}
        for f in fields:
            column, _eq, name = f.partition("=")
            value = e.data[name or column]
            value = clean(value) if isinstance(value, str) else value
            values[column] = read(value) if read else value
        await rows.update(table, e.aggregate_id, **values, **sets)

    return handle


def _as_uuid(value: object) -> UUID | None:
    return None if value is None else UUID(str(value))


async def _contact_registered(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    # An imported contact comes with its phones, e-mails, custom fields and company in this one event.
    phones = [{"number": clean(p["number"]), "text": clean(p["text"])} for p in d.get("phones") or ()]
    fields = clean(d.get("custom_fields") or {})
    if not isinstance(fields, dict):
        msg = f"custom field values must be an object, not {type(fields).__name__}"
        raise TypeError(msg)
    contact = rows.new_row(
        "contacts",
        id=e.aggregate_id,
        name=clean(d["name"]),
        source=clean(d.get("source", "")),
        phones=json.dumps(list({p["number"]: p for p in phones}.values())),
        emails=list(dict.fromkeys(clean(list(d.get("emails") or ())))),
        custom_fields=json.dumps(fields),
        company_id=_as_uuid(d.get("company_id")),
        created_at=e.occurred_at,
        version=e.version,
    )
    await rows.insert("contacts", contact)
    address = clean(d.get("address") or "")
    if address.startswith(PHONE):
        number = address.removeprefix(PHONE)
        await _add_phone(rows, "contacts", e.aggregate_id, number, number)
    elif address.startswith(EMAIL):
        await _append(rows, "contacts", "emails", e.aggregate_id, address.removeprefix(EMAIL))
    elif address:
        await _append(rows, "contacts", "messenger_ids", e.aggregate_id, address)


async def _add_phone(rows: Rows, table: str, record: UUID, number: str, text: str) -> None:
    row = await rows.get(table, record)
    if row is None:
        return
    phones = json.loads(row["phones"])
    number = clean(number)
    if not any(isinstance(p, dict) and p.get("number") == number for p in phones):
        rows.replace(table, row, phones=json.dumps([*phones, {"number": number, "text": clean(text)}]))


async def _append(rows: Rows, table: str, column: str, record: UUID, value: str) -> None:
    row = await rows.get(table, record)
    value = clean(value)
    if row is not None and value not in row[column]:
        rows.replace(table, row, **{column: [*row[column], value]})


async def _contact_phone(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    await _add_phone(rows, "contacts", e.aggregate_id, e.data["number"], e.data["text"])


async def _contact_email(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    await _append(rows, "contacts", "emails", e.aggregate_id, e.data["email"])


async def _contact_address(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    await _append(rows, "contacts", "messenger_ids", e.aggregate_id, e.data["address"])


async def _profile(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    await rows.update(
        "contacts",
        e.aggregate_id,
        vip=bool(d["vip"]),
        language=clean(d["language"]),
        region=clean(d["region"]),
        tags=clean(list(d["tags"])),
    )


async def _custom_fields(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    values, removed = clean(d["values"]), clean(list(d["removed"]))
    if not isinstance(values, dict):
        msg = f"custom field values must be an object, not {type(values).__name__}"
        raise TypeError(msg)
    contact = await rows.get("contacts", e.aggregate_id)
    if contact is not None:
        fields = {**json.loads(contact["custom_fields"]), **values}
        for name in removed:
            fields.pop(name, None)
        rows.replace("contacts", contact, custom_fields=json.dumps(fields))


async def _merged(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    contact = await rows.get("contacts", e.aggregate_id)
    if contact is not None:
        rows.replace("contacts", contact, merged_from=[*contact["merged_from"], UUID(e.data["merged_id"])])


async def _merged_into(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
    survivor = UUID(e.data["survivor_id"])
    merged = [
        await rows.get("contacts", e.aggregate_id),
        *await rows.where("contacts", ("merged_into",), e.aggregate_id),
    ]
    gone = list(dict.fromkeys(contact["id"] for contact in merged if contact is not None))
    for contact_id in gone:
        await rows.update("contacts", contact_id, merged_into=survivor)
    for contact_id in gone:
        for lead in await rows.where("leads", ("contact_id",), contact_id):
            rows.replace("leads", lead, contact_id=survivor)
            ch.leads.add(lead["id"])
    ch.contacts.add(survivor)


async def _company_registered(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    company = rows.new_row(
        "companies", id=e.aggregate_id, name=clean(e.data["name"]), created_at=e.occurred_at, version=e.version
    )
    await rows.insert("companies", company)


async def _company_phone(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    if e.type.endswith("Added"):
        await _add_phone(rows, "companies", e.aggregate_id, e.data["number"], e.data["text"])
        return
    number = clean(e.data["number"])
    company = await rows.get("companies", e.aggregate_id)
    if company is not None:
        kept = [p for p in json.loads(company["phones"]) if _number(p) not in (None, number)]
        rows.replace("companies", company, phones=json.dumps(kept))


def _number(phone: object) -> str | None:
    """A phone's number as ``->>'number'`` reads it: None when it has none."""
    if not isinstance(phone, dict) or phone.get("number") is None:
        return None
    value = phone["number"]
    return value if isinstance(value, str) else json.dumps(value)


async def _company_email(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    if e.type.endswith("Added"):
        await _append(rows, "companies", "emails", e.aggregate_id, e.data["email"])
        return
    email = clean(e.data["email"])
    company = await rows.get("companies", e.aggregate_id)
    if company is not None:
        rows.replace("companies", company, emails=[m for m in company["emails"] if m != email])


async def _lead_created(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    conversation = UUID(d["conversation_id"])
    lead = rows.new_row(
        "leads",
        id=e.aggregate_id,
        conversation_id=conversation,
        contact_id=UUID(d["contact_id"]),
        channel=clean(d["channel"]),
        source=clean(d.get("source", "")),
        status="new",
        conversations=[conversation],
        arrived_at=moment(d.get("arrived_at")),
        created_at=e.occurred_at,
        version=e.version,
    )
    await rows.insert("leads", lead)


def _lead_status(
    status: str, *, holder: bool = False, place: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None
) -> Handler:
    """Where routing has the lead now; ``holder``: the event names its manager, else it has none.

    ``place`` gives its queue and offers as the event (its data) leaves them; without it they stay.
    """

    async def handle(rows: Rows, e: PublishedEvent, _: Changes) -> None:
        manager = uuid_or_none(e.data.get("manager_id")) if holder else None
        where = {} if place is None else place(e.data)
        lead = await rows.get("leads", e.aggregate_id)
        if lead is None:
            return
        rows.replace("leads", lead, status=status, manager_id=manager, **where, **_former(lead, manager, where))

    return handle


def _former(lead: Mapping[str, Any], manager: UUID | None, where: Mapping[str, Any]) -> dict[str, Any]:
    """Whose the lead was, when it changes hands now and had a place before (one anybody could be shown).

    A lead with no manager, offer or queue is between two places (created, released, its offer
    withdrawn, then routed in the same transaction): whose it was stays as before that.
    """
    offered = set(where.get("offered_to", lead["offered_to"]))
    queue = where.get("queue", lead["queue"])
    unplaced = lead["manager_id"] is None and not lead["offered_to"] and lead["queue"] is None
    if unplaced or (lead["manager_id"], set(lead["offered_to"]), lead["queue"]) == (manager, offered, queue):
        return {}
    return {
        "former_manager_id": lead["manager_id"],
        "former_offered_to": lead["offered_to"],
        "former_queue": lead["queue"],
    }


def _handed(table: str) -> Handler:
    """A contact's or company's new responsible manager, keeping whose it was."""

    async def handle(rows: Rows, e: PublishedEvent, _: Changes) -> None:
        record = await rows.get(table, e.aggregate_id)
        if record is not None:
            manager = _as_uuid(e.data["manager_id"])
            rows.replace(table, record, responsible_id=manager, former_responsible_id=record["responsible_id"])

    return handle


def _taken(_: Mapping[str, Any]) -> dict[str, Any]:
    """Held, handed on or closed: no queue, no offers."""
    return {"queue": None, "offered_to": []}


def _queued(d: Mapping[str, Any]) -> dict[str, Any]:
    queue = d.get("queue")
    return {"queue": None if queue is None else clean(str(queue)), "offered_to": []}


def _offered(d: Mapping[str, Any]) -> dict[str, Any]:
    return {"offered_to": [UUID(m) for m in d.get("manager_ids") or ()]}


def _withdrawn(_: Mapping[str, Any]) -> dict[str, Any]:
    return {"offered_to": []}


async def _lead_details(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    await rows.update(
        "leads",
        e.aggregate_id,
        amount=None if d.get("amount") is None else money(d["amount"]),
        currency=clean(d["currency"]),
        product_interest=clean(d["product_interest"]),
        comment=clean(d["comment"]),
    )


async def _conversation_linked(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    lead = await rows.get("leads", e.aggregate_id)
    conversation = UUID(e.data["conversation_id"])
    if lead is not None and conversation not in lead["conversations"]:
        rows.replace("leads", lead, conversations=[*lead["conversations"], conversation])


async def _suggested(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    contacts = [UUID(c) for c in d["contact_ids"]]
    suggestion = rows.new_row(
        "duplicate_suggestions",
        id=e.aggregate_id,
        contact_ids=contacts,
        reasons=json.dumps(clean(list(d["reasons"]))),
        status="open",
        suggested_at=e.occurred_at,
        version=e.version,
    )
    await rows.insert("duplicate_suggestions", suggestion)
    ch.contacts.update(contacts)


def _suggestion(status: str) -> Handler:
    async def handle(rows: Rows, e: PublishedEvent, _: Changes) -> None:
        await rows.update("duplicate_suggestions", e.aggregate_id, status=status, version=e.version)

    return handle


HANDLERS: dict[str, Handler] = {
    "Contact.Registered": _contact_registered,
    "Contact.Renamed": _set("contacts", "name"),
    "Contact.SourceChanged": _set("contacts", "source"),
    "Contact.ResponsibleManagerChanged": _handed("contacts"),
    "Contact.ProfileUpdated": _profile,
    "Contact.CustomFieldsChanged": _custom_fields,
    "Contact.PhoneAdded": _contact_phone,
    "Contact.EmailAdded": _contact_email,
    "Contact.AddressAdded": _contact_address,
    "Contact.JoinedCompany": _set("contacts", "company_id", read=_as_uuid),
    "Contact.LeftCompany": _set("contacts", company_id=None),
    "Contact.Merged": _merged,
    "Contact.MergedInto": _merged_into,
    "Company.Registered": _company_registered,
    "Company.DetailsChanged": _set("companies", "name", "domain", "address", "industry"),
    "Company.PhoneAdded": _company_phone,
    "Company.PhoneRemoved": _company_phone,
    "Company.EmailAdded": _company_email,
    "Company.EmailRemoved": _company_email,
    "Company.ResponsibleManagerChanged": _handed("companies"),
    "Lead.Created": _lead_created,
    "Lead.Assigned": _lead_status("assigned", holder=True, place=_taken),
    "Lead.Transferred": _lead_status("assigned", holder=True, place=_taken),
    # The hand-over names who had it; the lead waits for the router, with no holder until it routes it.
    "Lead.HandedToTeam": _lead_status("new", place=_taken),
    "Lead.Queued": _lead_status("queued", place=_queued),
    "Lead.Offered": _lead_status("offered", place=_offered),
    "Lead.OfferWithdrawn": _lead_status("new", place=_withdrawn),
    "Lead.Released": _lead_status("new"),
    "Lead.Reopened": _lead_status("new"),
    "Lead.Closed": _lead_status("closed", place=_taken),
    "Lead.TakenInProgress": _set("leads", qualification="in_progress", junk_reason=""),
    "Lead.Qualified": _set("leads", qualification="qualified"),
    "Lead.MarkedJunk": _set("leads", "junk_reason=reason", qualification="junk"),
    "Lead.DetailsChanged": _lead_details,
    "Lead.ConversationLinked": _conversation_linked,
    "DuplicateSuggestion.Suggested": _suggested,
    "DuplicateSuggestion.Dismissed": _suggestion("dismissed"),
    "DuplicateSuggestion.Resolved": _suggestion("merged"),
}
