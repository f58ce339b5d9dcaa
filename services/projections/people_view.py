"""The people read models: contacts, companies and leads as they stand now, and suggested duplicates.

Every event of a contact, a company or a lead moves its row's version, so an editor reads the
version their next edit must name. A merged contact keeps its row, naming the contact it was merged
into (the survivor, whose own events gave it everything the merged one had); leads of the merged
contact are shown on the survivor, and chains of merges point straight at the last survivor.
"""

from __future__ import annotations

import json
from uuid import UUID

from domain.published_event import PublishedEvent
from services.projections.inbox_view import Changes
from services.projections.sales_rows import Handler, clean, moment, money, uuid_or_none
from services.tables import Connection

KINDS = {"Contact": "contacts", "Company": "companies", "Lead": "leads"}
EMAIL, PHONE = "email:", "phone:"


async def apply(conn: Connection, schema: str, event: PublishedEvent, changes: Changes) -> None:
    """Apply one public domain event to the people read models in ``schema``."""
    kind = event.type.partition(".")[0]
    handler = HANDLERS.get(event.type)
    if handler is not None:
        await handler(conn, schema, event, changes)
    if kind in KINDS:
        # Every event of the record, handled or not (an activity logged, a lead queued), is a version.
        await conn.execute(
            f"UPDATE {schema}.{KINDS[kind]} SET version = greatest(version, $2) WHERE id = $1",  # noqa: S608 - fixed
            event.aggregate_id,
            event.version,
        )
        {"Contact": changes.contacts, "Company": changes.companies, "Lead": changes.leads}[kind].add(event.aggregate_id)


def _set(table: str, sets: str, *fields: str) -> Handler:
    """A handler that runs ``UPDATE table SET sets`` with $2... taken (cleaned) from the event's ``fields``."""

    async def handle(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
        values = [clean(e.data[f]) if isinstance(e.data[f], str) else e.data[f] for f in fields]
        await conn.execute(f"UPDATE {s}.{table} SET {sets} WHERE id = $1", e.aggregate_id, *values)  # noqa: S608

    return handle


def _phone(number: str, text: str) -> str:
    return json.dumps([{"number": clean(number), "text": clean(text)}])


async def _contact_registered(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    await conn.execute(
        f"INSERT INTO {s}.contacts (id, name, source, created_at, version) VALUES ($1, $2, $3, $4, $5)"  # noqa: S608
        " ON CONFLICT (id) DO NOTHING",
        e.aggregate_id,
        clean(d["name"]),
        clean(d.get("source", "")),
        e.occurred_at,
        e.version,
    )
    address = clean(d.get("address") or "")
    if address.startswith(PHONE):
        number = address.removeprefix(PHONE)
        await _add_phone(conn, s, "contacts", e.aggregate_id, number, number)
    elif address.startswith(EMAIL):
        await _append(conn, s, "contacts", "emails", e.aggregate_id, address.removeprefix(EMAIL))
    elif address:
        await _append(conn, s, "contacts", "messenger_ids", e.aggregate_id, address)


async def _add_phone(conn: Connection, s: str, table: str, record: UUID, number: str, text: str) -> None:  # noqa: PLR0913
    await conn.execute(
        f"UPDATE {s}.{table} SET phones = phones || $2::jsonb WHERE id = $1"  # noqa: S608 - fixed table
        " AND NOT phones @> $3::jsonb",
        record,
        _phone(number, text),
        json.dumps([{"number": clean(number)}]),
    )


async def _append(conn: Connection, s: str, table: str, column: str, record: UUID, value: str) -> None:  # noqa: PLR0913
    await conn.execute(
        f"UPDATE {s}.{table} SET {column} = array_append({column}, $2)"  # noqa: S608 - fixed table and column
        f" WHERE id = $1 AND NOT $2 = ANY({column})",
        record,
        clean(value),
    )


async def _contact_phone(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    await _add_phone(conn, s, "contacts", e.aggregate_id, e.data["number"], e.data["text"])


async def _contact_email(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    await _append(conn, s, "contacts", "emails", e.aggregate_id, e.data["email"])


async def _contact_address(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    await _append(conn, s, "contacts", "messenger_ids", e.aggregate_id, e.data["address"])


async def _profile(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    await conn.execute(
        f"UPDATE {s}.contacts SET vip = $2, language = $3, region = $4, tags = $5 WHERE id = $1",  # noqa: S608
        e.aggregate_id,
        bool(d["vip"]),
        clean(d["language"]),
        clean(d["region"]),
        clean(list(d["tags"])),
    )


async def _custom_fields(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    await conn.execute(
        f"UPDATE {s}.contacts SET custom_fields = (custom_fields || $2::jsonb) - $3::text[] WHERE id = $1",  # noqa: S608
        e.aggregate_id,
        json.dumps(clean(d["values"])),
        clean(list(d["removed"])),
    )


async def _merged(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    await conn.execute(
        f"UPDATE {s}.contacts SET merged_from = array_append(merged_from, $2) WHERE id = $1",  # noqa: S608
        e.aggregate_id,
        UUID(e.data["merged_id"]),
    )


async def _merged_into(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
    survivor = UUID(e.data["survivor_id"])
    merged = await conn.fetch(
        f"UPDATE {s}.contacts SET merged_into = $2 WHERE id = $1 OR merged_into = $1 RETURNING id",  # noqa: S608
        e.aggregate_id,
        survivor,
    )
    gone = [row["id"] for row in merged]
    leads = await conn.fetch(
        f"UPDATE {s}.leads SET contact_id = $2 WHERE contact_id = ANY($1::uuid[]) RETURNING id",  # noqa: S608
        gone,
        survivor,
    )
    ch.leads.update(row["id"] for row in leads)
    ch.contacts.add(survivor)


async def _company_registered(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    await conn.execute(
        f"INSERT INTO {s}.companies (id, name, created_at, version) VALUES ($1, $2, $3, $4)"  # noqa: S608
        " ON CONFLICT (id) DO NOTHING",
        e.aggregate_id,
        clean(e.data["name"]),
        e.occurred_at,
        e.version,
    )


async def _company_phone(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    if e.type.endswith("Added"):
        await _add_phone(conn, s, "companies", e.aggregate_id, e.data["number"], e.data["text"])
    else:
        await conn.execute(
            f"UPDATE {s}.companies SET phones = coalesce((SELECT jsonb_agg(p) FROM jsonb_array_elements(phones) p"  # noqa: S608
            " WHERE p->>'number' <> $2), '[]') WHERE id = $1",
            e.aggregate_id,
            clean(e.data["number"]),
        )


async def _company_email(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    if e.type.endswith("Added"):
        await _append(conn, s, "companies", "emails", e.aggregate_id, e.data["email"])
    else:
        await conn.execute(
            f"UPDATE {s}.companies SET emails = array_remove(emails, $2) WHERE id = $1",  # noqa: S608
            e.aggregate_id,
            clean(e.data["email"]),
        )


async def _lead_created(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    conversation = UUID(d["conversation_id"])
    await conn.execute(
        f"INSERT INTO {s}.leads (id, conversation_id, contact_id, channel, source, status, conversations,"  # noqa: S608
        " arrived_at, created_at, version) VALUES ($1, $2, $3, $4, $5, 'new', $6, $7, $8, $9)"
        " ON CONFLICT (id) DO NOTHING",
        e.aggregate_id,
        conversation,
        UUID(d["contact_id"]),
        clean(d["channel"]),
        clean(d.get("source", "")),
        [conversation],
        moment(d.get("arrived_at")),
        e.occurred_at,
        e.version,
    )


def _lead_status(status: str, *, holder: bool = False, place: str = "") -> Handler:
    """Where routing has the lead now; ``holder``: the event names its manager, else it has none.

    ``place`` sets its queue and offers as the event leaves them (SQL with $4: the event's data).
    """

    async def handle(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
        manager = uuid_or_none(e.data.get("manager_id")) if holder else None
        await conn.execute(
            f"UPDATE {s}.leads SET status = $2, manager_id = $3{place} WHERE id = $1",  # noqa: S608 - fixed SQL
            e.aggregate_id,
            status,
            manager,
            *([json.dumps(e.data)] if "$4" in place else []),
        )

    return handle


_TAKEN = ", queue = NULL, offered_to = '{}'"  # held, handed on or closed: no queue, no offers


async def _lead_details(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    await conn.execute(
        f"UPDATE {s}.leads SET amount = $2, currency = $3, product_interest = $4, comment = $5 WHERE id = $1",  # noqa: S608
        e.aggregate_id,
        None if d.get("amount") is None else money(d["amount"]),
        clean(d["currency"]),
        clean(d["product_interest"]),
        clean(d["comment"]),
    )


async def _conversation_linked(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    await _append_id(conn, s, e.aggregate_id, UUID(e.data["conversation_id"]))


async def _append_id(conn: Connection, s: str, lead: UUID, conversation: UUID) -> None:
    await conn.execute(
        f"UPDATE {s}.leads SET conversations = array_append(conversations, $2)"  # noqa: S608
        " WHERE id = $1 AND NOT $2 = ANY(conversations)",
        lead,
        conversation,
    )


async def _suggested(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    contacts = [UUID(c) for c in d["contact_ids"]]
    await conn.execute(
        f"INSERT INTO {s}.duplicate_suggestions (id, contact_ids, reasons, status, suggested_at, version)"  # noqa: S608
        " VALUES ($1, $2, $3, 'open', $4, $5) ON CONFLICT (id) DO NOTHING",
        e.aggregate_id,
        contacts,
        json.dumps(clean(list(d["reasons"]))),
        e.occurred_at,
        e.version,
    )
    ch.contacts.update(contacts)


def _suggestion(status: str) -> Handler:
    async def handle(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
        await conn.execute(
            f"UPDATE {s}.duplicate_suggestions SET status = $2, version = $3 WHERE id = $1",  # noqa: S608
            e.aggregate_id,
            status,
            e.version,
        )

    return handle


HANDLERS: dict[str, Handler] = {
    "Contact.Registered": _contact_registered,
    "Contact.Renamed": _set("contacts", "name = $2", "name"),
    "Contact.SourceChanged": _set("contacts", "source = $2", "source"),
    "Contact.ResponsibleManagerChanged": _set("contacts", "responsible_id = $2::uuid", "manager_id"),
    "Contact.ProfileUpdated": _profile,
    "Contact.CustomFieldsChanged": _custom_fields,
    "Contact.PhoneAdded": _contact_phone,
    "Contact.EmailAdded": _contact_email,
    "Contact.AddressAdded": _contact_address,
    "Contact.JoinedCompany": _set("contacts", "company_id = $2::uuid", "company_id"),
    "Contact.LeftCompany": _set("contacts", "company_id = NULL"),
    "Contact.Merged": _merged,
    "Contact.MergedInto": _merged_into,
    "Company.Registered": _company_registered,
    "Company.DetailsChanged": _set(
        "companies", "name = $2, domain = $3, address = $4, industry = $5", "name", "domain", "address", "industry"
    ),
    "Company.PhoneAdded": _company_phone,
    "Company.PhoneRemoved": _company_phone,
    "Company.EmailAdded": _company_email,
    "Company.EmailRemoved": _company_email,
    "Company.ResponsibleManagerChanged": _set("companies", "responsible_id = $2::uuid", "manager_id"),
    "Lead.Created": _lead_created,
    "Lead.Assigned": _lead_status("assigned", holder=True, place=_TAKEN),
    "Lead.Transferred": _lead_status("assigned", holder=True, place=_TAKEN),
    "Lead.HandedToTeam": _lead_status("new", place=_TAKEN),
    "Lead.Queued": _lead_status("queued", place=", queue = $4::jsonb ->> 'queue', offered_to = '{}'"),
    "Lead.Offered": _lead_status(
        "offered", place=", offered_to = ARRAY(SELECT jsonb_array_elements_text($4::jsonb -> 'manager_ids'))::uuid[]"
    ),
    "Lead.OfferWithdrawn": _lead_status("new", place=", offered_to = '{}'"),
    "Lead.Released": _lead_status("new"),
    "Lead.Reopened": _lead_status("new"),
    "Lead.Closed": _lead_status("closed", place=_TAKEN),
    "Lead.TakenInProgress": _set("leads", "qualification = 'in_progress', junk_reason = ''"),
    "Lead.Qualified": _set("leads", "qualification = 'qualified'"),
    "Lead.MarkedJunk": _set("leads", "qualification = 'junk', junk_reason = $2", "reason"),
    "Lead.DetailsChanged": _lead_details,
    "Lead.ConversationLinked": _conversation_linked,
    "DuplicateSuggestion.Suggested": _suggested,
    "DuplicateSuggestion.Dismissed": _suggestion("dismissed"),
    "DuplicateSuggestion.Resolved": _suggestion("merged"),
}
